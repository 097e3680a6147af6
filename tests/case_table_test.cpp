// The shard's case table against a std::unordered_map: ids in random order across every chunk
// boundary (the doubling small chunks and the 2 MiB ones), records that never move as the
// table grows, and absent ids; taking back the last insert; the lock-free hints racing with
// inserts and rehashes (TSan runs this too). And the reference-text arena's rollback.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "engine/case_table.hpp"
#include "engine/spin_lock.hpp"
#include "engine/text_arena.hpp"

namespace whistle::engine {
namespace {

TEST(CaseTable, AgreesWithAMapAcrossEveryChunkBoundaryAndNeverMovesARecord) {
  for (const size_t reserve : {size_t{0}, size_t{50'000}}) {
    CaseTable table;
    if (reserve != 0) table.reserve(reserve);
    std::unordered_map<CaseId, uint32_t> reference;
    std::vector<const Case*> address;  // by slot, as first seen
    std::mt19937_64 rng(reserve + 7);
    constexpr size_t kCases = 70'000;  // past chunk 5 (slot 16,384) and a few large chunks
    while (reference.size() < kCases) {
      const CaseId id = rng() >> (rng() & 31);
      const uint64_t hash = mix_id(id);
      if (reference.count(id) != 0) {
        ASSERT_EQ(table.find(id, hash), reference[id]);
        continue;
      }
      ASSERT_EQ(table.find(id, hash), kNone) << id;
      const uint32_t slot = table.insert(id, hash);
      ASSERT_EQ(slot, address.size());
      Case& c = table.at(slot);
      ASSERT_EQ(c.id, id);
      ASSERT_EQ(c.state, CaseState::unrouted);  // a fresh record
      ASSERT_EQ(reinterpret_cast<uintptr_t>(&c) % 64, 0u) << "slot " << slot;
      c.received = static_cast<Instant>(id);
      reference[id] = slot;
      address.push_back(&c);
    }
    ASSERT_EQ(table.size(), kCases);
    for (const auto& [id, slot] : reference) {
      ASSERT_EQ(table.find(id, mix_id(id)), slot);
      ASSERT_EQ(&table.at(slot), address[slot]) << "slot " << slot << " moved";
      ASSERT_EQ(table.at(slot).id, id);
      ASSERT_EQ(table.at(slot).received, static_cast<Instant>(id));
    }
    size_t seen = 0;
    table.for_each([&](const Case& c) { seen += reference.count(c.id); });
    EXPECT_EQ(seen, kCases);
    EXPECT_GE(table.memory_bytes(), kCases * sizeof(Case));
  }
}

// The hints read the table without its lock while another thread grows it through many
// rehashes and new chunks: nothing a hint does may disturb the table (or, under TSan, race).
// A failed submission takes its insert back (erase_last): the table must then be exactly as if
// the insert had never happened, for every id, across rehashes and chunk boundaries, also when
// the erased id sat in the middle of a long probe run (ids crowded onto few home buckets).
TEST(CaseTable, TakingBackTheLastInsertLeavesTheTableAsBefore) {
  for (const bool crowded : {false, true}) {
    CaseTable table;
    // Crowded: the hashes take few values, so probe runs grow long. A rehash places ids by
    // their own hash, so the crowded table is sized up front and never rehashes.
    if (crowded) table.reserve(4'000);
    std::unordered_map<CaseId, uint32_t> reference;
    std::mt19937_64 rng(crowded ? 11 : 12);
    size_t erased = 0;
    while (reference.size() < 40'000) {
      const CaseId id = rng() | 1;
      const uint64_t hash = crowded ? mix_id(id % 64) : mix_id(id);
      if (reference.count(id) != 0) continue;
      const uint32_t slot = table.insert(id, hash);
      ASSERT_EQ(slot, reference.size());
      if (rng() % 3 == 0) {
        table.erase_last(id, hash);
        ++erased;
        ASSERT_EQ(table.find(id, hash), kNone);
        ASSERT_EQ(table.size(), reference.size());
        continue;
      }
      reference[id] = slot;
      if (crowded && reference.size() == 2'000) break;
    }
    EXPECT_GT(erased, 500u);
    for (const auto& [id, slot] : reference) {
      const uint64_t hash = crowded ? mix_id(id % 64) : mix_id(id);
      ASSERT_EQ(table.find(id, hash), slot) << id;
      ASSERT_EQ(table.at(slot).id, id);
    }
  }
}

TEST(TextArena, RollbackForgetsWhatCameAfterTheMark) {
  TextArena arena;
  const uint32_t kept = arena.add("kept");
  const TextArena::Mark mark = arena.mark();
  const std::string big(TextArena::kMaxLength, 'x');
  for (int i = 0; i < 600; ++i) arena.add(big);  // 150 KB: two more blocks
  const size_t grown = arena.memory_bytes();
  arena.rollback(mark);
  EXPECT_LT(arena.memory_bytes(), grown);
  EXPECT_EQ(arena.get(kept, 4), "kept");
  const uint32_t next = arena.add("next");
  EXPECT_EQ(next, kept + 4);  // right after the kept text, where the forgotten ones began
  EXPECT_EQ(arena.get(next, 4), "next");
}

TEST(CaseTable, HintsTakeNoLockAndRaceSafelyWithInsertsAndRehashes) {
  CaseTable table;
  SpinLock lock;
  constexpr CaseId kCases = 120'000;
  std::atomic<CaseId> inserted{0};
  std::atomic<bool> done{false};
  std::atomic<uint64_t> hints{0};
  std::thread hinter([&] {
    std::mt19937_64 rng(11);
    while (!done.load(std::memory_order_acquire)) {
      // Ids already in, about to come, and never to come.
      const CaseId id = 1 + rng() % (inserted.load(std::memory_order_relaxed) + 1000) + (rng() & 1) * kCases * 2;
      table.prefetch(mix_id(id));
      table.prefetch_record(id, mix_id(id));
      hints.fetch_add(1, std::memory_order_relaxed);
    }
  });
  for (CaseId id = 1; id <= kCases; ++id) {
    std::lock_guard guard(lock);
    table.insert(id, mix_id(id));
    inserted.store(id, std::memory_order_relaxed);
  }
  // Give the hinter a turn on a busy machine before stopping it.
  while (hints.load(std::memory_order_relaxed) < 1000) std::this_thread::yield();
  done.store(true, std::memory_order_release);
  hinter.join();
  std::lock_guard guard(lock);
  for (CaseId id = 1; id <= kCases; ++id) {
    const uint32_t slot = table.find(id, mix_id(id));
    ASSERT_EQ(slot, id - 1);
    ASSERT_EQ(table.at(slot).id, id);
  }
  EXPECT_EQ(table.find(kCases * 3, mix_id(kCases * 3)), kNone);
  // Replaced bucket arrays stay mapped for the hints but give their whole pages back: the
  // grown table holds what one reserved up front does, plus a few partial pages per rehash
  // (kept whole, the ten replaced arrays would add 4 MiB).
  CaseTable reserved;
  reserved.reserve(kCases);
  EXPECT_LT(table.memory_bytes(), reserved.memory_bytes() + (size_t{256} << 10));
}

}  // namespace
}  // namespace whistle::engine
