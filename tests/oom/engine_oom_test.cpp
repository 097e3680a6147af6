// The engine out of memory: every operation is all or nothing. One that throws std::bad_alloc
// has changed nothing — its case, the other cases, the timers, the events, the scores — and
// the same call with memory back then does exactly what it would have done (docs/cpp-guide.md).
// And it holds back no one else's events: every event is appended whole or not at all (a
// shard's event count with a gap in it would stall that shard's events in the merge for good).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <new>
#include <mutex>
#include <optional>
#include <thread>
#include <string>
#include <vector>

#include "oom/failing_allocator.hpp"
#include "engine/engine_impl.hpp"
#include "engine/realtime_driver.hpp"
#include "support/engine_harness.hpp"
#include "whistle/scoring.hpp"

namespace whistle {
namespace {

using whistle::testing::EngineHarness;
using whistle::testing::kG1;

const Instant kStart = whistle::testing::iso("2026-03-02T09:00:00+08:00");  // a Monday

// Everything a host can see of cases 1..9 (those the tests use), rendered.
std::string describe(EngineHarness& h) {
  const Model& m = h.model();
  std::string out;
  const auto put = [&](std::string_view text) {
    out += text;
    out += ' ';
  };
  const auto unit = [&](UnitId u) { put(u == kNoUnit ? std::string_view("-") : std::string_view(m.units()[u].code)); };
  for (CaseId id = 1; id <= 9; ++id) {
    CaseInfo c;
    if (!h.engine().get_case(id, c).ok()) continue;
    put(std::to_string(id));
    put(case_state_name(c.state));
    unit(c.primary);
    put("cooperating");
    for (UnitId u : c.cooperating) unit(u);
    put("supervisor");
    unit(c.supervisor);
    put(std::to_string(c.level));
    put(c.external_ref);
    for (const auto& d : c.deadlines) {
      put(stage_name(d.stage));
      put(std::to_string(d.at));
      unit(d.unit);
    }
    put("summoned");
    for (UnitId u : c.summoned) unit(u);
    put("reported");
    for (UnitId u : c.reported) unit(u);
    out += '\n';
  }
  const EngineStats st = h.engine().stats();
  for (const size_t n : {st.cases, st.open_cases, st.timers, size_t(st.events), st.pending_events}) put(std::to_string(n));
  return out;
}

// Every event from here on, rendered with its sequence number (and its instant), after
// advancing 40 days (every timer the cases hold fires: warnings, breaches, escalations, report
// deadlines, expiries).
std::vector<std::string> finish(EngineHarness& h, bool with_instants = false) {
  EXPECT_TRUE(h.engine().advance(kStart + Instant{40} * 86'400'000).ok());
  std::vector<std::string> out;
  EventBatch batch;
  while (h.engine().poll_events(batch) > 0) {
    for (const Event& e : batch) {
      out.push_back(std::to_string(e.seq) + " " + whistle::testing::render(e, h.model()) +
                    (with_instants ? " @" + std::to_string(e.at) : ""));
    }
  }
  return out;
}

using Step = std::function<void(EngineHarness&)>;
using Call = std::function<Status(EngineHarness&)>;

// Runs `call` after `prepare` with its allocations failing after 0, 1, 2, … in turn (each time
// on a fresh engine, every case on one shard), until one run needs no more than it was allowed.
// A call that throws bad_alloc has changed nothing a host can see (`whole`: an advance fires
// timer by timer, each all or nothing, so one that fails has fired those before), and the same
// call with memory back gives the status and, to the end, the events of a run that never
// failed; a call that got over a refused allocation gives them at once. At least one run must
// have thrown: a call that never allocates would test nothing here.
void check_all_or_nothing(const Step& prepare, const Call& call, bool whole = true) {
  std::vector<std::string> clean;
  Status clean_status;
  {
    EngineHarness h(kStart, whistle::testing::engine_model(), /*shards=*/1);
    prepare(h);
    clean_status = call(h);
    clean = finish(h);
  }
  size_t failures = 0;
  for (size_t allowed = 0;; ++allowed) {
    EngineHarness h(kStart, whistle::testing::engine_model(), /*shards=*/1);
    prepare(h);
    const std::string before = describe(h);
    Status status;
    const auto [threw, refused] = test::attempt(allowed, [&] { status = call(h); });
    if (!refused) break;  // it needs fewer allocations: each of them was made to fail
    const std::string where = "allocation " + std::to_string(allowed);
    if (threw) {
      ++failures;
      if (whole) {
        EXPECT_EQ(describe(h), before) << where << ": the failed call changed something";
      }
      status = call(h);
    }
    EXPECT_EQ(status.code(), clean_status.code()) << where << ": " << status.to_string();
    EXPECT_EQ(finish(h), clean) << where << ": the events differ from a run that never failed";
  }
  EXPECT_GT(failures, 0u) << "the call never threw bad_alloc: nothing was tested";
}

Status act(EngineHarness& h, Operation op, CaseId id, const char* actor, Instant at,
           std::initializer_list<const char*> units = {}, bool pass = false, uint8_t score = 0, bool reopen = false) {
  return h.act(op, id, actor, at, units, {}, pass, score, reopen);
}
constexpr Instant kMinute = 60'000;

TEST(EngineOutOfMemory, SubmitIsAllOrNothing) {
  const Step prepare = [](EngineHarness& h) { ASSERT_TRUE(h.submit(1, "noise", kG1, kStart).ok()); };
  check_all_or_nothing(prepare, [](EngineHarness& h) { return h.submit(2, "noise", kG1, kStart, "ref-2"); });
  check_all_or_nothing(prepare, [](EngineHarness& h) { return h.submit(3, "orphan", kG1, kStart); });  // unrouted
}

// A batch out of memory keeps the submissions before the one that failed (and delivers their
// events); retried, the rest go in: the events are those of a batch that never failed.
TEST(EngineOutOfMemory, ABatchKeepsWhatWentInBeforeAFailure) {
  const Step prepare = [](EngineHarness& h) { ASSERT_TRUE(h.submit(1, "noise", kG1, kStart).ok()); };
  check_all_or_nothing(
      prepare,
      [](EngineHarness& h) {
        std::vector<Submission> batch(3);
        const std::string refs[] = {"ref-2", "ref-3", "ref-4"};  // a Submission views its texts
        for (size_t i = 0; i < batch.size(); ++i) {
          batch[i].id = 2 + i;
          batch[i].matter = h.model().find_matter(i == 1 ? "orphan" : "noise");
          batch[i].point = kG1;
          batch[i].received = kStart;
          batch[i].external_ref = refs[i];
        }
        std::vector<Status> results(batch.size());
        h.engine().submit_batch(batch, results);
        // Retried after a failure, the ones that went in are EEXISTS; the last one's status is
        // the batch's outcome.
        return results.back();
      },
      /*whole=*/false);
}

// The case's cooperating units move to a list of the shard (more than four), and back.
TEST(EngineOutOfMemory, AssignAndReturnAreAllOrNothing) {
  const Step unrouted = [](EngineHarness& h) { ASSERT_TRUE(h.submit(1, "orphan", kG1, kStart).ok()); };
  const Call assign = [](EngineHarness& h) {
    return act(h, Operation::assign, 1, "CC", kStart + kMinute, {"D1", "D2", "D3", "TW1", "KU1", "GT2"});
  };
  check_all_or_nothing(unrouted, assign);
  const Step assigned = [&](EngineHarness& h) {
    unrouted(h);
    ASSERT_TRUE(assign(h).ok());
  };
  check_all_or_nothing(assigned, [](EngineHarness& h) { return act(h, Operation::return_case, 1, "D1", kStart + 2 * kMinute); });
  check_all_or_nothing(assigned, [](EngineHarness& h) { return act(h, Operation::accept, 1, "D1", kStart + 2 * kMinute); });
}

// Summons (a record and a timer per unit), a score fact per unit, the cooperating list growing
// past the record's room, or a list of the shard growing; then reports and a close with
// summons pending.
TEST(EngineOutOfMemory, WhistlesReportsAndClosesAreAllOrNothing) {
  const Step quick = [](EngineHarness& h) { ASSERT_TRUE(h.submit(1, "quick", kG1, kStart).ok()); };  // GT1, [D2]
  const Call whistle = [](EngineHarness& h) {
    return act(h, Operation::whistle, 1, "GT1", kStart + kMinute, {"D1", "D3", "TC1", "KU1"});
  };
  check_all_or_nothing(quick, whistle);
  const Step whistled = [&](EngineHarness& h) {
    quick(h);
    ASSERT_TRUE(whistle(h).ok());
  };
  check_all_or_nothing(whistled, [](EngineHarness& h) {
    return act(h, Operation::whistle, 1, "GT1", kStart + 2 * kMinute, {"TW1", "TW2", "D1"});
  });
  check_all_or_nothing(whistled, [](EngineHarness& h) { return act(h, Operation::report_in, 1, "D3", kStart + 2 * kMinute); });
  check_all_or_nothing(whistled, [](EngineHarness& h) { return act(h, Operation::close, 1, "CC", kStart + 2 * kMinute); });
  check_all_or_nothing(whistled, [](EngineHarness& h) { return act(h, Operation::resolve, 1, "D1", kStart + 2 * kMinute); });  // denied
}

// The rest of the lifecycle: resolve, verify (failed and passed), evaluate (reopened, closed).
TEST(EngineOutOfMemory, TheLifecycleIsAllOrNothing) {
  std::vector<Call> steps = {
      [](EngineHarness& h) { return act(h, Operation::accept, 1, "GT1", kStart + 1 * kMinute); },
      [](EngineHarness& h) { return act(h, Operation::resolve, 1, "GT1", kStart + 2 * kMinute); },
      [](EngineHarness& h) { return act(h, Operation::verify, 1, "CC", kStart + 3 * kMinute, {}, false); },
      [](EngineHarness& h) { return act(h, Operation::resolve, 1, "GT1", kStart + 4 * kMinute); },
      [](EngineHarness& h) { return act(h, Operation::verify, 1, "CC", kStart + 5 * kMinute, {}, true); },
      [](EngineHarness& h) { return act(h, Operation::evaluate, 1, "CC", kStart + 6 * kMinute, {}, false, 2, true); },
      [](EngineHarness& h) { return act(h, Operation::resolve, 1, "GT1", kStart + 7 * kMinute); },
      [](EngineHarness& h) { return act(h, Operation::verify, 1, "CC", kStart + 8 * kMinute, {}, true); },
      [](EngineHarness& h) { return act(h, Operation::evaluate, 1, "CC", kStart + 9 * kMinute, {}, false, 5); },
  };
  for (size_t k = 0; k < steps.size(); ++k) {
    const Step prepare = [&, k](EngineHarness& h) {
      ASSERT_TRUE(h.submit(1, "quick", kG1, kStart).ok());
      for (size_t i = 0; i < k; ++i) ASSERT_TRUE(steps[i](h).ok()) << "step " << i;
    };
    check_all_or_nothing(prepare, steps[k]);
  }
}

// Timers firing: warnings, breaches with their escalations up the ladder, report deadlines,
// a revisit expiring. A failed advance is finished by the next one, as if it had not failed.
TEST(EngineOutOfMemory, FiringIsAllOrNothing) {
  const Step prepare = [](EngineHarness& h) {
    for (CaseId id = 1; id <= 3; ++id) ASSERT_TRUE(h.submit(id, "quick", kG1, kStart).ok());
    ASSERT_TRUE(act(h, Operation::whistle, 1, "GT1", kStart + kMinute, {"D1", "D3", "TC1", "KU1"}).ok());
    ASSERT_TRUE(act(h, Operation::accept, 2, "GT1", kStart + kMinute).ok());
    ASSERT_TRUE(act(h, Operation::resolve, 2, "GT1", kStart + kMinute).ok());
    ASSERT_TRUE(act(h, Operation::verify, 2, "CC", kStart + kMinute, {}, true).ok());
  };
  const Call advance = [](EngineHarness& h) { return h.engine().advance(kStart + 10 * 3'600'000); };
  check_all_or_nothing(prepare, advance, /*whole=*/false);
}

// Runs `operation` with its allocations failing after 0, 1, 2, … in turn (each time on a fresh
// engine, `prepare`d first), until one run needs no more than it was allowed. After each
// failure, with memory back, four more cases on the same shard must have all their events
// delivered, with gap-free sequence numbers, and the live scores must equal a recount from
// the events (score facts the failed operation had gathered must not ride on a later event).
template <class Prepare, class Operation>
void check_nothing_held_back(Prepare prepare, Operation operation) {
  const Instant start = kStart;
  size_t failures = 0;
  for (size_t allowed = 0;; ++allowed) {
    EngineHarness h(start, whistle::testing::engine_model(), /*shards=*/1);  // every case on one shard
    prepare(h, start);
    if (!test::attempt(allowed, [&] { (void)operation(h, start); }).refused) break;  // it needs fewer allocations: each of them was made to fail
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

// Each case's events, rendered, after advancing `h` to each instant in turn; an advance may be
// made to run out of memory (after `allowed` allocations), and is then simply called again.
std::map<CaseId, std::vector<std::string>> advance_50_cases(std::optional<size_t> allowed, bool* refused) {
  const Instant start = kStart;
  EngineHarness h(start, whistle::testing::engine_model(), /*shards=*/1);
  for (CaseId id = 1; id <= 50; ++id) EXPECT_TRUE(h.submit(id, "road", kG1, start + static_cast<Instant>(id)).ok());
  const Instant first = start + 2 * 86'400'000;
  if (allowed) *refused = test::attempt(*allowed, [&] { (void)h.engine().advance(first); }).refused;
  EXPECT_TRUE(h.engine().advance(first).ok());  // memory back: finishes what the failed one left
  EXPECT_TRUE(h.engine().advance(start + Instant{30} * 86'400'000).ok());
  std::map<CaseId, std::vector<std::string>> by_case;
  EventBatch batch;
  while (h.engine().poll_events(batch) > 0) {
    for (const Event& e : batch) by_case[e.case_id].push_back(whistle::testing::render(e, h.model()));
  }
  return by_case;
}

// An advance that runs out of memory leaves the rest of its work to the next one: every timer
// still fires, in the same order, the one being fired when the allocation failed too (firing
// is all or nothing).
TEST(EngineOutOfMemory, AnAdvanceThatRunsOutIsFinishedByTheNext) {
  const auto clean = advance_50_cases(std::nullopt, nullptr);
  size_t warned = 0;
  for (const auto& [id, events] : clean) warned += std::count_if(events.begin(), events.end(), [](const std::string& e) {
    return e.rfind("warned", 0) == 0;
  });
  ASSERT_GE(warned, 50u) << "the advance fires too little to test";
  size_t failures = 0;
  for (size_t allowed = 0;; ++allowed) {
    bool refused = false;
    const auto got = advance_50_cases(allowed, &refused);
    if (!refused) break;
    ++failures;
    size_t differ = 0;
    for (const auto& [id, events] : clean) {
      const auto it = got.find(id);
      differ += it == got.end() || it->second != events;
    }
    EXPECT_EQ(differ, 0u) << "allocation " << allowed << ": " << differ << " cases lost timers";
  }
  EXPECT_GT(failures, 0u);
}

// Polling out of memory: the merge of the threads' buffers (two threads submitted) or the
// hand-over fails at each of its allocations in turn; polling again with memory back then
// delivers every event once, in sequence.
TEST(EngineOutOfMemory, APollThatRunsOutLosesNoEvent) {
  const Instant start = kStart;
  size_t failures = 0;
  for (size_t allowed = 0;; ++allowed) {
    EngineHarness h(start, whistle::testing::engine_model());
    std::thread other([&] {
      for (CaseId id = 1; id <= 60; id += 2) EXPECT_TRUE(h.submit(id, "road", kG1, start + 1000).ok());
    });
    other.join();
    for (CaseId id = 2; id <= 60; id += 2) ASSERT_TRUE(h.submit(id, "road", kG1, start + 1000).ok());
    std::vector<uint64_t> seqs;
    std::vector<CaseId> cases;
    seqs.reserve(1000);
    cases.reserve(1000);
    EventBatch batch;
    const auto drain = [&] {
      while (h.engine().poll_events(batch, 7) > 0) {
        for (const Event& e : batch) {
          seqs.push_back(e.seq);
          cases.push_back(e.case_id);
        }
      }
    };
    const bool refused = test::attempt(allowed, drain).refused;
    drain();
    const std::string where = "allocation " + std::to_string(allowed);
    ASSERT_EQ(seqs.size(), 60u) << where;  // one dispatched event per case
    for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1) << where;
    std::sort(cases.begin(), cases.end());
    for (size_t i = 0; i < cases.size(); ++i) EXPECT_EQ(cases[i], i + 1) << where << ": lost or delivered twice";
    if (!refused) break;
    ++failures;
  }
  EXPECT_GT(failures, 0u);
}

// Events that come between two polls that run out of memory: a poll fails at each allocation
// in turn, leaving the merge part done (a thread's events moved, some numbered), then both
// threads submit again, then a second poll fails at each of its allocations in turn (it
// takes the new events in beside what the first left), then polls with memory back deliver
// every event once, in sequence.
TEST(EngineOutOfMemory, EventsThatComeBetweenFailedPollsAreNotLost) {
  constexpr CaseId kCases = 40;
  size_t failures = 0;
  for (size_t first = 0;; ++first) {
    bool first_refused = false;
    for (size_t second = 0;; ++second) {
      EngineHarness h(kStart, whistle::testing::engine_model(), /*shards=*/2);
      const auto submit_from_both = [&](CaseId from, CaseId to) {  // odd ids on another thread
        std::thread other([&] {
          for (CaseId id = from; id <= to; id += 2) EXPECT_TRUE(h.submit(id, "road", kG1, kStart + 1000).ok());
        });
        other.join();
        for (CaseId id = from + 1; id <= to; id += 2) ASSERT_TRUE(h.submit(id, "road", kG1, kStart + 1000).ok());
      };
      std::vector<EventBatch> batches(64);  // made beforehand: polling into them allocates only in the engine
      size_t polled = 0;
      const auto drain = [&] {
        while (polled < batches.size() && h.engine().poll_events(batches[polled], 10) > 0) ++polled;
      };
      const auto drain_failing_after = [&](size_t allowed) { return test::attempt(allowed, drain).refused; };
      submit_from_both(1, kCases / 2);
      first_refused = drain_failing_after(first);
      submit_from_both(kCases / 2 + 1, kCases);
      const bool second_refused = drain_failing_after(second);
      drain();
      std::vector<CaseId> cases;
      uint64_t expected_seq = 1;
      for (size_t k = 0; k < polled; ++k) {
        for (const Event& e : batches[k]) {
          EXPECT_EQ(e.seq, expected_seq++) << "allocations " << first << ", " << second;
          cases.push_back(e.case_id);
        }
      }
      std::sort(cases.begin(), cases.end());
      ASSERT_EQ(cases.size(), kCases) << "allocations " << first << ", " << second;
      for (size_t i = 0; i < cases.size(); ++i) {
        ASSERT_EQ(cases[i], i + 1) << "allocations " << first << ", " << second << ": lost or delivered twice";
      }
      failures += first_refused || second_refused;
      if (!second_refused) break;
    }
    if (!first_refused) break;
  }
  EXPECT_GT(failures, 10u);
}

// The merge counts each event's score facts as it numbers it. A whistle carries one fact per
// unit it summons, each unit's first of the day (a row to allocate): the merge runs out of
// memory at each allocation in turn, and polling again with memory back delivers every event
// once and counts every fact once, as in a run that never failed.
TEST(EngineOutOfMemory, AMergeThatRunsOutCountsEachFactOnce) {
  const auto run = [](std::optional<size_t> allowed, bool* refused) {
    EngineHarness h(kStart, whistle::testing::engine_model(), /*shards=*/1);
    EXPECT_TRUE(h.submit(1, "quick", kG1, kStart).ok());  // GT1 primary
    EXPECT_TRUE(h.act(Operation::whistle, 1, "GT1", kStart + kMinute, {"D1", "D3", "TC1", "KU1"}).ok());
    // Polled into batches made beforehand, rendered once memory is back (rendering allocates).
    std::vector<EventBatch> batches(8);
    size_t polled = 0;
    const auto drain = [&] {
      while (polled < batches.size() && h.engine().poll_events(batches[polled]) > 0) ++polled;
    };
    if (allowed) *refused = test::attempt(*allowed, drain).refused;
    drain();
    std::vector<std::string> out;
    for (size_t k = 0; k < polled; ++k) {
      for (const Event& e : batches[k]) out.push_back(std::to_string(e.seq) + " " + whistle::testing::render(e, h.model()));
    }
    for (UnitId u = 0; u < h.model().units().size(); ++u) {
      const ScoreCounts c = h.engine().unit_score(u).counts;
      out.push_back(h.model().units()[u].code + " received " + std::to_string(c.received) + " summoned " +
                    std::to_string(c.summoned));
    }
    return out;
  };
  const std::vector<std::string> clean = run(std::nullopt, nullptr);
  size_t failures = 0;
  for (size_t allowed = 0;; ++allowed) {
    bool refused = false;
    const std::vector<std::string> got = run(allowed, &refused);
    if (!refused) break;
    ++failures;
    EXPECT_EQ(got, clean) << "allocation " << allowed;
  }
  EXPECT_GT(failures, 1u);
}

// On the realtime clock: the engine's own thread runs out of memory while firing (its next
// allocations fail, set from the event callback, which runs there). Each failed advance is
// counted and tried again after the driver's pause, not at once, and the next one finishes the
// batch: every case is warned, breached and escalated (firing is all or nothing).
TEST(EngineOutOfMemory, TheRealtimeClockFinishesAfterAPause) {
  constexpr CaseId kCases = 20;
  constexpr size_t kFailures = 3;
  const Instant t0 = whistle::testing::iso("2025-09-26T10:00:00+08:00");
  std::atomic<Instant> fake{t0};
  auto model = whistle::testing::engine_model();
  EngineOptions options;
  options.clock = EngineOptions::Clock::realtime;
  options.clock_source = [&] { return fake.load(); };
  auto engine = std::move(Engine::open(model, options)).value();
  std::mutex m;
  std::vector<std::pair<EventKind, CaseId>> seen;
  seen.reserve(1000);  // the callback must not allocate: its thread's allocations are to fail
  std::chrono::steady_clock::time_point failing_since{};
  engine->set_event_callback([&](const Event& e) {
    std::lock_guard lock(m);
    if (seen.size() < seen.capacity()) seen.emplace_back(e.kind, e.case_id);
    if (e.kind == EventKind::warned && failing_since == std::chrono::steady_clock::time_point{}) {
      failing_since = std::chrono::steady_clock::now();
      test::fail_next_allocations(kFailures);
    }
  });
  for (CaseId id = 1; id <= kCases; ++id) {
    Submission s;
    s.id = id;
    s.matter = model->find_matter("quick");
    s.point = kG1;
    ASSERT_TRUE(engine->submit(s).ok());
  }
  fake = t0 + 61 * 60'000;  // warnings, breaches and escalations all due
  const auto count = [&](EventKind kind) {
    return static_cast<size_t>(std::count_if(seen.begin(), seen.end(), [&](const auto& k) { return k.first == kind; }));
  };
  std::chrono::steady_clock::time_point done{};
  for (int i = 0; i < 1000; ++i) {
    {
      std::lock_guard lock(m);
      if (count(EventKind::escalated) >= kCases && engine->stats().realtime_out_of_memory > 0) {
        done = std::chrono::steady_clock::now();
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the one lost, if any, stays lost
  std::lock_guard lock(m);
  const uint64_t failed = engine->stats().realtime_out_of_memory;
  EXPECT_GE(failed, 1u);
  EXPECT_LE(failed, kFailures);
  EXPECT_EQ(count(EventKind::warned), kCases);
  EXPECT_EQ(count(EventKind::breached), kCases);
  EXPECT_GE(count(EventKind::escalated), kCases);  // and on up the ladder, but each at most once a level
  // Paced: the thread paused before going on (an advance and the wait after it may both fail
  // in one round, with one pause between; retried at once, all would be over in a few ms).
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(done - failing_since).count();
  EXPECT_GE(waited, engine::RealtimeDriver::kRetryMs - 20) << failed << " failures";
}

// The race of decisions item 35, played out: an assignment arms case C's accept clock and then
// runs out of memory; meanwhile an advance on another thread takes that timer from the wheel
// and waits for a shard lock (the test holds the shard of case A, whose timer, due at the same
// instant and armed first, the advance describes first). The undo cannot cancel the taken
// timer and puts the clock's generation back; the assignment, retried, arms the clock again
// with the same generation. Then the advance goes on. It must drop the taken timer (its
// clock holds another): the events must be those of a run where the assignment came once,
// at the retry's instant. Each allocation of the assignment fails in turn.
TEST(EngineOutOfMemory, ATimerTakenWhileItsArmIsUndoneNeverFires) {
  const auto model = whistle::testing::engine_model();
  const Instant t = kStart + kMinute;  // 09:01 on a Monday: accept (4wh) warned 3wh on, 13:31
  const Instant warned = whistle::testing::iso("2026-03-02T13:31:00+08:00");
  const Instant retry_at = warned + 20'000;  // the advance's instant, in the same window
  constexpr uint32_t kShards = 16;
  const auto assign = [&](EngineHarness& h, CaseId id, Instant at) { return act(h, Operation::assign, id, "CC", at, {"D1"}); };
  // Two cases in different shards.
  CaseId a_id = 1, c_id = 2;
  {
    EngineHarness probe(kStart, model, kShards);
    Engine::Impl& impl = Engine::Impl::of(probe.engine());
    while (&impl.shard_of(engine::mix_id(c_id)) == &impl.shard_of(engine::mix_id(a_id))) ++c_id;
  }
  const auto prepare = [&](EngineHarness& h) {
    ASSERT_TRUE(h.submit(a_id, "orphan", kG1, kStart).ok());
    ASSERT_TRUE(h.submit(c_id, "orphan", kG1, kStart).ok());
    ASSERT_TRUE(assign(h, a_id, t).ok());
  };
  size_t raced = 0;
  for (size_t allowed = 0;; ++allowed) {
    const std::string where = "allocation " + std::to_string(allowed);
    EngineHarness h(kStart, model, kShards);
    prepare(h);
    Engine::Impl& impl = Engine::Impl::of(h.engine());
    engine::Shard& a_shard = impl.shard_of(engine::mix_id(a_id));
    const uint32_t lane = a_shard.cases.at(a_shard.cases.find(a_id, engine::mix_id(a_id))).lane;
    engine::TimerLane& l = impl.lane(lane);
    std::atomic<bool> go{false};
    Status advanced;
    std::thread advancer([&] {
      while (!go.load()) std::this_thread::yield();
      advanced = h.engine().advance(retry_at);
    });
    bool taken = false;  // the advance took the due timers while the assignment was under way
    const std::function<void()> at_refusal = [&] {
      if (!l.lock.try_lock()) return;  // the refusal is inside an arm, under the lane's lock
      const size_t armed = l.wheel.size();
      l.lock.unlock();
      go = true;
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (!taken && std::chrono::steady_clock::now() < give_up) {
        std::lock_guard lock(l.lock);
        taken = l.wheel.size() < armed;
      }
    };
    a_shard.lock.lock();  // the advance waits here, having taken the timers
    Status status;
    const auto [threw, refused] = test::attempt(allowed, [&] { status = assign(h, c_id, t); }, at_refusal);
    if (go) {
      EXPECT_TRUE(taken) << where << ": the advance never took its timers";
    }
    Instant assigned_at = t;
    if (threw) {
      status = assign(h, c_id, retry_at);
      assigned_at = retry_at;
      if (taken) ++raced;
    }
    a_shard.lock.unlock();
    go = true;
    advancer.join();
    ASSERT_TRUE(status.ok()) << where << ": " << status.to_string();
    ASSERT_TRUE(advanced.ok()) << where << ": " << advanced.to_string();
    EngineHarness clean(kStart, model, kShards);
    prepare(clean);
    if (assigned_at == t) {
      ASSERT_TRUE(assign(clean, c_id, t).ok());
    }
    ASSERT_TRUE(clean.engine().advance(retry_at).ok());
    if (assigned_at == retry_at) {
      ASSERT_TRUE(assign(clean, c_id, retry_at).ok());
    }
    EXPECT_EQ(finish(h, /*with_instants=*/true), finish(clean, /*with_instants=*/true)) << where;
    if (!refused) break;
  }
  EXPECT_GT(raced, 0u) << "no allocation failed with the timers taken: nothing was tested";
}

size_t threads_listed() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}
// The threads of this process, once they number `expected` (or after a second): a joined
// thread may stay listed for a moment after join() returns, while the kernel reaps it.
size_t threads_of_this_process(size_t expected) {
  size_t n = threads_listed();
  for (const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(1);
       n != expected && std::chrono::steady_clock::now() < give_up;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    n = threads_listed();
  }
  return n;
}

// Opening an engine that runs out of memory at any of its allocations throws std::bad_alloc
// and leaves nothing behind: no realtime thread running, nothing leaked (the sanitizer build
// checks leaks at exit). Once memory is back, open works and so does the engine.
TEST(EngineOutOfMemory, AnOpenThatRunsOutLeavesNothingBehind) {
  const auto model = whistle::testing::engine_model();
  for (const auto clock : {EngineOptions::Clock::manual, EngineOptions::Clock::realtime}) {
    EngineOptions options;
    options.clock = clock;
    options.start = kStart;
    options.clock_source = [] { return kStart; };
    options.expected_cases = 1000;
    // The threads running now: a sanitizer starts a helper with the first thread, and a thread
    // just joined may still be listed, so the fewest seen over 100 ms after one more.
    std::thread([] {}).join();
    size_t threads = threads_listed();
    for (const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
         std::chrono::steady_clock::now() < until;) {
      threads = std::min(threads, threads_listed());
    }
    std::optional<Result<std::unique_ptr<Engine>>> opened;
    size_t allowed = 0;
    for (; allowed < 100'000; ++allowed) {
      if (!test::runs_out(allowed, [&] { opened.emplace(Engine::open(model, options)); })) break;
      ASSERT_FALSE(opened.has_value());
      EXPECT_EQ(threads_of_this_process(threads), threads) << allowed;
    }
    ASSERT_GT(allowed, 5u);  // it did fail, at each allocation in turn
    ASSERT_TRUE(opened.has_value() && opened->ok()) << allowed << " allocations";
    std::unique_ptr<Engine> engine = std::move(*opened).value();
    const size_t running = threads + (clock == EngineOptions::Clock::realtime ? 1 : 0);
    EXPECT_EQ(threads_of_this_process(running), running);
    Submission s;
    s.id = 1;
    s.matter = model->find_matter("quick");
    s.point = kG1;
    s.received = kStart;
    ASSERT_TRUE(engine->submit(s).ok());
    EventBatch batch;
    ASSERT_EQ(engine->poll_events(batch), 1u);
    EXPECT_EQ(batch[0].kind, EventKind::dispatched);
    engine.reset();
    EXPECT_EQ(threads_of_this_process(threads), threads);
  }
}

// An event's facts are counted all or none: room for each is made before any is counted, also
// when facts of one unit need more than one new row or resolve time (unit 0 has room for one
// more day and one more resolve time: its two more need a larger row array and a block).
TEST(EngineOutOfMemory, AnEventsFactsAreCountedAllOrNone) {
  const auto model = whistle::testing::engine_model();
  constexpr Instant kDay = 86'400'000;
  const auto prepared = [&] {
    Scoreboard board(*model, 8 * 60);
    for (int i = 0; i < 63; ++i) board.apply({ScoreFact::resolved, true, 0, 0, kStart + i * kDay, 1000 + i});
    return board;
  };
  const std::vector<ScoreFact> facts = {
      {ScoreFact::summoned, false, 0, 1, kStart + 70 * kDay, 0},  // units 1 and 2: their first rows
      {ScoreFact::summoned, false, 0, 2, kStart + 70 * kDay, 0},
      {ScoreFact::resolved, true, 0, 0, kStart + 70 * kDay, 5},  // unit 0: two new rows and times
      {ScoreFact::resolved, false, 0, 0, kStart + 71 * kDay, 7},
  };
  const auto counts = [&](const Scoreboard& board) {
    std::vector<ScoreCounts> out;
    for (UnitId u = 0; u < 3; ++u) out.push_back(board.unit_counts(u, Period::all()));
    return out;
  };
  Scoreboard one_by_one = prepared();
  for (const ScoreFact& f : facts) one_by_one.apply(f);
  const std::vector<ScoreCounts> after = counts(one_by_one);
  size_t failures = 0;
  for (size_t allowed = 0;; ++allowed) {
    Scoreboard board = prepared();
    const std::vector<ScoreCounts> before = counts(board);
    if (!test::runs_out(allowed, [&] { board.apply_all(facts); })) {
      EXPECT_EQ(counts(board), after);
      break;
    }
    ++failures;
    ASSERT_EQ(counts(board), before) << "after failing at allocation " << allowed;
    board.apply_all(facts);
    EXPECT_EQ(counts(board), after) << "retried after failing at allocation " << allowed;
  }
  EXPECT_GE(failures, 3u);
}

// Forgetting old scores copies the resolve times it keeps: out of memory at any of those
// allocations, every count and median is as it was, and the call with memory back forgets.
TEST(EngineOutOfMemory, ForgettingScoresIsAllOrNothing) {
  const auto model = whistle::testing::engine_model();
  constexpr Instant kDay = 86'400'000;
  Scoreboard board(*model, 8 * 60);
  for (int i = 0; i < 3'000; ++i) {  // 3 units, resolving over 30 days: more than a block each
    board.apply({ScoreFact::resolved, i % 2 == 0, 0, static_cast<UnitId>(i % 3), kStart + i * (kDay / 100), i});
  }
  const int64_t cutoff = board.day_of(kStart) + 10;
  const auto counts = [&] {
    std::vector<ScoreCounts> out;
    for (UnitId u = 0; u < 3; ++u) out.push_back(board.unit_counts(u, Period::all()));
    return out;
  };
  const std::vector<ScoreCounts> before = counts();
  size_t failures = 0;
  for (size_t allowed = 0;; ++allowed) {
    if (!test::runs_out(allowed, [&] { board.forget_before(cutoff); })) break;
    ++failures;
    ASSERT_EQ(counts(), before) << "after failing at allocation " << allowed;
  }
  EXPECT_GT(failures, 3u);
  for (UnitId u = 0; u < 3; ++u) {
    EXPECT_EQ(board.unit_counts(u, Period::all()), board.unit_counts(u, Period{cutoff, INT64_MAX}));
    EXPECT_LT(board.unit_counts(u, Period::all()).resolved, before[u].resolved);
  }
}

}  // namespace
}  // namespace whistle
