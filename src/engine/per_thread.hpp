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
  // The fast path is the cache check alone, inline; registering a thread is out of line.
  T& local() {
    if (cache_.owner == id_) [[likely]]
      return *cache_.slot;
    return register_thread();
  }
  // The calling thread's slot if its cache holds it (no lookup, no registration), else null.
  T* cached_local() const noexcept { return cache_.owner == id_ ? cache_.slot : nullptr; }
  // Calls f(T&) for every thread's slot, holding the registry lock.
  template <class F>
  void for_each(F&& f) {
    std::lock_guard lock(mutex_);
    for (auto& slot : slots_) f(*slot);
  }
  std::mutex& registry_mutex() { return mutex_; }
  std::vector<std::unique_ptr<T>>& slots() { return slots_; }  // under registry_mutex()

 private:
  struct Cache {
    uint64_t owner = 0;
    T* slot = nullptr;
  };
  static thread_local Cache cache_;

  [[gnu::noinline]] T& register_thread() {
    std::lock_guard lock(mutex_);
    const auto me = std::this_thread::get_id();
    size_t i = 0;
    while (i < owners_.size() && owners_[i] != me) ++i;
    if (i == owners_.size()) {
      slots_.push_back(std::make_unique<T>());
      owners_.push_back(me);
    }
    cache_ = {id_, slots_[i].get()};
    return *cache_.slot;
  }

  const uint64_t id_ = next_owner_id();
  std::mutex mutex_;
  std::vector<std::unique_ptr<T>> slots_;
  std::vector<std::thread::id> owners_;
};

template <class T>
thread_local typename PerThread<T>::Cache PerThread<T>::cache_;

}  // namespace whistle::engine
