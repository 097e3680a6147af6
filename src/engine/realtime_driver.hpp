// RealtimeDriver: the realtime clock of an engine — a thread running a Boost.Asio io_context
// whose steady_timer sleeps until the earliest timer any shard holds (at most a second), then
// advances the engine to the system time. An operation arming an earlier deadline wakes it.
// An advance that throws std::bad_alloc is counted and tried again kRetryMs later; it never
// leaves the thread (that would end the process). No memory to set up the next wait counts
// too: the thread then pauses for kRetryMs itself and goes round again.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "whistle/time.hpp"

namespace whistle::engine {

class RealtimeDriver {
 public:
  static constexpr Instant kRetryMs = 100;  // after an advance ran out of memory

  // `advance` brings the engine to `now()`; `next_due` reads its earliest deadline.
  // Nothing runs until start(): the owner publishes the driver first, so that the thread
  // (which reaches wake_before through the engine) never sees a half-assigned pointer.
  RealtimeDriver(std::function<void()> advance, std::function<Instant()> next_due, std::function<Instant()> now);
  ~RealtimeDriver();  // stop()
  RealtimeDriver(const RealtimeDriver&) = delete;
  RealtimeDriver& operator=(const RealtimeDriver&) = delete;

  void start();
  // Stops and joins the thread; idempotent. Call before the driver is unpublished.
  void stop() noexcept;

  // Called when a timer due at `at` was armed: wakes the thread if it sleeps past it.
  void wake_before(Instant at) noexcept;
  // Times the thread ran out of memory so far (an advance, or setting up its next wait).
  uint64_t out_of_memory() const noexcept;

 private:
  struct Loop;
  std::unique_ptr<Loop> loop_;
};

}  // namespace whistle::engine
