// SpinLock: a one-word lock for critical sections of tens of nanoseconds (a shard's case
// update, an event append). Spins with `pause`, then yields, so a preempted holder on a busy
// VM costs a time slice, not a burned core. Satisfies Lockable (std::lock_guard works).
#pragma once

#include <atomic>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define WHISTLE_CPU_RELAX() _mm_pause()
#else
#define WHISTLE_CPU_RELAX() ((void)0)
#endif

namespace whistle::engine {

class SpinLock {
 public:
  void lock() noexcept {
    for (;;) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      for (int spins = 0; locked_.load(std::memory_order_relaxed); ++spins) {
        if (spins < 64) {
          WHISTLE_CPU_RELAX();
        } else {
          std::this_thread::yield();
        }
      }
    }
  }
  bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) && !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace whistle::engine
