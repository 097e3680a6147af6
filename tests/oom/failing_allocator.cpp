#include "oom/failing_allocator.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace whistle::test {
namespace {
// Per thread, so gtest's and other threads' allocations are never refused. Constant-initialised:
// operator new may run before any dynamic initialisation.
thread_local bool t_limited = false;
thread_local std::size_t t_left = 0;
thread_local bool t_refused = false;
thread_local std::size_t t_fail_next = 0;
thread_local std::size_t t_made = 0;
thread_local const std::function<void()>* t_before_refusing = nullptr;
std::atomic<std::size_t> g_made{0};  // by every thread

// False when this allocation is to fail.
bool may_allocate() noexcept {
  if (t_fail_next != 0) {
    --t_fail_next;
    return false;
  }
  if (!t_limited) return true;
  if (t_left == 0) {
    if (!t_refused && t_before_refusing != nullptr) {
      t_limited = false;  // the hook's allocations succeed
      (*t_before_refusing)();
      t_limited = true;
    }
    t_refused = true;
    return false;
  }
  --t_left;
  return true;
}

void* allocate(std::size_t bytes, std::size_t alignment) noexcept {
  if (!may_allocate()) return nullptr;
  ++t_made;
  g_made.fetch_add(1, std::memory_order_relaxed);
  if (bytes == 0) bytes = 1;
  if (alignment <= alignof(std::max_align_t)) return std::malloc(bytes);
  return std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
}
}  // namespace

FailAllocationsAfter::FailAllocationsAfter(std::size_t allowed) {
  t_left = allowed;
  t_refused = false;
  t_limited = true;
}
FailAllocationsAfter::FailAllocationsAfter(std::size_t allowed, const std::function<void()>& before_refusing)
    : FailAllocationsAfter(allowed) {
  if (before_refusing) t_before_refusing = &before_refusing;
}
FailAllocationsAfter::~FailAllocationsAfter() {
  t_limited = false;
  t_before_refusing = nullptr;
}
bool FailAllocationsAfter::refused() const { return t_refused; }

void fail_next_allocations(std::size_t count) { t_fail_next = count; }

std::size_t allocations_made() { return t_made; }

std::size_t allocations_made_by_every_thread() { return g_made.load(std::memory_order_relaxed); }

}  // namespace whistle::test

using whistle::test::allocate;

void* operator new(std::size_t bytes) {
  if (void* p = allocate(bytes, 0)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t bytes) { return ::operator new(bytes); }
void* operator new(std::size_t bytes, std::align_val_t alignment) {
  if (void* p = allocate(bytes, static_cast<std::size_t>(alignment))) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t bytes, std::align_val_t alignment) { return ::operator new(bytes, alignment); }
void* operator new(std::size_t bytes, const std::nothrow_t&) noexcept { return allocate(bytes, 0); }
void* operator new[](std::size_t bytes, const std::nothrow_t&) noexcept { return allocate(bytes, 0); }
void* operator new(std::size_t bytes, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return allocate(bytes, static_cast<std::size_t>(alignment));
}
void* operator new[](std::size_t bytes, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return allocate(bytes, static_cast<std::size_t>(alignment));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
