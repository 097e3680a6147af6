#include "engine/realtime_driver.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <new>
#include <thread>

namespace whistle::engine {

// Everything below runs on the driver's thread, except wake_at (read by wake_before).
struct RealtimeDriver::Loop {
  std::function<void()> advance;
  std::function<Instant()> next_due;
  std::function<Instant()> now;
  std::atomic<Instant> wake_at{0};
  std::atomic<uint64_t> out_of_memory{0};
  boost::asio::io_context io;
  boost::asio::steady_timer timer{io};
  std::thread thread;

  // Advances, then waits for the next wake. Out of memory for the wait itself (setting it up
  // allocates), there is nothing to wake this thread later: it pauses here instead, unless
  // the loop is being stopped, and goes round again.
  void run_once() {
    while (!wait(advance_once())) {
      out_of_memory.fetch_add(1, std::memory_order_relaxed);
      if (io.stopped()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(RealtimeDriver::kRetryMs));
      if (io.stopped()) return;
    }
  }

  // False when the advance ran out of memory.
  bool advance_once() {
    try {
      advance();
      return true;
    } catch (const std::bad_alloc&) {
      // Out of memory while firing. Leaving this handler, the exception would leave
      // io_context::run() on our thread and end the host's process. Instead the loop counts
      // it and tries again after a pause: the engine keeps what the failed advance had not
      // fired, and the next advance fires it first. The host sees the count in
      // Engine::stats().
      out_of_memory.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  }

  // Sleeps until the next timer is due (at most a second), or for the retry pause after a
  // failed advance. False if there was no memory to set up the wait.
  bool wait(bool advanced) {
    const Instant t = now();
    const Instant wake = !advanced ? t + RealtimeDriver::kRetryMs : std::max(t + 1, std::min(next_due(), t + 1000));
    wake_at.store(wake, std::memory_order_relaxed);
    try {
      timer.expires_after(std::chrono::milliseconds(wake - t));  // aborts a pending wait
      timer.async_wait([this](const boost::system::error_code& error) {
        if (!error) run_once();
      });
      return true;
    } catch (const std::bad_alloc&) {
      return false;
    }
  }
};

RealtimeDriver::RealtimeDriver(std::function<void()> advance, std::function<Instant()> next_due,
                               std::function<Instant()> now)
    : loop_(std::make_unique<Loop>()) {
  loop_->advance = std::move(advance);
  loop_->next_due = std::move(next_due);
  loop_->now = std::move(now);
}

void RealtimeDriver::start() {
  if (loop_->thread.joinable()) return;
  boost::asio::post(loop_->io, [loop = loop_.get()] { loop->run_once(); });
  loop_->thread = std::thread([loop = loop_.get()] { loop->io.run(); });
}

// io_context::stop() is thread-safe and allocates nothing (posting a handler that stops it
// would allocate, and could fail in a destructor).
void RealtimeDriver::stop() noexcept {
  if (!loop_->thread.joinable()) return;
  loop_->io.stop();
  loop_->thread.join();
}

RealtimeDriver::~RealtimeDriver() { stop(); }

uint64_t RealtimeDriver::out_of_memory() const noexcept {
  return loop_->out_of_memory.load(std::memory_order_relaxed);
}

void RealtimeDriver::wake_before(Instant at) noexcept {
  Instant wake = loop_->wake_at.load(std::memory_order_relaxed);
  while (at < wake) {
    if (loop_->wake_at.compare_exchange_weak(wake, at, std::memory_order_relaxed)) {
      try {
        boost::asio::post(loop_->io, [loop = loop_.get()] { loop->run_once(); });
      } catch (const std::bad_alloc&) {
        // No memory for the handler: the loop still wakes within a second (run_once never
        // sleeps longer), and fires what is due then.
      }
      return;
    }
  }
}

}  // namespace whistle::engine
