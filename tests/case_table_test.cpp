// The shard's case table against a std::unordered_map: ids in random order across every chunk
// boundary (the doubling small chunks and the 2 MiB ones), records that never move as the
// table grows, and absent ids.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

#include "engine/case_table.hpp"

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

}  // namespace
}  // namespace whistle::engine
