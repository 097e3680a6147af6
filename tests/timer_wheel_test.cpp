// TimerWheel against a sorted-set reference under random arm / cancel / re-arm / advance /
// budgeted poll sequences, plus the Asio realtime driver.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
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

// The reference: every live timer in a set ordered by (deadline, payload). Equal deadlines may
// fire in any order, so the reference checks each timer the wheel fires instead of choosing:
// it must be live, due, and have the earliest deadline of all live timers.
struct ReferenceTimers {
  std::set<std::pair<Instant, uint64_t>> live;
  Instant now = 0;
  bool has_due() const { return !live.empty() && live.begin()->first <= now; }
  ::testing::AssertionResult fire(Instant d, uint64_t p) {
    if (live.empty() || live.count({d, p}) == 0) return ::testing::AssertionFailure() << "fired a timer not armed";
    if (d > now) return ::testing::AssertionFailure() << "fired early";
    if (live.begin()->first != d) return ::testing::AssertionFailure() << "fired out of deadline order";
    live.erase({d, p});
    return ::testing::AssertionSuccess();
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
  std::vector<Fired> got;
  for (size_t op = 0; op < operations; ++op) {
    // Crowded runs arm more and advance less, so thousands of timers share each block.
    const uint64_t arm_below = crowded ? 800 : 450, cancel_below = crowded ? 950 : 700;
    const uint64_t kind = rng.below(1000);
    if (kind == 999) {
      wheel.shrink_to_fit();  // a full sweep of dead entries must change nothing observable
    } else if (kind == 998) {
      wheel.compact();  // nor may dropping them in place
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
      // Some fired timers re-arm a follow-up that may be due at once.
      auto follow_up = [](Instant d, uint64_t p) { return std::pair<Instant, uint64_t>{d + static_cast<Instant>(p % 3) * 500 - 600, p * 1'000'003}; };
      const size_t n = wheel.poll(now, budget, [&](Instant d, uint64_t p) {
        got.emplace_back(d, p);
        if (p % 7 == 0) {
          const auto f = follow_up(d, p);
          handles.push_back({wheel.arm(f.first, f.second), f});
        }
      });
      ref.now = std::max(ref.now, now);
      for (const auto& [d, p] : got) {
        ASSERT_TRUE(ref.fire(d, p)) << "op " << op << " timer (" << d << ", " << p << ")";
        if (p % 7 == 0) ref.live.insert(follow_up(d, p));
      }
      ASSERT_EQ(n, got.size());
      ASSERT_TRUE(n == budget || !ref.has_due()) << "op " << op << ": stopped with timers due";
      ASSERT_EQ(wheel.more_due(), n == budget && ref.has_due()) << "op " << op;
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
  wheel.advance(INT64_MAX / 2, [&](Instant d, uint64_t p) { got.emplace_back(d, p); });
  ref.now = INT64_MAX / 2;
  for (const auto& [d, p] : got) ASSERT_TRUE(ref.fire(d, p)) << "final drain (" << d << ", " << p << ")";
  EXPECT_TRUE(ref.live.empty());
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

TEST(TimerWheel, AMillionEqualDeadlinesFireOnceEachUnderABudget) {
  const Instant midnight = 1'760'000'000'000 / 86'400'000 * 86'400'000 + 86'400'000;
  TimerWheel wheel(midnight - 3'600'000);
  sample::Random rng(5);
  std::vector<uint64_t> payloads(1'000'000);
  for (auto& p : payloads) p = rng.next();
  for (uint64_t p : payloads) wheel.arm(midnight, p);
  wheel.arm(midnight - 1, 0);  // one earlier timer in the same second fires first
  std::vector<uint64_t> fired;
  EXPECT_EQ(wheel.poll(midnight - 2, 10'000, [&](Instant, uint64_t p) { fired.push_back(p); }), 0u);  // never early
  size_t calls = 0;
  do {
    const size_t n = wheel.poll(midnight, 10'000, [&](Instant d, uint64_t p) {
      EXPECT_EQ(d, fired.empty() ? midnight - 1 : midnight);
      fired.push_back(p);
    });
    EXPECT_LE(n, 10'000u);
    ++calls;
  } while (wheel.more_due());
  EXPECT_EQ(calls, 101u);
  ASSERT_EQ(fired.size(), payloads.size() + 1);
  EXPECT_EQ(fired.front(), 0u);
  fired.erase(fired.begin());
  std::sort(fired.begin(), fired.end());
  std::sort(payloads.begin(), payloads.end());
  EXPECT_EQ(fired, payloads);
}

TEST(TimerWheel, SameCallsGiveTheSameOrder) {
  auto run = [] {
    TimerWheel wheel(0);
    sample::Random rng(9);
    std::vector<uint64_t> fired;
    for (uint64_t i = 0; i < 200'000; ++i) wheel.arm(static_cast<Instant>(rng.below(20) * 60'000), i);
    wheel.advance(3'600'000, [&](Instant, uint64_t p) { fired.push_back(p); });
    return fired;
  };
  EXPECT_EQ(run(), run());
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
    if (p == 3) {
      EXPECT_TRUE(wheel.cancel(d));
    }
  });
  EXPECT_EQ(fired, std::vector<uint64_t>{3});
  EXPECT_FALSE(wheel.armed(c));
  EXPECT_EQ(wheel.size(), 0u);
}

// A callback that takes three arguments is given the handle arm() returned for each timer it
// fires (whichever path armed it: inline, a new chunk, the past, a later level, the overflow),
// already spent: the timer counts as fired.
TEST(TimerWheel, PollGivesEachTimerTheHandleArmReturned) {
  TimerWheel wheel(100'000);
  std::map<uint64_t, TimerWheel::Handle> handles;
  const Instant deadlines[] = {50'000, 100'000, 101'000, 101'500, 5'000'000, 900'000'000, 80'000'000'000, 101'000};
  for (uint64_t p = 0; p < 200; ++p) handles[p] = wheel.arm(deadlines[p % std::size(deadlines)], p);
  for (uint64_t p = 0; p < 200; p += 3) {  // cancelled; their numbers go to new timers
    ASSERT_TRUE(wheel.cancel(handles[p]));
    handles.erase(p);
  }
  for (uint64_t p = 200; p < 250; ++p) handles[p] = wheel.arm(deadlines[p % std::size(deadlines)] + 7, p);
  std::map<uint64_t, TimerWheel::Handle> fired;
  wheel.advance(100'000'000'000, [&](Instant, uint64_t p, TimerWheel::Handle h) {
    EXPECT_FALSE(wheel.armed(h)) << p;
    EXPECT_TRUE(fired.emplace(p, h).second) << p;
  });
  EXPECT_EQ(fired, handles);
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

// The sweep checks entries against their generation's low four bits: a timer number cancelled
// and re-armed 8 times (or 128: any multiple of 8) leaves a dead entry whose low bits match
// the live one's. It survives the sweep and must still never fire, and the wheel must go on
// sweeping and firing correctly.
TEST(TimerWheel, ADeadEntryThatLooksLiveToTheSweepNeverFires) {
  for (const uint64_t rearms : {uint64_t{8}, uint64_t{128}}) {
    SCOPED_TRACE(rearms);
    TimerWheel wheel(0);
    const TimerWheel::Handle first = wheel.arm(50'000, 1000);
    ASSERT_TRUE(wheel.cancel(first));
    TimerWheel::Handle last = first;
    for (uint64_t i = 1; i <= rearms; ++i) {
      last = wheel.arm(50'000 + static_cast<Instant>(i) * 1000, 1000 + i);
      ASSERT_EQ(static_cast<uint32_t>(last), static_cast<uint32_t>(first));  // the same number
      if (i < rearms) {
        ASSERT_TRUE(wheel.cancel(last));
      }
    }
    EXPECT_EQ((last >> 32) & 15u, (first >> 32) & 15u);
    EXPECT_NE(last >> 32, first >> 32);
    wheel.compact();
    // Churn afterwards: nine in ten timers cancelled, enough dead entries for further sweeps.
    std::vector<Fired> want{{50'000 + static_cast<Instant>(rearms) * 1000, 1000 + rearms}};
    for (uint64_t i = 0; i < 3 * TimerWheel::kSweepSlack; ++i) {
      const auto h = wheel.arm(400'000 + static_cast<Instant>(i % 1000), 2000 + i);
      if (i % 10 != 0) {
        ASSERT_TRUE(wheel.cancel(h));
      } else {
        want.emplace_back(400'000 + static_cast<Instant>(i % 1000), 2000 + i);
      }
    }
    EXPECT_EQ(wheel.size(), want.size());
    std::sort(want.begin(), want.end());
    std::vector<Fired> got;
    wheel.advance(1'000'000, [&](Instant d, uint64_t p) { got.emplace_back(d, p); });
    EXPECT_TRUE(std::is_sorted(got.begin(), got.end(), [](const Fired& a, const Fired& b) { return a.first < b.first; }));
    std::sort(got.begin(), got.end());  // equal deadlines fire in an order of the wheel's own
    EXPECT_EQ(got, want);
    EXPECT_EQ(wheel.size(), 0u);
    EXPECT_FALSE(wheel.cancel(first));
  }
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

// reserve() makes room without arming anything; arming within it then grows nothing, and the
// timers behave as in a wheel that grew by arming. (That it also faults the generation array
// in is not observable here: it shows as page faults no longer taken by arm().)
TEST(TimerWheel, ArmingWithinAReserveGrowsNothing) {
  TimerWheel reserved(0), grown(0);
  reserved.reserve(100'000);
  EXPECT_EQ(reserved.size(), 0u);
  EXPECT_EQ(reserved.next_deadline_bound(), TimerWheel::kNever);
  const size_t bytes = reserved.memory_bytes();
  sample::Random rng(4);
  for (int i = 0; i < 100'000; ++i) {
    const auto deadline = static_cast<Instant>(rng.below(uint64_t{40} * 86'400'000));
    const TimerWheel::Handle a = reserved.arm(deadline, static_cast<uint64_t>(i));
    EXPECT_EQ(a, grown.arm(deadline, static_cast<uint64_t>(i)));
  }
  EXPECT_EQ(reserved.memory_bytes(), bytes);
  std::vector<uint64_t> from_reserved, from_grown;
  reserved.advance(uint64_t{41} * 86'400'000, [&](Instant, uint64_t p) { from_reserved.push_back(p); });
  grown.advance(uint64_t{41} * 86'400'000, [&](Instant, uint64_t p) { from_grown.push_back(p); });
  EXPECT_EQ(from_reserved.size(), 100'000u);
  EXPECT_EQ(from_reserved, from_grown);
}

#ifndef WHISTLE_SANITIZED  // set by the asan and tsan builds (cmake/options.cmake)
// The address space capped a little above what the process uses (96 MiB more) while it lives.
class AddressSpaceCap {
 public:
  AddressSpaceCap() {
    size_t pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    ok_ = getrlimit(RLIMIT_AS, &old_) == 0;
    rlimit cap = old_;
    cap.rlim_cur = pages * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) + (rlim_t{96} << 20);
    ok_ = ok_ && setrlimit(RLIMIT_AS, &cap) == 0;
  }
  ~AddressSpaceCap() { lift(); }
  AddressSpaceCap(const AddressSpaceCap&) = delete;
  AddressSpaceCap& operator=(const AddressSpaceCap&) = delete;
  bool ok() const { return ok_; }
  void lift() {
    if (ok_) setrlimit(RLIMIT_AS, &old_);
    ok_ = false;
  }

 private:
  rlimit old_{};
  bool ok_ = false;
};

// Arms timers into `handles` (reserved by the caller, before any cap) until the wheel runs out
// of memory or `handles` is full; true if it ran out.
bool arm_until_out_of_memory(TimerWheel& wheel, std::vector<TimerWheel::Handle>& handles) {
  try {
    for (uint64_t i = handles.size(); i < handles.capacity(); ++i) {
      handles.push_back(wheel.arm(static_cast<Instant>(1 + i % 5'000'000), i));
    }
  } catch (const std::bad_alloc&) {
    return true;
  }
  return false;
}
#endif

// Out of memory while arming (the address space capped): the arm that fails throws bad_alloc
// and leaves nothing behind, every earlier timer is still there and fires once. Not under
// ASan or TSan, whose shadow memory needs the space.
TEST(TimerWheel, AnArmThatRunsOutOfMemoryChangesNothing) {
#ifdef WHISTLE_SANITIZED
  GTEST_SKIP() << "the address-space cap would starve the sanitizer's shadow memory";
#else
  TimerWheel wheel(0);
  std::vector<TimerWheel::Handle> handles;
  handles.reserve(8'000'000);  // the test's own memory, before the cap
  AddressSpaceCap cap;
  ASSERT_TRUE(cap.ok());
  const bool ran_out = arm_until_out_of_memory(wheel, handles);
  cap.lift();
  ASSERT_TRUE(ran_out) << handles.size() << " timers fitted under the cap";
  ASSERT_GT(handles.size(), 100'000u);
  EXPECT_EQ(wheel.size(), handles.size());
  for (size_t i = 0; i < handles.size(); i += 997) EXPECT_TRUE(wheel.armed(handles[i]));
  size_t fired = 0;
  wheel.advance(10'000'000, [&](Instant, uint64_t) { ++fired; });
  EXPECT_EQ(fired, handles.size());
  EXPECT_EQ(wheel.size(), 0u);
  // And it goes on working once memory is there again.
  const TimerWheel::Handle h = wheel.arm(20'000'000, 7);
  EXPECT_TRUE(wheel.cancel(h));
#endif
}

// Still at that cap, with no room left to grow anything: cancelling every timer must not fail
// (cancel is noexcept; the free list it puts numbers on grew by allocating, and an allocation
// failing there ended the process). Every cancel succeeds, no handle passes afterwards, and the
// wheel works once memory is back.
TEST(TimerWheel, CancelsNeedNoMemory) {
#ifdef WHISTLE_SANITIZED
  GTEST_SKIP() << "the address-space cap would starve the sanitizer's shadow memory";
#else
  TimerWheel wheel(0);
  std::vector<TimerWheel::Handle> handles;
  handles.reserve(8'000'000);
  AddressSpaceCap cap;
  ASSERT_TRUE(cap.ok());
  const bool ran_out = arm_until_out_of_memory(wheel, handles);
  size_t cancelled = 0;
  if (ran_out) {
    for (TimerWheel::Handle h : handles) cancelled += wheel.cancel(h);
  }
  cap.lift();
  ASSERT_TRUE(ran_out) << handles.size() << " timers fitted under the cap";
  EXPECT_EQ(cancelled, handles.size());
  EXPECT_EQ(wheel.size(), 0u);
  for (size_t i = 0; i < handles.size(); i += 997) EXPECT_FALSE(wheel.armed(handles[i]));
  size_t fired = 0;
  wheel.advance(10'000'000, [&](Instant, uint64_t) { ++fired; });
  EXPECT_EQ(fired, 0u);
  const TimerWheel::Handle h = wheel.arm(20'000'000, 7);
  EXPECT_TRUE(wheel.armed(h));
  wheel.advance(20'000'000, [&](Instant, uint64_t payload) { fired += payload; });
  EXPECT_EQ(fired, 7u);
#endif
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
