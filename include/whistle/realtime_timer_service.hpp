// RealtimeTimerService: a TimerWheel driven by the system clock on its own thread — a
// Boost.Asio io_context whose steady_timer sleeps until the earliest armed deadline (at most
// `max_sleep`), then fires what is due (SPEC §5 realtime clock). Arming an earlier deadline
// wakes it. Callbacks run on that thread, outside the service's lock, in deadline order, never
// early, in batches so that a million timers due in one second never hold the lock long.
// Thread model: arm(), cancel() and size() may be called from any thread, also from a callback.
// Out of memory: arm() throws std::bad_alloc having changed nothing. A poll on the service's
// thread that runs out (or setting up its next wait) is counted (polls_out_of_memory()) and
// tried again kRetryAfter later; the timers due stay due. on_fire must not throw: an exception
// leaving it would leave the service's thread and end the process, as from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "whistle/timer_wheel.hpp"

namespace whistle {

class RealtimeTimerService {
 public:
  using Callback = std::function<void(Instant deadline, uint64_t payload)>;

  explicit RealtimeTimerService(Callback on_fire,
                                std::chrono::milliseconds max_sleep = std::chrono::milliseconds(1000));
  ~RealtimeTimerService();  // stops the thread; timers not yet fired are dropped
  RealtimeTimerService(const RealtimeTimerService&) = delete;
  RealtimeTimerService& operator=(const RealtimeTimerService&) = delete;

  // The pause before a poll that ran out of memory is tried again.
  static constexpr std::chrono::milliseconds kRetryAfter{100};

  TimerWheel::Handle arm(Instant deadline, uint64_t payload);
  bool cancel(TimerWheel::Handle handle);
  size_t size() const;
  // Times the service's thread ran out of memory: a poll, or setting up its next wait (each
  // time it went on kRetryAfter later).
  uint64_t polls_out_of_memory() const noexcept;

  // Milliseconds since the Unix epoch from the system clock.
  static Instant system_now();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace whistle
