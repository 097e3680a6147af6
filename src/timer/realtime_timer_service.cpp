#include "whistle/realtime_timer_service.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

namespace whistle {

struct RealtimeTimerService::Impl {
  Callback on_fire;
  std::chrono::milliseconds max_sleep{};
  mutable std::mutex mutex;
  TimerWheel wheel{system_now()};
  Instant wake_at = TimerWheel::kNever;  // when the ticker is due to wake (under mutex)
  boost::asio::io_context io;
  boost::asio::steady_timer ticker{io};
  static constexpr size_t kBatch = 4096;
  // Taken under the lock, delivered outside it; room for a batch from the start, so taking
  // one never allocates.
  std::vector<std::pair<Instant, uint64_t>> due;
  std::atomic<uint64_t> polls_out_of_memory{0};
  std::thread thread;

  // Sleeps until the earliest deadline the wheel may hold, or max_sleep; after a poll that ran
  // out of memory, for the retry pause. Runs on the io thread.
  void schedule(bool retry = false) {
    Instant now = system_now(), wake;
    {
      std::lock_guard lock(mutex);
      wake = retry ? now + kRetryAfter.count() : std::min(wheel.next_deadline_bound(), now + max_sleep.count());
      wake_at = wake;
    }
    ticker.expires_after(std::chrono::milliseconds(std::max<Instant>(0, wake - now)));
    ticker.async_wait([this](const boost::system::error_code& error) {
      if (error) return;  // cancelled: rescheduled or shutting down
      reschedule(/*retry=*/!tick());
    });
  }

  // schedule() on the io thread. Out of memory for the wait itself (setting it up allocates),
  // nothing would wake the thread again: it pauses here instead, fires what is due, and tries
  // again, until the service is being stopped.
  void reschedule(bool retry) {
    for (;;) {
      try {
        schedule(retry);
        return;
      } catch (const std::bad_alloc&) {
        polls_out_of_memory.fetch_add(1, std::memory_order_relaxed);
        if (io.stopped()) return;
        std::this_thread::sleep_for(kRetryAfter);
        if (io.stopped()) return;
        retry = !tick();
      }
    }
  }

  // Fires what is due; false when a poll ran out of memory. Leaving this thread, that
  // bad_alloc would end the host's process: it is counted instead, and the caller tries again
  // after a pause. A poll that throws has lost nothing (TimerWheel), so what is due stays due.
  bool tick() {
    for (;;) {
      due.clear();
      bool more = false, failed = false;
      {
        std::lock_guard lock(mutex);
        try {
          wheel.poll(system_now(), kBatch, [&](Instant deadline, uint64_t payload) { due.emplace_back(deadline, payload); });
          more = wheel.more_due();
        } catch (const std::bad_alloc&) {
          polls_out_of_memory.fetch_add(1, std::memory_order_relaxed);
          failed = true;
        }
      }
      // What the poll took before failing counts as fired: deliver it too.
      for (const auto& [deadline, payload] : due) on_fire(deadline, payload);
      if (failed) return false;
      if (!more) return true;
    }
  }
};

RealtimeTimerService::RealtimeTimerService(Callback on_fire, std::chrono::milliseconds max_sleep)
    : impl_(std::make_unique<Impl>()) {
  impl_->due.reserve(Impl::kBatch);
  impl_->on_fire = std::move(on_fire);
  impl_->max_sleep = max_sleep;
  impl_->schedule();
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

// io_context::stop() is thread-safe and allocates nothing: a destructor cannot fail on it.
RealtimeTimerService::~RealtimeTimerService() {
  impl_->io.stop();
  impl_->thread.join();
}

TimerWheel::Handle RealtimeTimerService::arm(Instant deadline, uint64_t payload) {
  std::lock_guard lock(impl_->mutex);
  const TimerWheel::Handle handle = impl_->wheel.arm(deadline, payload);
  if (deadline < impl_->wake_at) {
    const Instant wake_before = impl_->wake_at;
    impl_->wake_at = deadline;
    // Wake the io thread to sleep again until this earlier deadline. Posting allocates: if
    // that fails, the timer is taken back and arm() throws having changed nothing, so the
    // caller is never left without the handle of a timer that will fire.
    try {
      boost::asio::post(impl_->io, [impl = impl_.get()] {
        impl->ticker.cancel();
        impl->reschedule(/*retry=*/false);
      });
    } catch (...) {
      impl_->wheel.cancel(handle);
      impl_->wake_at = wake_before;
      throw;
    }
  }
  return handle;
}

bool RealtimeTimerService::cancel(TimerWheel::Handle handle) {
  std::lock_guard lock(impl_->mutex);
  return impl_->wheel.cancel(handle);
}

uint64_t RealtimeTimerService::polls_out_of_memory() const noexcept {
  return impl_->polls_out_of_memory.load(std::memory_order_relaxed);
}

size_t RealtimeTimerService::size() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->wheel.size();
}

Instant RealtimeTimerService::system_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace whistle
