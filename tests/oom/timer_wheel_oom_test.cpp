// The timer wheel out of memory: a poll that throws std::bad_alloc has lost no timer. Every
// allocation a poll makes (collecting a second, ordering it, cascading a block, span or the
// overflow down, building a run) is made to fail in turn; once memory is back, polling on
// fires exactly the timers a sorted reference says, each once, in deadline order, never early.
#include <gtest/gtest.h>

#include <algorithm>
#include <new>
#include <vector>

#include "oom/failing_allocator.hpp"
#include "sample/tiling.hpp"
#include "whistle/timer_wheel.hpp"

namespace whistle {
namespace {

using test::FailAllocationsAfter;

constexpr Instant kStart = 1'700'000'000'123;
constexpr Instant kSecond = 1000, kDay = 86'400'000;

struct Timer {
  Instant deadline;
  uint64_t payload;
  bool cancelled;
};

// Timers for every path of a poll: past deadlines, a millisecond cluster and a crowded second
// (ordered by counting sort), this block, a crowded block (a run), later blocks, later spans
// and beyond the wheel (the overflow); a fifth are cancelled.
std::vector<Timer> make_timers(uint64_t seed) {
  sample::Random rng(seed);
  std::vector<Timer> timers;
  const auto add = [&](size_t n, Instant from, Instant spread) {
    for (size_t i = 0; i < n; ++i) {
      const auto payload = timers.size();
      timers.push_back({from + static_cast<Instant>(rng.below(static_cast<uint64_t>(spread))), payload, rng.below(5) == 0});
    }
  };
  add(30, kStart - 50 * kSecond, 50 * kSecond);      // already due
  add(120, kStart + 10 * kSecond, 1);                // one millisecond
  add(300, kStart + 20 * kSecond, kSecond);          // one second
  add(300, kStart, 4096 * kSecond);                  // this block
  add(400, kStart + 5 * 4096 * kSecond, 4096 * kSecond);  // one crowded block: a run
  add(300, kStart, 190 * kDay);                      // this span
  add(200, kStart + 200 * kDay, 3000 * kDay);        // later spans
  add(3000, kStart + 400 * kDay, 190 * kDay);        // one crowded span: its cascade needs chunks
  add(600, kStart + 2300 * 365 * kDay, 3000 * 365 * kDay);  // beyond the wheel, some beyond the next era
  return timers;
}

// Only timers beyond the wheel (2,177 years), over two eras: cascading the overflow down needs
// a chunk for nearly every timer, and puts the second era's back into the overflow.
std::vector<Timer> make_far_timers(uint64_t seed) {
  sample::Random rng(seed);
  std::vector<Timer> timers;
  for (uint64_t i = 0; i < 2000; ++i) {
    const Instant deadline = kStart + 2300 * 365 * kDay + static_cast<Instant>(rng.below(3000 * 365 * kDay));
    timers.push_back({deadline, i, rng.below(5) == 0});
  }
  return timers;
}

// An instant to poll to, and whether to poll until nothing is due (else once, 20 timers,
// leaving the rest waiting when the next poll comes: it then merges the timers that became due
// since with those).
struct Step {
  Instant at;
  bool drain = true;
};

// Polls the wheel to each step's instant in turn (in budgets of 97 timers), the allocations of
// the polls of step `failing` limited to `allowed` when set. Returns what fired, in order, and
// whether an allocation was refused.
struct Outcome {
  std::vector<std::pair<Instant, uint64_t>> fired;
  std::vector<Instant> fired_at;  // the instant polled to when each fired
  bool refused = false;
  bool threw = false;
  size_t fired_before_throw = 0;
  Instant bound_after_throw = 0;  // next_deadline_bound() then: nothing may fire before it
};

Outcome run(const std::vector<Timer>& timers, const std::vector<Step>& steps, size_t failing, size_t allowed,
            bool limit) {
  TimerWheel wheel(kStart);
  std::vector<TimerWheel::Handle> handles;
  for (const Timer& t : timers) handles.push_back(wheel.arm(t.deadline, t.payload));
  for (size_t i = 0; i < timers.size(); ++i) {
    if (timers[i].cancelled) {
      EXPECT_TRUE(wheel.cancel(handles[i]));
    }
  }
  Outcome out;
  out.fired.reserve(timers.size());  // the test's own callback must not allocate under the limit
  out.fired_at.reserve(timers.size());
  for (size_t k = 0; k < steps.size(); ++k) {
    const Instant now = steps[k].at;
    const size_t budget = steps[k].drain ? 97 : 20;
    auto on_fire = [&](Instant deadline, uint64_t payload) {
      out.fired.emplace_back(deadline, payload);
      out.fired_at.push_back(now);
    };
    if (limit && k == failing) {
      FailAllocationsAfter fail(allowed);
      try {
        do {
          wheel.poll(now, budget, on_fire);
        } while (steps[k].drain && wheel.more_due());
      } catch (const std::bad_alloc&) {
        out.threw = true;
        out.fired_before_throw = out.fired.size();
        out.bound_after_throw = wheel.next_deadline_bound();
      }
      out.refused = fail.refused();
      if (!steps[k].drain && !out.threw) continue;
    }
    // Memory is back: poll on to the same instant.
    do {
      wheel.poll(now, budget, on_fire);
    } while (steps[k].drain && wheel.more_due());
  }
  EXPECT_EQ(wheel.size(), 0u);
  return out;
}

std::vector<std::pair<Instant, uint64_t>> expected(const std::vector<Timer>& timers) {
  std::vector<std::pair<Instant, uint64_t>> live;
  for (const Timer& t : timers) {
    if (!t.cancelled) live.emplace_back(t.deadline, t.payload);
  }
  std::sort(live.begin(), live.end());
  return live;
}

// Equal deadlines fire in an order of the wheel's choosing: compare as sorted lists, and check
// the order and the instants separately.
void check(const Outcome& out, const std::vector<std::pair<Instant, uint64_t>>& want, const std::string& where) {
  std::vector<std::pair<Instant, uint64_t>> got = out.fired;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_LE(got[i].first, out.fired_at[i]) << where << ": fired early";
    if (i > 0) {
      ASSERT_LE(got[i - 1].first, got[i].first) << where << ": out of deadline order at " << i;
    }
  }
  if (out.threw) {
    for (size_t i = out.fired_before_throw; i < got.size(); ++i) {
      ASSERT_GE(got[i].first, out.bound_after_throw) << where << ": the bound after the throw was too late";
    }
  }
  std::sort(got.begin(), got.end());
  ASSERT_EQ(got.size(), want.size()) << where << ": lost or fired twice";
  ASSERT_EQ(got, want) << where;
}

TEST(TimerWheelOutOfMemory, APollThatThrowsLosesNoTimer) {
  const std::vector<Step> steps = {
      {kStart + 15 * kSecond},                      // the cluster
      {kStart + 20 * kSecond + 300, false},         // inside the crowded second: some wait
      {kStart + 20 * kSecond + 600, false},         // more due, merged with those waiting
      {kStart + 21 * kSecond},                      // the rest of it
      {kStart + 4096 * kSecond},                    // the rest of this block
      {kStart + 6 * 4096 * kSecond},                // through the run
      {kStart + 600 * kDay},                        // the crowded span
      {kStart + 3200 * kDay},                       // later blocks and spans
      {kStart + 4000 * 365 * kDay},                 // the overflow, cascaded twice
      {kStart + 5400 * 365 * kDay},
  };
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const std::vector<Timer> timers = seed <= 3 ? make_timers(seed) : make_far_timers(seed);
    const auto want = expected(timers);
    check(run(timers, steps, 0, 0, false), want, "no failure");
    size_t failures = 0;
    for (size_t k = 0; k < steps.size(); ++k) {
      for (size_t allowed = 0;; ++allowed) {
        const Outcome out = run(timers, steps, k, allowed, true);
        const std::string where =
            "seed " + std::to_string(seed) + ", step " + std::to_string(k) + ", allocation " + std::to_string(allowed);
        check(out, want, where);
        if (::testing::Test::HasFatalFailure()) return;
        if (!out.refused) break;  // this poll needs fewer allocations: every one was made to fail
        ++failures;
      }
    }
    EXPECT_GT(failures, 10u) << "seed " << seed << ": the polls hardly allocate";
  }
}

}  // namespace
}  // namespace whistle
