#include "engine/case_table.hpp"

#include <bit>

namespace whistle::engine {

uint32_t CaseTable::insert(CaseId id, uint64_t hash) {
  if ((count_ + 1) * 10 > buckets_.size() * 7) rehash(buckets_.size() * 2);  // load <= 0.7
  const auto slot = static_cast<uint32_t>(count_);
  if ((slot >> kChunkBits) == chunks_.size()) chunks_.push_back(std::make_unique<Case[]>(kChunkSize));
  size_t i = hash & mask_;
  while (buckets_[i].slot != kNone) i = (i + 1) & mask_;
  buckets_[i] = {id, slot};
  ++count_;
  Case& c = at(slot);
  c = Case{};
  c.id = id;
  return slot;
}

void CaseTable::reserve(size_t cases) {
  size_t buckets = kMinBuckets;
  while (buckets * 7 < cases * 10) buckets *= 2;
  if (buckets > buckets_.size()) rehash(buckets);
  while (chunks_.size() * kChunkSize < cases) chunks_.push_back(std::make_unique<Case[]>(kChunkSize));
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
