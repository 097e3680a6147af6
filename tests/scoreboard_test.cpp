// The scoreboard against a brute-force recount of the facts it was given: random facts of every
// kind for every unit, over days given out of order now and then (as a merge of several
// threads' events can near midnight), and more resolutions for one unit than a block of resolve
// times holds; every count and the median resolve time, per unit and per platform, for random
// periods (a node's query sums the same days with another choice of units).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "support/engine_model.hpp"
#include "whistle/scoring.hpp"

namespace whistle {
namespace {

constexpr Instant kDay = 86'400'000;
constexpr Instant kT0 = Instant{20'000} * kDay;  // day 20000 (UTC)

// A period starting on a random day of [first, last) and lasting 1 to `longest` days.
Period random_period(std::mt19937_64& rng, int64_t first, int64_t last, uint64_t longest) {
  Period p;
  p.first_day = first + static_cast<int64_t>(rng() % static_cast<uint64_t>(last - first));
  p.end_day = p.first_day + 1 + static_cast<int64_t>(rng() % longest);
  return p;
}

ScoreCounts brute_force(const std::vector<ScoreFact>& facts, const Scoreboard& board, Period period,
                        const std::vector<bool>& picked) {
  ScoreCounts c;
  std::vector<int64_t> times;
  for (const ScoreFact& f : facts) {
    const int64_t day = board.day_of(f.at);
    if (!picked[f.unit] || day < period.first_day || day >= period.end_day) continue;
    switch (f.kind) {
      case ScoreFact::received: ++c.received; break;
      case ScoreFact::accepted: ++c.accepted, c.accepted_on_time += f.on_time; break;
      case ScoreFact::resolved:
        ++c.resolved, c.resolved_on_time += f.on_time;
        times.push_back(f.resolve_ms);
        break;
      case ScoreFact::evaluated: ++c.evaluated, c.satisfied += f.score >= 4; break;
      case ScoreFact::returned: ++c.returned; break;
      case ScoreFact::redone: ++c.redone; break;
      case ScoreFact::summoned: ++c.summoned; break;
      case ScoreFact::reported: c.reported_on_time += f.on_time; break;
      case ScoreFact::escalated: ++c.escalations; break;
    }
  }
  if (!times.empty()) {
    std::sort(times.begin(), times.end());
    c.median_resolve_ms = times[(times.size() - 1) / 2];  // the lower median
  }
  return c;
}

TEST(Scoreboard, EqualsABruteForceRecountOfItsFacts) {
  const auto model = whistle::testing::engine_model();
  const auto units = static_cast<UnitId>(model->units().size());
  Scoreboard board(*model, 0);
  std::vector<ScoreFact> facts;
  std::mt19937_64 rng(5);
  Instant clock = kT0;
  for (int i = 0; i < 30'000; ++i) {
    clock += static_cast<Instant>(rng() % (kDay / 500));  // about 40 days in all
    ScoreFact f{static_cast<ScoreFact::Kind>(rng() % 9), rng() % 2 == 0, static_cast<uint8_t>(1 + rng() % 5),
                static_cast<UnitId>(rng() % units), clock, static_cast<int64_t>(rng() % 1'000'000)};
    if (i % 3 == 0) f.kind = ScoreFact::resolved;
    if (i % 2 == 0) f.unit = 0;  // one busy unit: more resolve times than a block holds
    if (rng() % 50 == 0) f.at -= static_cast<Instant>(rng() % (3 * kDay));  // a day or more late
    if (i == 20'000) f.at = kT0 - 5 * kDay;  // before any day the unit had: days grow at the front
    board.apply(f);
    facts.push_back(f);
  }
  size_t unit0_resolved = 0;
  for (const ScoreFact& f : facts) unit0_resolved += f.unit == 0 && f.kind == ScoreFact::resolved;
  ASSERT_GT(unit0_resolved, 4096u);
  const int64_t first = board.day_of(kT0) - 6, last = board.day_of(clock) + 2;
  for (int q = 0; q < 300; ++q) {
    const Period p = q == 0 ? Period::all() : random_period(rng, first, last, 20);
    const UnitId unit = q % 4 == 0 ? 0 : static_cast<UnitId>(rng() % units);
    std::vector<bool> one(units, false);
    one[unit] = true;
    ASSERT_EQ(board.unit_counts(unit, p), brute_force(facts, board, p, one)) << "unit " << unit << " query " << q;
    const Platform platform = model->units()[unit].platform;
    std::vector<bool> same(units, false);
    for (UnitId u = 0; u < units; ++u) same[u] = model->units()[u].platform == platform;
    ASSERT_EQ(board.platform_counts(platform, p), brute_force(facts, board, p, same)) << "query " << q;
  }
}

// A unit that acts now and then, over years: a row per day with facts, the days between
// holding nothing; facts given in random order, so rows go in before, between and after the
// ones there; every count and the median against the brute force, for periods that start
// and end in gaps, on rows, and outside them all.
TEST(Scoreboard, SparseDaysInAnyOrderEqualABruteForceRecount) {
  const auto model = whistle::testing::engine_model();
  const auto units = static_cast<UnitId>(model->units().size());
  Scoreboard board(*model, 8 * 60);
  const size_t empty_bytes = board.memory_bytes();
  std::mt19937_64 rng(11);
  std::vector<int64_t> days;  // 40 days with facts over about 10 years, in random order
  for (int64_t d = 0; days.size() < 40; d += 1 + static_cast<int64_t>(rng() % 180)) days.push_back(d);
  std::shuffle(days.begin(), days.end(), rng);
  std::vector<ScoreFact> facts;
  for (int64_t d : days) {
    for (int k = 0; k < 5; ++k) {
      const Instant at = kT0 + d * kDay + static_cast<Instant>(rng() % kDay);
      ScoreFact f{static_cast<ScoreFact::Kind>(rng() % 9), rng() % 2 == 0, static_cast<uint8_t>(1 + rng() % 5), 3, at,
                  static_cast<int64_t>(rng() % 1'000'000)};
      if (k % 2 == 0) f.kind = ScoreFact::resolved;
      board.apply(f);
      facts.push_back(f);
    }
  }
  // 40 rows of 64 bytes (room for 64) and 120 resolve times, not a row for each of ~3,600 days.
  EXPECT_LT(board.memory_bytes() - empty_bytes, size_t{16} << 10);
  std::vector<bool> one(units, false);
  one[3] = true;
  const int64_t first = board.day_of(kT0) - 3;
  const int64_t last = board.day_of(kT0) + *std::max_element(days.begin(), days.end()) + 4;
  ASSERT_EQ(board.unit_counts(3, Period::all()), brute_force(facts, board, Period::all(), one));
  for (int q = 0; q < 2000; ++q) {
    const Period p = random_period(rng, first, last, 1500);
    ASSERT_EQ(board.unit_counts(3, p), brute_force(facts, board, p, one)) << "query " << q;
  }
}

// Forgetting the days before a cutoff: every query equals the brute force over the facts from
// the cutoff on (a period that starts earlier counts from the cutoff), the memory shrinks, and
// facts that come after are counted as before (one of them for a day before the cutoff: late
// facts are still counted).
TEST(Scoreboard, ForgettingTheDaysBeforeACutoffKeepsEveryQueryFromIt) {
  const auto model = whistle::testing::engine_model();
  const auto units = static_cast<UnitId>(model->units().size());
  Scoreboard board(*model, 8 * 60);
  std::mt19937_64 rng(13);
  std::vector<ScoreFact> facts;
  Instant clock = kT0;
  const auto add = [&](int n) {
    for (int i = 0; i < n; ++i) {
      clock += static_cast<Instant>(rng() % (kDay / 50));  // about 200 days in 20,000 facts
      ScoreFact f{static_cast<ScoreFact::Kind>(rng() % 9), rng() % 2 == 0, static_cast<uint8_t>(1 + rng() % 5),
                  static_cast<UnitId>(rng() % 4), clock, static_cast<int64_t>(rng() % 1'000'000)};
      if (i % 3 == 0) f.kind = ScoreFact::resolved;
      board.apply(f);
      facts.push_back(f);
    }
  };
  add(20'000);
  const int64_t cutoff = board.day_of(kT0) + 120;
  const size_t bytes = board.memory_bytes();
  board.forget_before(cutoff);
  EXPECT_LT(board.memory_bytes(), bytes);
  add(2'000);
  ScoreFact late{ScoreFact::resolved, true, 0, 1, kT0 + 30 * kDay, 12'345};
  board.apply(late);
  std::vector<ScoreFact> kept;
  for (const ScoreFact& f : facts) {
    if (board.day_of(f.at) >= cutoff) kept.push_back(f);
  }
  kept.push_back(late);
  const int64_t first = board.day_of(kT0) - 2, last = board.day_of(clock) + 2;
  for (int q = 0; q < 500; ++q) {
    const Period p = q == 0 ? Period::all() : random_period(rng, first, last, 60);
    const auto unit = static_cast<UnitId>(q % 4);
    std::vector<bool> one(units, false);
    one[unit] = true;
    ASSERT_EQ(board.unit_counts(unit, p), brute_force(kept, board, p, one)) << "unit " << unit << " query " << q;
  }
  // Forgetting again, at or before the cutoff, or before any day: nothing more goes.
  const ScoreCounts all = board.unit_counts(0, Period::all());
  board.forget_before(cutoff - 1000);
  EXPECT_EQ(board.unit_counts(0, Period::all()), all);
}

}  // namespace
}  // namespace whistle
