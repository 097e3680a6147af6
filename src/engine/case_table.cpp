#include "engine/case_table.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <bit>
#include <cstdlib>
#include <new>
#include <type_traits>

#include "whistle/detail/prefetch.hpp"

namespace whistle::engine {

static_assert(std::is_trivially_destructible_v<Case>);
static_assert(sizeof(Case) % alignof(Case) == 0);

uint32_t CaseTable::insert(CaseId id, uint64_t hash) {
  if ((count_ + 1) * 10 > buckets_.size() * 7) rehash(buckets_.size() * 2);  // load <= 0.7
  const auto slot = static_cast<uint32_t>(count_);
  if (slot == capacity()) add_chunk();
  size_t i = hash & mask_;
  while (buckets_[i].slot != kNone) i = (i + 1) & mask_;
  // Atomic stores, id first: a hint reading this bucket without the lock sees either an empty
  // bucket or this id with its slot.
  __atomic_store_n(&buckets_[i].id, id, __ATOMIC_RELAXED);
  __atomic_store_n(&buckets_[i].slot, slot, __ATOMIC_RELEASE);
  __atomic_store_n(&count_, count_ + 1, __ATOMIC_RELAXED);  // read by prefetch_next_slot
  Case& c = *new (&at(slot)) Case{};
  c.id = id;
  return slot;
}

void CaseTable::erase_last(CaseId id, uint64_t hash) noexcept {
  size_t i = hash & mask_;
  while (buckets_[i].id != id || buckets_[i].slot == kNone) i = (i + 1) & mask_;
  __atomic_store_n(&buckets_[i].slot, kNone, __ATOMIC_RELEASE);  // a hint then sees it empty
  __atomic_store_n(&buckets_[i].id, CaseId{0}, __ATOMIC_RELAXED);
  __atomic_store_n(&count_, count_ - 1, __ATOMIC_RELAXED);
}

void CaseTable::reserve(size_t cases) {
  size_t buckets = kMinBuckets;
  while (buckets * 7 < cases * 10) buckets *= 2;
  if (buckets > buckets_.size()) rehash(buckets);
  const size_t first_new = chunks_.size();
  while (capacity() < cases) add_chunk();
  // Fault the new chunks in now, while nobody waits: taken later, under the shard's lock, a
  // 2 MiB page fault (zeroing, perhaps compaction) would stall every thread that wants the shard.
  for (size_t k = first_new; k < chunks_.size(); ++k) {
    auto* bytes = reinterpret_cast<volatile unsigned char*>(chunks_[k]);
    const size_t size = size_t{chunk_size(static_cast<uint32_t>(k))} * sizeof(Case);
    for (size_t at = 0; at < size; at += 4096) bytes[at] = 0;
  }
}

void CaseTable::add_chunk() {
  const auto chunk = static_cast<uint32_t>(chunks_.size());
  // Everything that may allocate first, the chunk last (nothing after it can fail to free it).
  chunks_.reserve(chunks_.size() + 1);
  views_.reserve(views_.size() + 1);
  std::unique_ptr<View> view = make_view(buckets_.data(), mask_);
  const size_t bytes = size_t{chunk_size(chunk)} * sizeof(Case);
  void* storage = bytes >= kHugePageBytes ? allocate_maybe_huge(bytes) : std::aligned_alloc(alignof(Case), bytes);
  if (storage == nullptr) throw std::bad_alloc();
  chunks_.push_back(static_cast<Case*>(storage));
  view->chunks.push_back(static_cast<Case*>(storage));
  publish(std::move(view));
}

CaseTable::~CaseTable() {
  for (Case* chunk : chunks_) std::free(chunk);  // records are trivially destructible
}

namespace {
// Asks for every line of a record (kForWrite: in the state a write needs).
template <bool kForWrite>
void prefetch_lines(const Case* record) noexcept {
  const char* bytes = reinterpret_cast<const char*>(record);
  for (size_t line = 0; line < sizeof(Case); line += 64) {
    if constexpr (kForWrite) {
      detail::prefetch_for_write(bytes + line);
    } else {
      __builtin_prefetch(bytes + line);
    }
  }
}
}  // namespace

void CaseTable::prefetch_record(CaseId id, uint64_t hash) const noexcept {
  const View* v = view_.load(std::memory_order_acquire);
  // A short probe: a bucket array given back to the system reads as zeros, never as empty.
  for (size_t i = hash & v->mask, probes = 0; probes < 8; i = (i + 1) & v->mask, ++probes) {
    const Bucket& b = v->buckets[i];
    const uint32_t slot = __atomic_load_n(&b.slot, __ATOMIC_ACQUIRE);
    if (slot == kNone) return;
    if (__atomic_load_n(&b.id, __ATOMIC_RELAXED) != id) continue;
    if (const Case* record = v->record(slot)) prefetch_lines<false>(record);
    return;
  }
}

void CaseTable::prefetch_next_slot() const noexcept {
  const View* v = view_.load(std::memory_order_acquire);
  if (const Case* record = v->record(__atomic_load_n(&count_, __ATOMIC_RELAXED))) prefetch_lines<true>(record);
}

std::unique_ptr<CaseTable::View> CaseTable::make_view(const Bucket* buckets, size_t mask) const {
  auto view = std::make_unique<View>(View{buckets, mask, {}});
  view->chunks.reserve(chunks_.size() + 1);
  view->chunks.assign(chunks_.begin(), chunks_.end());
  return view;
}

void CaseTable::publish(std::unique_ptr<View> view) noexcept {
  views_.push_back(std::move(view));
  view_.store(views_.back().get(), std::memory_order_release);
}

// Keeps a replaced bucket array mapped for hints that may still read it; whole pages of it go
// back to the system (reading them again yields zeros), the rest stays resident.
void CaseTable::retire(HugeVector<Bucket>&& buckets) noexcept {
  if (buckets.capacity() == 0) return;
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(buckets.data());
  const uintptr_t end = begin + buckets.capacity() * sizeof(Bucket);
  const uintptr_t first = (begin + page - 1) & ~(page - 1), last = end & ~(page - 1);
  size_t resident = end - begin;
  if (last > first && madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED) == 0) {
    resident -= last - first;
  }
  retired_bytes_ += resident;
  retired_.push_back(std::move(buckets));
}

void CaseTable::rehash(size_t buckets) {
  HugeVector<Bucket> fresh(std::bit_ceil(buckets), Bucket{});
  const size_t mask = fresh.size() - 1;
  for (const Bucket& b : buckets_) {
    if (b.slot == kNone) continue;
    size_t i = mix_id(b.id) & mask;
    while (fresh[i].slot != kNone) i = (i + 1) & mask;
    fresh[i] = b;
  }
  // What may allocate before anything changes: out of memory, the old array stays in use, and
  // no array a hint may be reading is freed.
  std::unique_ptr<View> view = make_view(fresh.data(), mask);
  views_.reserve(views_.size() + 1);
  retired_.reserve(retired_.size() + 1);
  fresh.swap(buckets_);
  mask_ = mask;
  publish(std::move(view));  // filled before it is published: a hint sees the new array whole
  retire(std::move(fresh));
}

}  // namespace whistle::engine
