// Internal to whistle (public only because index classes hold such vectors).
// HugePageAllocator: a std::allocator for large, randomly accessed arrays (grid cells, rule
// tables, case tables). Blocks of 2 MiB or more are 2 MiB-aligned and advised as huge pages,
// so a random probe costs one TLB entry per 2 MiB instead of one per 4 KiB: on a VM, where a
// TLB miss is a two-dimensional page walk, this is often the larger half of a probe's cost.
// Smaller blocks come from malloc as usual. Stateless; thread-safe.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace whistle {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

inline void* allocate_maybe_huge(size_t bytes) {
  if (bytes < kHugePageBytes) {
    if (void* p = std::malloc(bytes == 0 ? 1 : bytes)) return p;
    throw std::bad_alloc();
  }
  const size_t rounded = (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  void* p = std::aligned_alloc(kHugePageBytes, rounded);
  if (p == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  madvise(p, rounded, MADV_HUGEPAGE);
#endif
  return p;
}

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() noexcept = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  T* allocate(size_t n) { return static_cast<T*>(allocate_maybe_huge(n * sizeof(T))); }
  void deallocate(T* p, size_t) noexcept { std::free(p); }
  template <class U>
  friend bool operator==(const HugePageAllocator&, const HugePageAllocator<U>&) noexcept {
    return true;
  }
};

template <class T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace whistle
