// CaseTable: one shard's cases — an open-addressing hash from case id to a dense slot, and the
// case records in chunks that never move (a slot stays valid as the table grows). The first
// 16,384 slots live in chunks that double (1,024 slots, then 1,024, 2,048, ...), every later
// chunk is one 2 MiB huge page of 16,384 records: a small shard costs little memory, and a
// large one costs one TLB entry per 16,384 cases instead of one per 32.
// Thread model: guarded by the shard's lock, but for the three hints (prefetch,
// prefetch_record, prefetch_next_slot), which take no lock: they read a published view (bucket
// array, mask, chunk list) that is never freed while the table lives, and buckets and the
// count through atomic loads (insert fills a bucket and bumps the count with atomic stores).
// A bucket array replaced by a rehash is kept, its pages given back to the system, so a hint
// racing with the rehash reads zeros there, never freed memory.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
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
  ~CaseTable();
  CaseTable(const CaseTable&) = delete;
  CaseTable& operator=(const CaseTable&) = delete;

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
    const View* v = view_.load(std::memory_order_acquire);
    __builtin_prefetch(v->buckets + (hash & v->mask));
  }
  // Starts loading the record of `id` if the buckets (asked for by prefetch(hash) a while ago)
  // name it. Takes no lock and waits for nothing but the bucket line: a case inserted or
  // moved by a rehash this instant may be missed, or a stale line loaded; both are harmless.
  void prefetch_record(CaseId id, uint64_t hash) const noexcept;
  // Starts loading, for writing, the record the next insert will fill. Takes no lock: another
  // thread's insert may take that slot first, and this one then waits for the next slot's lines.
  void prefetch_next_slot() const noexcept;
  // Adds a case known to be absent; returns its slot, holding a default Case with this id. Out
  // of memory, throws std::bad_alloc having changed nothing.
  uint32_t insert(CaseId id, uint64_t hash);
  // Takes back the insert that returned the last slot (a failed submission), with nothing
  // inserted since: its bucket lies on no other id's probe path (it was empty when each of
  // them went in, and nothing is ever erased otherwise), so emptying it is enough.
  void erase_last(CaseId id, uint64_t hash) noexcept;
  Case& at(uint32_t slot) noexcept { return chunks_[chunk_of(slot)][slot - chunk_start(chunk_of(slot))]; }
  const Case& at(uint32_t slot) const noexcept { return chunks_[chunk_of(slot)][slot - chunk_start(chunk_of(slot))]; }
  size_t size() const noexcept { return count_; }
  void reserve(size_t cases);
  size_t memory_bytes() const noexcept {
    return buckets_.capacity() * sizeof(Bucket) + capacity() * sizeof(Case) + retired_bytes_;
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
  static constexpr uint32_t kFirstBits = 10;  // the first chunk: 1,024 slots
  static constexpr uint32_t kLargeBits = 14;  // large chunks: 16,384 slots of 128 bytes = 2 MiB
  static constexpr size_t kMinBuckets = 256;
  // Chunk k < 5 holds slots [2^(9+k), 2^(10+k)) (chunk 0 from 0); chunk k >= 5 holds 16,384.
  static uint32_t chunk_of(uint32_t slot) noexcept {
    if (slot >> kLargeBits) return (slot >> kLargeBits) + (kLargeBits - kFirstBits);
    return static_cast<uint32_t>(std::max(std::bit_width(slot), unsigned{kFirstBits})) - kFirstBits;
  }
  static uint32_t chunk_start(uint32_t chunk) noexcept {
    if (chunk > kLargeBits - kFirstBits) return (chunk - (kLargeBits - kFirstBits)) << kLargeBits;
    return chunk == 0 ? 0 : 1u << (chunk + kFirstBits - 1);
  }
  static uint32_t chunk_size(uint32_t chunk) noexcept { return chunk_start(chunk + 1) - chunk_start(chunk); }
  size_t capacity() const noexcept { return chunk_start(static_cast<uint32_t>(chunks_.size())); }
  void add_chunk();
  void rehash(size_t buckets);
  // What the hints read: replaced (never changed) on every rehash and new chunk.
  struct View {
    const Bucket* buckets;
    size_t mask;
    std::vector<Case*> chunks;
    // The record of `slot`, or null when the slot lies beyond this view's chunks.
    const Case* record(size_t slot) const noexcept {
      if (slot >= chunk_start(static_cast<uint32_t>(chunks.size()))) return nullptr;
      const uint32_t chunk = chunk_of(static_cast<uint32_t>(slot));
      return chunks[chunk] + (slot - chunk_start(chunk));
    }
  };
  // A view of `buckets` and the current chunks, with room for one chunk more: made (it
  // allocates) before anything changes.
  std::unique_ptr<View> make_view(const Bucket* buckets, size_t mask) const;
  void publish(std::unique_ptr<View> view) noexcept;  // after views_.reserve(size + 1)
  void retire(HugeVector<Bucket>&& buckets) noexcept;  // after retired_.reserve(size + 1)

  size_t count_ = 0;  // first: the member every insert writes (see Shard's layout)
  size_t mask_ = 0;
  HugeVector<Bucket> buckets_;
  std::vector<Case*> chunks_;  // raw storage; a record is constructed when its slot is taken
  std::atomic<const View*> view_{nullptr};
  std::vector<std::unique_ptr<View>> views_;      // every view published, the current one last
  std::vector<HugeVector<Bucket>> retired_;       // bucket arrays a hint may still be reading
  size_t retired_bytes_ = 0;                      // what of them stays resident
};

}  // namespace whistle::engine
