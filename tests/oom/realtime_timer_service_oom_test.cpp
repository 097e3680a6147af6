// RealtimeTimerService out of memory on its own thread: a poll there that throws bad_alloc
// must not end the process (it would, leaving the io thread). It is counted and tried again
// after a pause, and every timer still fires, once, in order, never early.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

#include "oom/failing_allocator.hpp"
#include "whistle/realtime_timer_service.hpp"

namespace whistle {
namespace {

TEST(RealtimeTimerServiceOutOfMemory, APollThatRunsOutIsTriedAgainAfterAPause) {
  constexpr uint64_t kCrowd = 20'000;  // more than the wheel's buffers hold at first
  constexpr uint64_t kFailures = 3;
  std::mutex m;
  std::vector<std::pair<Instant, uint64_t>> fired;  // (when, payload)
  std::vector<Instant> deadlines(kCrowd + 1);
  fired.reserve(kCrowd + 1);
  RealtimeTimerService service([&](Instant deadline, uint64_t payload) {
    const Instant now = RealtimeTimerService::system_now();
    std::lock_guard lock(m);
    fired.emplace_back(now, payload);
    EXPECT_GE(now, deadline) << "fired early";
    // The first timer makes the service's next polls run out of memory (this runs on its thread).
    if (payload == 0) test::fail_next_allocations(kFailures);
  });
  const Instant start = RealtimeTimerService::system_now();
  // A crowd due together at the start of a second, a second after the first timer: the first
  // poll that collects the crowd's second (and runs out of memory) is then not before it.
  const Instant crowd = (start / 1000 + 2) * 1000;
  deadlines[0] = crowd - 1000;
  service.arm(deadlines[0], 0);
  for (uint64_t i = 1; i <= kCrowd; ++i) {
    deadlines[i] = crowd + static_cast<Instant>(i % 7);
    service.arm(deadlines[i], i);
  }
  // Delivered outside the service's lock: wait for the callbacks, not for the wheel to empty.
  const auto delivered = [&] {
    std::lock_guard lock(m);
    return fired.size();
  };
  for (int i = 0; i < 1000 && delivered() < kCrowd + 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // nothing more may come
  EXPECT_EQ(service.size(), 0u);
  std::lock_guard lock(m);
  ASSERT_EQ(fired.size(), kCrowd + 1) << "lost or fired twice";
  EXPECT_EQ(service.polls_out_of_memory(), kFailures);
  std::vector<bool> seen(kCrowd + 1);
  for (size_t i = 0; i < fired.size(); ++i) {
    const uint64_t payload = fired[i].second;
    ASSERT_FALSE(seen[payload]) << "fired twice: " << payload;
    seen[payload] = true;
    if (i > 0) {
      EXPECT_LE(deadlines[fired[i - 1].second], deadlines[payload]) << "out of order at " << i;
    }
  }
  // Three failed polls, each followed by the pause: the crowd fired that much late at least
  // (less a little for the system clock, which the pause is not measured on).
  EXPECT_GE(fired[1].first, crowd + static_cast<Instant>(kFailures * RealtimeTimerService::kRetryAfter.count()) - 20);
}

// An arm earlier than the thread's wake-up posts a wake-up to it, which allocates. Failed at each
// allocation in turn (the wheel's, then the post's), arm() throws having changed nothing: the
// timer is not kept, so it never fires without the caller holding its handle. The arm that
// succeeds fires, alone, and never early.
TEST(RealtimeTimerServiceOutOfMemory, AnArmThatCannotWakeTheThreadChangesNothing) {
  std::mutex m;
  std::vector<uint64_t> fired;
  fired.reserve(64);
  RealtimeTimerService service([&](Instant deadline, uint64_t payload) {
    EXPECT_GE(RealtimeTimerService::system_now(), deadline) << "fired early";
    std::lock_guard lock(m);
    fired.push_back(payload);
  });
  // Well before the thread's next wake-up (it sleeps at most a second with nothing armed).
  const Instant deadline = RealtimeTimerService::system_now() + 300;
  size_t failures = 0;
  uint64_t armed = 0;
  for (size_t allowed = 0;; ++allowed) {
    const auto [threw, refused] = test::attempt(allowed, [&] { (void)service.arm(deadline, allowed); });
    if (threw) {
      ++failures;
      EXPECT_EQ(service.size(), 0u) << "allocation " << allowed << ": the failed arm kept its timer";
      continue;
    }
    ASSERT_FALSE(refused) << "an arm got over a refused allocation";
    armed = allowed;
    break;
  }
  EXPECT_GE(failures, 2u) << "the wheel's allocation and the post's";
  const auto delivered = [&] {
    std::lock_guard lock(m);
    return fired.size();
  };
  for (int i = 0; i < 300 && delivered() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // nothing more may come
  std::lock_guard lock(m);
  EXPECT_EQ(fired, std::vector<uint64_t>{armed});
}

}  // namespace
}  // namespace whistle
