// CaseTable: one shard's cases — an open-addressing hash from case id to a dense slot, and the
// case records in fixed chunks that never move (a slot stays valid as the table grows).
// Thread model: guarded by the shard's lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "whistle/detail/huge_pages.hpp"
#include "engine/case_record.hpp"

namespace whistle::engine {

// SplitMix64's finalizer: host ids are often sequential; the shard takes the top bits of the
// mix, the table the low ones.
inline uint64_t mix_id(uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

class CaseTable {
 public:
  CaseTable() { rehash(kMinBuckets); }

  // The slot of case `id`, or kNone.
  uint32_t find(CaseId id, uint64_t hash) const noexcept {
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Bucket& b = buckets_[i];
      if (b.slot == kNone) return kNone;
      if (b.id == id) return b.slot;
    }
  }
  // Starts loading the bucket `hash` probes first: a new id lands anywhere in the table, so
  // submit asks early, without the shard lock, and routes the case while the line arrives. It
  // reads an atomic copy of the table's address and mask; after a concurrent rehash it may
  // prefetch a stale line, which is harmless.
  void prefetch(uint64_t hash) const noexcept {
    const Bucket* b = published_buckets_.load(std::memory_order_relaxed);
    if (b != nullptr) __builtin_prefetch(b + (hash & published_mask_.load(std::memory_order_relaxed)));
  }
  // Adds a case known to be absent; returns its slot, holding a default Case with this id.
  uint32_t insert(CaseId id, uint64_t hash);
  Case& at(uint32_t slot) noexcept { return chunks_[slot >> kChunkBits][slot & (kChunkSize - 1)]; }
  const Case& at(uint32_t slot) const noexcept { return chunks_[slot >> kChunkBits][slot & (kChunkSize - 1)]; }
  size_t size() const noexcept { return count_; }
  void reserve(size_t cases);
  size_t memory_bytes() const noexcept {
    return buckets_.capacity() * sizeof(Bucket) + chunks_.size() * kChunkSize * sizeof(Case);
  }
  template <class F>
  void for_each(F&& f) const {
    for (uint32_t s = 0; s < count_; ++s) f(at(s));
  }

 private:
  struct Bucket {
    CaseId id = 0;
    uint32_t slot = kNone;
  };
  static constexpr uint32_t kChunkBits = 10;
  static constexpr uint32_t kChunkSize = 1u << kChunkBits;
  static constexpr size_t kMinBuckets = 256;
  void rehash(size_t buckets);

  HugeVector<Bucket> buckets_;
  size_t mask_ = 0;
  std::atomic<const Bucket*> published_buckets_{nullptr};
  std::atomic<size_t> published_mask_{0};
  size_t count_ = 0;
  std::vector<std::unique_ptr<Case[]>> chunks_;
};

}  // namespace whistle::engine
