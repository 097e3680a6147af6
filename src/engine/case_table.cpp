#include "engine/case_table.hpp"

#include <bit>
#include <cstdlib>
#include <new>
#include <type_traits>

namespace whistle::engine {

static_assert(std::is_trivially_destructible_v<Case>);
static_assert(sizeof(Case) % alignof(Case) == 0);

uint32_t CaseTable::insert(CaseId id, uint64_t hash) {
  if ((count_ + 1) * 10 > buckets_.size() * 7) rehash(buckets_.size() * 2);  // load <= 0.7
  const auto slot = static_cast<uint32_t>(count_);
  if (slot == capacity()) add_chunk();
  size_t i = hash & mask_;
  while (buckets_[i].slot != kNone) i = (i + 1) & mask_;
  buckets_[i] = {id, slot};
  ++count_;
  Case& c = *new (&at(slot)) Case{};
  c.id = id;
  return slot;
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
  chunks_.reserve(chunks_.size() + 1);  // so that push_back cannot throw after the allocation
  const size_t bytes = size_t{chunk_size(chunk)} * sizeof(Case);
  void* storage = bytes >= kHugePageBytes ? allocate_maybe_huge(bytes) : std::aligned_alloc(alignof(Case), bytes);
  if (storage == nullptr) throw std::bad_alloc();
  chunks_.push_back(static_cast<Case*>(storage));
}

CaseTable::~CaseTable() {
  for (Case* chunk : chunks_) std::free(chunk);  // records are trivially destructible
}

void CaseTable::rehash(size_t buckets) {
  HugeVector<Bucket> old;
  old.swap(buckets_);
  buckets_.assign(std::bit_ceil(buckets), Bucket{});
  mask_ = buckets_.size() - 1;
  published_buckets_.store(buckets_.data(), std::memory_order_relaxed);
  published_mask_.store(mask_, std::memory_order_relaxed);
  for (const Bucket& b : old) {
    if (b.slot == kNone) continue;
    size_t i = mix_id(b.id) & mask_;
    while (buckets_[i].slot != kNone) i = (i + 1) & mask_;
    buckets_[i] = b;
  }
}

}  // namespace whistle::engine
