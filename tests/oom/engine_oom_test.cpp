// The engine out of memory: an operation that throws std::bad_alloc may leave its own case
// half done (engine operations are not all-or-nothing yet, docs/cpp-guide.md), but it must not
// hold back or skew anyone else's events. Every event is appended whole or not at all (a
// shard's event count with a gap in it would stall that shard's events in the merge for good),
// and score facts gathered for an event that never went out are dropped.
#include <gtest/gtest.h>

#include <new>
#include <string>
#include <vector>

#include "oom/failing_allocator.hpp"
#include "support/engine_harness.hpp"
#include "whistle/scoring.hpp"

namespace whistle {
namespace {

using test::FailAllocationsAfter;
using whistle::testing::EngineHarness;
using whistle::testing::kG1;

// Runs `operation` with its allocations failing after 0, 1, 2, … in turn (each time on a fresh
// engine, `prepare`d first), until one run needs no more than it was allowed. After each
// failure, with memory back, four more cases on the same shard must have all their events
// delivered, with gap-free sequence numbers, and the live scores must equal a recount from
// the events (score facts the failed operation had gathered must not ride on a later event).
template <class Prepare, class Operation>
void check_nothing_held_back(Prepare prepare, Operation operation) {
  const Instant start = whistle::testing::iso("2026-03-02T09:00:00+08:00");
  size_t failures = 0;
  for (size_t allowed = 0;; ++allowed) {
    EngineHarness h(start, whistle::testing::engine_model(), /*shards=*/1);  // every case on one shard
    prepare(h, start);
    bool refused = false;
    {
      FailAllocationsAfter fail(allowed);
      try {
        (void)operation(h, start);
      } catch (const std::bad_alloc&) {
      }
      refused = fail.refused();
    }
    if (!refused) break;  // it needs fewer allocations: each of them was made to fail
    ++failures;
    const std::string where = "allocation " + std::to_string(allowed);
    const Instant later_at = start + 3 * 86'400'000;  // after anything the operation did
    for (CaseId id = 102; id <= 105; ++id) ASSERT_TRUE(h.submit(id, "road", kG1, later_at).ok());
    struct Owned {
      Event event;
      std::vector<UnitId> units;
      std::string detail;
    };
    std::vector<Owned> owned;
    size_t later = 0;
    EventBatch batch;
    while (h.engine().poll_events(batch) > 0) {
      for (const Event& e : batch) {
        owned.push_back({e, {e.units.begin(), e.units.end()}, std::string(e.detail)});
        later += e.case_id >= 102 && e.kind == EventKind::dispatched;
      }
    }
    EXPECT_EQ(later, 4u) << where << ": events held back";
    std::vector<Event> stream;
    for (size_t i = 0; i < owned.size(); ++i) {
      EXPECT_EQ(owned[i].event.seq, owned[0].event.seq + i) << where << ": a gap";
      Event e = owned[i].event;
      e.units = owned[i].units;
      e.detail = owned[i].detail;
      stream.push_back(e);
    }
    const Model& m = h.model();
    const Scoreboard recount = Scoreboard::recount(m, m.calendars().front().utc_offset_minutes(), stream);
    for (UnitId u = 0; u < m.units().size(); ++u) {
      EXPECT_EQ(h.engine().unit_score(u).counts, recount.unit_counts(u, Period::all()))
          << where << ": the scores of " << m.units()[u].code << " differ from a recount";
    }
  }
  EXPECT_GT(failures, 0u) << "the operation never allocated";
}

TEST(EngineOutOfMemory, AFailedSubmissionHoldsBackNothing) {
  check_nothing_held_back([](EngineHarness&, Instant) {},
                          [](EngineHarness& h, Instant start) { return h.submit(1, "road", kG1, start); });
}

// A whistle gathers a fact per unit it summons before its event: those must not outlive it.
TEST(EngineOutOfMemory, AFailedWhistleHoldsBackNothing) {
  check_nothing_held_back(
      [](EngineHarness& h, Instant start) { ASSERT_TRUE(h.submit(1, "quick", kG1, start).ok()); },  // GT1 primary
      [](EngineHarness& h, Instant start) {
        return h.act(Operation::whistle, 1, "GT1", start + 60'000, {"D1", "D3", "TC1"});
      });
}

// An advance that fires warnings and breaches for many cases (their timers and events).
TEST(EngineOutOfMemory, AFailedAdvanceHoldsBackNothing) {
  check_nothing_held_back(
      [](EngineHarness& h, Instant start) {
        for (CaseId id = 1; id <= 50; ++id) ASSERT_TRUE(h.submit(id, "road", kG1, start).ok());
      },
      [](EngineHarness& h, Instant start) { return h.engine().advance(start + 2 * 86'400'000); });
}

}  // namespace
}  // namespace whistle
