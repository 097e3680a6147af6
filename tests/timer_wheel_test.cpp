// TimerWheel against a sorted-set reference under random arm / cancel / re-arm / advance /
// budgeted poll sequences, plus the Asio realtime driver.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "sample/tiling.hpp"
#include "whistle/realtime_timer_service.hpp"
#include "whistle/timer_wheel.hpp"

namespace whistle {
namespace {

using Fired = std::pair<Instant, uint64_t>;

// The reference: every live timer in a set ordered by (deadline, payload).
struct ReferenceTimers {
  std::set<std::pair<Instant, uint64_t>> live;
  Instant now = 0;
  // Fires up to budget due timers; `on_fire` may arm more.
  template <class F>
  size_t poll(Instant t, size_t budget, F&& on_fire) {
    now = std::max(now, t);
    size_t fired = 0;
    while (fired < budget && !live.empty() && live.begin()->first <= now) {
      const auto top = *live.begin();
      live.erase(live.begin());
      ++fired;
      on_fire(top.first, top.second);
    }
    return fired;
  }
};

// `crowded`: everything within the next three hours, so blocks hold thousands of timers.
Instant random_deadline(sample::Random& rng, Instant now, bool crowded) {
  if (crowded) return now - 2000 + static_cast<Instant>(rng.below(3 * 3'600'000));
  switch (rng.below(8)) {
    case 0: return now - static_cast<Instant>(rng.below(5'000'000));                 // in the past
    case 1: return (now / 86'400'000 + 1 + static_cast<Instant>(rng.below(3))) * 86'400'000;  // midnight clusters
    case 2: return now + static_cast<Instant>(rng.below(1000));                       // this second
    case 3: return now + static_cast<Instant>(rng.below(uint64_t{400} * 86'400'000)); // within a year
    case 4: return now + static_cast<Instant>(rng.below(uint64_t{200} * 365 * 86'400'000));  // far future
    case 5: return now + static_cast<Instant>(rng.below(5'000'000'000'000'000ull));   // beyond the wheel
    default: return now + static_cast<Instant>(rng.below(10'000'000));                // hours
  }
}

void run_random_sequence(uint64_t seed, size_t operations, bool crowded = false) {
  sample::Random rng(seed);
  const Instant start = 1'700'000'000'000 + static_cast<Instant>(rng.below(1'000'000'000));
  TimerWheel wheel(start);
  ReferenceTimers ref;
  ref.now = start;
  std::vector<std::pair<TimerWheel::Handle, std::pair<Instant, uint64_t>>> handles;  // live or stale
  uint64_t next_payload = 1;
  std::vector<Fired> got, want;
  for (size_t op = 0; op < operations; ++op) {
    // Crowded runs arm more and advance less, so thousands of timers share each block.
    const uint64_t arm_below = crowded ? 800 : 450, cancel_below = crowded ? 950 : 700;
    const uint64_t kind = rng.below(1000);
    if (kind == 999) {
      wheel.shrink_to_fit();  // a full sweep of dead entries must change nothing observable
    } else if (kind < arm_below || handles.empty()) {
      const Instant d = random_deadline(rng, wheel.now(), crowded);
      const uint64_t p = next_payload++;
      handles.push_back({wheel.arm(d, p), {d, p}});
      ref.live.insert({d, p});
    } else if (kind < cancel_below) {
      // Cancel (or re-arm) a random handle; stale handles must be refused.
      const size_t i = rng.below(handles.size());
      const auto [h, key] = handles[i];
      const bool live = ref.live.count(key) != 0;
      ASSERT_EQ(wheel.cancel(h), live) << "op " << op;
      ASSERT_FALSE(wheel.armed(h));
      ref.live.erase(key);
      if (rng.below(2)) {
        const Instant d = random_deadline(rng, wheel.now(), crowded);
        const uint64_t p = next_payload++;
        handles[i] = {wheel.arm(d, p), {d, p}};
        ref.live.insert({d, p});
      } else {
        handles[i] = handles.back();
        handles.pop_back();
      }
    } else {
      Instant now = wheel.now();
      switch (rng.below(crowded ? 2 : 4)) {
        case 0: now += static_cast<Instant>(rng.below(2000)); break;
        case 1: now += static_cast<Instant>(rng.below(crowded ? 60'000 : 10'000'000)); break;
        case 2: now += static_cast<Instant>(rng.below(uint64_t{30} * 86'400'000)); break;
        default: now += static_cast<Instant>(rng.below(uint64_t{50} * 365 * 86'400'000)); break;
      }
      const size_t budget = rng.below(4) == 0 ? 1 + rng.below(5) : SIZE_MAX;
      got.clear();
      want.clear();
      // Some fired timers re-arm a follow-up that may be due at once.
      auto follow = [&](Instant d, uint64_t p, auto& target, auto arm) {
        target.emplace_back(d, p);
        if (p % 7 == 0) arm(d + static_cast<Instant>(p % 3) * 500 - 600, p * 1'000'003);
      };
      const size_t n = wheel.poll(now, budget, [&](Instant d, uint64_t p) {
        ASSERT_LE(d, wheel.now()) << "fired early";
        follow(d, p, got, [&](Instant dd, uint64_t pp) { handles.push_back({wheel.arm(dd, pp), {dd, pp}}); });
      });
      const size_t m = ref.poll(now, budget, [&](Instant d, uint64_t p) {
        follow(d, p, want, [&](Instant dd, uint64_t pp) { ref.live.insert({dd, pp}); });
      });
      ASSERT_EQ(n, m) << "op " << op;
      ASSERT_EQ(got, want) << "op " << op;
      ASSERT_EQ(wheel.more_due(), !ref.live.empty() && ref.live.begin()->first <= ref.now && n == budget);
    }
    ASSERT_EQ(wheel.size(), ref.live.size()) << "op " << op;
    // The bound never lies: nothing armed is due before it.
    const Instant bound = wheel.next_deadline_bound();
    if (ref.live.empty()) {
      ASSERT_EQ(bound, TimerWheel::kNever);
    } else {
      ASSERT_LE(bound, std::max(ref.live.begin()->first, wheel.now())) << "op " << op;
    }
  }
  // Drain everything: the whole remaining order must agree.
  got.clear();
  want.clear();
  wheel.advance(INT64_MAX / 2, [&](Instant d, uint64_t p) { got.emplace_back(d, p); });
  ref.poll(INT64_MAX / 2, SIZE_MAX, [&](Instant d, uint64_t p) { want.emplace_back(d, p); });
  ASSERT_EQ(got, want);
  EXPECT_EQ(wheel.size(), 0u);
}

TEST(TimerWheel, MatchesTheSortedReference) {
  // 24 sequences of 200,000 operations: 4.8 million arms, cancels, re-arms and polls.
  for (uint64_t seed = 1; seed <= 24; ++seed) run_random_sequence(seed, 200'000);
}

TEST(TimerWheel, CrowdedBlocksMatchTheSortedReference) {
  // Blocks past the run threshold come down as one counting-sorted run per block.
  for (uint64_t seed = 100; seed < 104; ++seed) run_random_sequence(seed, 300'000, /*crowded=*/true);
}

TEST(TimerWheel, EqualDeadlinesFireInPayloadOrderUnderABudget) {
  const Instant midnight = 1'760'000'000'000 / 86'400'000 * 86'400'000 + 86'400'000;
  TimerWheel wheel(midnight - 3'600'000);
  sample::Random rng(5);
  std::vector<uint64_t> payloads(300'000);
  for (auto& p : payloads) p = rng.next();
  for (uint64_t p : payloads) wheel.arm(midnight, p);
  std::sort(payloads.begin(), payloads.end());
  std::vector<uint64_t> fired;
  EXPECT_EQ(wheel.poll(midnight - 1, 10'000, [&](Instant, uint64_t p) { fired.push_back(p); }), 0u);  // never early
  size_t calls = 0;
  do {
    const size_t n = wheel.poll(midnight, 10'000, [&](Instant d, uint64_t p) {
      EXPECT_EQ(d, midnight);
      fired.push_back(p);
    });
    EXPECT_LE(n, 10'000u);
    ++calls;
  } while (wheel.more_due());
  EXPECT_EQ(calls, 30u);
  EXPECT_EQ(fired, payloads);
}

TEST(TimerWheel, HandlesAreGenerationChecked) {
  TimerWheel wheel(0);
  const auto a = wheel.arm(5'000, 1);
  EXPECT_TRUE(wheel.armed(a));
  EXPECT_TRUE(wheel.cancel(a));
  EXPECT_FALSE(wheel.cancel(a));  // twice
  const auto b = wheel.arm(5'000, 2);  // reuses a's slot
  EXPECT_EQ(static_cast<uint32_t>(a), static_cast<uint32_t>(b));
  EXPECT_FALSE(wheel.cancel(a));  // the stale handle never touches b
  EXPECT_TRUE(wheel.armed(b));
  std::vector<uint64_t> fired;
  wheel.advance(10'000, [&](Instant, uint64_t p) { fired.push_back(p); });
  EXPECT_EQ(fired, std::vector<uint64_t>{2});
  EXPECT_FALSE(wheel.cancel(b));  // after firing
  EXPECT_FALSE(wheel.cancel(TimerWheel::kInvalidHandle));
  EXPECT_FALSE(wheel.cancel(0xDEADBEEF12345678ull));
  // A timer cancelled from inside a drain, while it waits in the ready batch, does not fire.
  const auto c = wheel.arm(20'000, 3);
  const auto d = wheel.arm(20'000, 4);
  fired.clear();
  wheel.advance(20'000, [&](Instant, uint64_t p) {
    fired.push_back(p);
    if (p == 3) EXPECT_TRUE(wheel.cancel(d));
  });
  EXPECT_EQ(fired, std::vector<uint64_t>{3});
  EXPECT_FALSE(wheel.armed(c));
  EXPECT_EQ(wheel.size(), 0u);
}

TEST(TimerWheel, MassCancellationIsSweptAndTheRestStillFiresInOrder) {
  TimerWheel wheel(0);
  sample::Random rng(3);
  std::vector<std::pair<TimerWheel::Handle, Fired>> timers;
  for (uint64_t i = 0; i < 400'000; ++i) {
    const Instant d = static_cast<Instant>(rng.below(uint64_t{40} * 86'400'000));
    timers.push_back({wheel.arm(d, i), {d, i}});
  }
  const size_t peak = wheel.memory_bytes();
  std::vector<Fired> want;
  for (size_t i = 0; i < timers.size(); ++i) {
    if (i % 50 == 0) {
      want.push_back(timers[i].second);
    } else {
      ASSERT_TRUE(wheel.cancel(timers[i].first));
    }
  }
  EXPECT_EQ(wheel.size(), want.size());
  wheel.shrink_to_fit();
  EXPECT_LT(wheel.memory_bytes(), peak / 2);  // swept, and the chunks given back
  std::sort(want.begin(), want.end());
  std::vector<Fired> got;
  wheel.advance(uint64_t{41} * 86'400'000, [&](Instant d, uint64_t p) { got.emplace_back(d, p); });
  EXPECT_EQ(got, want);
}

TEST(TimerWheel, JumpsOverCenturiesWithoutWalkingThem) {
  TimerWheel wheel(0);
  const Instant far = Instant{3000} * 365 * 86'400'000;  // beyond the three levels: overflow
  wheel.arm(far, 2);
  wheel.arm(far - 1, 1);
  wheel.arm(INT64_MAX / 2, 3);
  EXPECT_LE(wheel.next_deadline_bound(), far - 1);
  std::vector<uint64_t> fired;
  wheel.advance(far - 2, [&](Instant, uint64_t p) { fired.push_back(p); });
  EXPECT_TRUE(fired.empty());
  wheel.advance(far, [&](Instant, uint64_t p) { fired.push_back(p); });
  EXPECT_EQ(fired, (std::vector<uint64_t>{1, 2}));
  wheel.advance(INT64_MAX / 2, [&](Instant, uint64_t p) { fired.push_back(p); });
  EXPECT_EQ(fired, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(wheel.next_deadline_bound(), TimerWheel::kNever);
}

TEST(TimerWheel, MemoryPerLiveTimerStaysSmall) {
  TimerWheel wheel(0);
  sample::Random rng(1);
  for (int i = 0; i < 200'000; ++i) wheel.arm(static_cast<Instant>(rng.below(uint64_t{100} * 86'400'000)), static_cast<uint64_t>(i));
  EXPECT_LE(wheel.memory_bytes() / wheel.size(), 48u);
}

TEST(RealtimeTimerService, FiresInOrderNeverEarly) {
  std::mutex m;
  std::vector<uint64_t> fired;
  std::atomic<int> early{0};
  RealtimeTimerService service([&](Instant deadline, uint64_t payload) {
    if (RealtimeTimerService::system_now() < deadline) ++early;
    std::lock_guard lock(m);
    fired.push_back(payload);
  });
  const Instant now = RealtimeTimerService::system_now();
  service.arm(now + 120, 3);
  service.arm(now + 40, 2);
  service.arm(now - 1000, 1);  // already due
  const auto cancelled = service.arm(now + 80, 99);
  EXPECT_TRUE(service.cancel(cancelled));
  for (int i = 0; i < 300; ++i) {
    {
      std::lock_guard lock(m);
      if (fired.size() == 3) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::lock_guard lock(m);
  EXPECT_EQ(fired, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(early.load(), 0);
  EXPECT_EQ(service.size(), 0u);
}

}  // namespace
}  // namespace whistle
