// SpinLock: a one-word lock for critical sections of tens of nanoseconds (a shard's case
// update, an event append). Spins with `pause`, then yields, so a preempted holder on a busy
// VM costs a time slice, not a burned core. Satisfies Lockable (std::lock_guard works).
// prefetch_to_write: fetches a lock's line ahead of taking it.
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

// Asks for the line at p in the state a write needs (owned, the other cores' copies dropped),
// without waiting for it: started early, the transfer of a lock line another core wrote last
// overlaps the work before the lock. `prefetchw` is a no-op on x86 cores that lack it.
inline void prefetch_to_write(const void* p) noexcept {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetchw %0" ::"m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p, 1);
#endif
}

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
