// PerThread<T>: one T per thread that uses the owner, found through a thread-local cache (one
// owner per type per thread is remembered; switching owners costs a locked lookup). Slots
// live as long as the owner, so a thread that exits leaves its (idle) slot behind.
// Thread model: local() from any thread; for_each() under the registry lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace whistle::engine {

inline uint64_t next_owner_id() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

template <class T>
class PerThread {
 public:
  T& local() {
    thread_local uint64_t cached_owner = 0;
    thread_local T* cached = nullptr;
    if (cached_owner == id_) return *cached;
    std::lock_guard lock(mutex_);
    const auto me = std::this_thread::get_id();
    size_t i = 0;
    while (i < owners_.size() && owners_[i] != me) ++i;
    if (i == owners_.size()) {
      slots_.push_back(std::make_unique<T>());
      owners_.push_back(me);
    }
    cached_owner = id_;
    cached = slots_[i].get();
    return *cached;
  }
  // Calls f(T&) for every thread's slot, holding the registry lock.
  template <class F>
  void for_each(F&& f) {
    std::lock_guard lock(mutex_);
    for (auto& slot : slots_) f(*slot);
  }
  std::mutex& registry_mutex() { return mutex_; }
  std::vector<std::unique_ptr<T>>& slots() { return slots_; }  // under registry_mutex()

 private:
  const uint64_t id_ = next_owner_id();
  std::mutex mutex_;
  std::vector<std::unique_ptr<T>> slots_;
  std::vector<std::thread::id> owners_;
};

}  // namespace whistle::engine
