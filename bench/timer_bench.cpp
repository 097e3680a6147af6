// The deadline timer wheel against its peers on the same workloads in the same run: a binary
// heap with lazy deletion (generation-checked handles, as the wheel's) and Boost.Asio timers
// (basic_waitable_timer on a manual clock, so expiry can be driven like the wheel's).
//
// Workloads, at 100k and 10M live timers (Asio: 1M), deadlines uniform over 30 days or
// clustered on the instants SLA deadlines pile up at (00:00 and 17:30 of working days):
//   Arm     arm 1M timers into a structure already holding N;
//   Cancel  cancel min(N/10, 1M) random timers of N, handles at hand (then re-arm them, untimed);
//   Expire  fire all N, advancing the clock in one-minute steps;
//   Mixed   the engine's pattern: per case arm two, cancel one, let one fire.
// Asio's epoll reactor learns of due timers from a timerfd armed on the real clock, so a manual
// clock never wakes it; the select reactor checks its timer queue on every poll. (This binary
// does not link whistle's realtime driver, which uses epoll.)
#define BOOST_ASIO_DISABLE_EPOLL 1
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <numeric>

#include "bench_support.hpp"
#include "whistle/timer_wheel.hpp"

namespace whistle::bench {
namespace {

constexpr Instant kStart = 1'759'276'800'000;  // 2025-10-01T00:00:00Z
constexpr Instant kDay = 86'400'000;
constexpr Instant kHorizon = 30 * kDay;
constexpr size_t kBatch = 1'000'000;

// Deadlines for a run: uniform ms over 30 days, or clustered on 00:00 and 17:30 (+08:00)
// of the next 30 days with a spread of a few seconds.
std::vector<Instant> deadlines(size_t n, bool clustered, uint64_t seed) {
  sample::Random rng(seed);
  std::vector<Instant> out(n);
  for (auto& d : out) {
    if (clustered) {
      const Instant day = kStart + static_cast<Instant>(1 + rng.below(30)) * kDay - 8 * 3'600'000;
      d = day + (rng.below(2) ? 0 : (17 * 60 + 30) * 60'000) + static_cast<Instant>(rng.below(5) * 1000);
    } else {
      d = kStart + 1 + static_cast<Instant>(rng.below(static_cast<uint64_t>(kHorizon)));
    }
  }
  return out;
}

// ---- peer: binary heap with lazy deletion ----
class LazyHeap {
 public:
  using Handle = uint64_t;
  Handle arm(Instant deadline, uint64_t payload) {
    uint32_t id;
    if (!free_.empty()) {
      id = free_.back();
      free_.pop_back();
    } else {
      id = static_cast<uint32_t>(generation_.size());
      generation_.push_back(0);
    }
    const uint32_t g = ++generation_[id];
    heap_.push_back({deadline, payload, id, g});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
    ++live_;
    return (Handle{g} << 32) | id;
  }
  bool cancel(Handle h) {
    const auto id = static_cast<uint32_t>(h);
    if (id >= generation_.size() || generation_[id] != static_cast<uint32_t>(h >> 32)) return false;
    ++generation_[id];
    free_.push_back(id);
    --live_;
    // The wheel's bound on garbage, so that a cancel/re-arm loop cannot grow the heap forever
    // (Go's runtime timers do the same with a quarter): the compaction is part of cancel's cost.
    if (++dead_ > 2 * live_ + TimerWheel::kSweepSlack) compact();
    return true;
  }
  template <class F>
  size_t advance(Instant now, F&& f) {
    size_t fired = 0;
    while (!heap_.empty() && heap_.front().deadline <= now) {
      std::pop_heap(heap_.begin(), heap_.end(), Later{});
      const Entry e = heap_.back();
      heap_.pop_back();
      if (generation_[e.id] != e.generation) {  // cancelled: dropped lazily
        --dead_;
        continue;
      }
      ++generation_[e.id];
      free_.push_back(e.id);
      --live_;
      ++fired;
      f(e.deadline, e.payload);
    }
    return fired;
  }
  void compact() {  // drops cancelled entries, as the wheel's compact does
    heap_.erase(std::remove_if(heap_.begin(), heap_.end(), [&](const Entry& e) { return generation_[e.id] != e.generation; }),
                heap_.end());
    std::make_heap(heap_.begin(), heap_.end(), Later{});
    dead_ = 0;
  }
  void reserve(size_t n) {  // faults the arrays in, as the wheel's reserve does its generations
    const size_t entries = heap_.size(), timers = generation_.size();
    heap_.resize(std::max(n, entries));
    heap_.resize(entries);
    generation_.resize(std::max(n, timers));
    generation_.resize(timers);
    free_.reserve(n);
  }
  size_t size() const { return live_; }
  size_t memory_bytes() const {
    return heap_.capacity() * sizeof(Entry) + (generation_.capacity() + free_.capacity()) * sizeof(uint32_t);
  }

 private:
  struct Entry {
    Instant deadline;
    uint64_t payload;
    uint32_t id, generation;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.deadline != b.deadline ? a.deadline > b.deadline : a.payload > b.payload;
    }
  };
  std::vector<Entry> heap_;
  std::vector<uint32_t> generation_, free_;
  size_t live_ = 0;
  size_t dead_ = 0;  // cancelled entries still in the heap
};

// ---- peer: Boost.Asio timers on a manual clock ----
Instant g_manual_now = kStart;
struct ManualClock {
  using rep = int64_t;
  using period = std::milli;
  using duration = std::chrono::milliseconds;
  using time_point = std::chrono::time_point<ManualClock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept { return time_point(duration(g_manual_now)); }
};
using AsioTimer = boost::asio::basic_waitable_timer<ManualClock>;

struct AsioTimers {
  boost::asio::io_context io;
  std::vector<AsioTimer> timers;
  size_t fired = 0;
  explicit AsioTimers(size_t n) {
    timers.reserve(n);
    for (size_t i = 0; i < n; ++i) timers.emplace_back(io);
  }
  void arm(size_t i, Instant deadline) {
    timers[i].expires_at(ManualClock::time_point(std::chrono::milliseconds(deadline)));
    timers[i].async_wait([this](const boost::system::error_code& ec) { fired += !ec; });
  }
  void cancel(size_t i) { timers[i].cancel(); }
  size_t advance(Instant now) {
    g_manual_now = now;
    const size_t before = fired;
    io.restart();
    io.poll();
    return fired - before;
  }
};

// Wheel and heap share one benchmark body through this adapter.
struct WheelAdapter {
  TimerWheel wheel{kStart};
  TimerWheel::Handle arm(Instant d, uint64_t p) { return wheel.arm(d, p); }
  bool cancel(TimerWheel::Handle h) { return wheel.cancel(h); }
  template <class F>
  size_t advance(Instant now, F&& f) {
    return wheel.advance(now, f);
  }
  void reserve(size_t n) { wheel.reserve(n); }
  void compact() { wheel.compact(); }
  size_t size() const { return wheel.size(); }
  size_t memory_bytes() const { return wheel.memory_bytes(); }
};

template <class T>
void fill(T& t, const std::vector<Instant>& ds, std::vector<uint64_t>& handles) {
  handles.resize(ds.size());
  for (size_t i = 0; i < ds.size(); ++i) handles[i] = t.arm(ds[i], i);
}

template <class T>
void BM_Arm(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const bool clustered = state.range(1) != 0;
  const auto base = deadlines(n, clustered, 1), extra = deadlines(kBatch, clustered, 2);
  std::vector<uint64_t> handles, added(kBatch);
  T t;
  t.reserve(n + kBatch);
  fill(t, base, handles);
  for (auto _ : state) {
    for (size_t i = 0; i < kBatch; ++i) added[i] = t.arm(extra[i], n + i);
    state.PauseTiming();
    for (uint64_t h : added) t.cancel(h);
    t.compact();  // back to N live with their storage free for reuse: a steady state
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
}

template <class T>
void BM_Cancel(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const bool clustered = state.range(1) != 0;
  const auto base = deadlines(n, clustered, 1);
  std::vector<uint64_t> handles;
  T t;
  t.reserve(n);
  fill(t, base, handles);
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  sample::Random rng(3);
  for (size_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
  const size_t k = std::min(n / 10, kBatch);  // live stays near n
  // The victims' handles are gathered outside the timed loop: reading each from a random place
  // in an array of N handles is a miss of the caller's, not of cancel (the same for both peers).
  std::vector<uint64_t> victims(k);
  size_t from = 0;
  const auto gather = [&] {
    if (from + k > n) from = 0;
    for (size_t j = 0; j < k; ++j) victims[j] = handles[order[from + j]];
  };
  gather();
  for (auto _ : state) {
    for (size_t j = 0; j < k; ++j) benchmark::DoNotOptimize(t.cancel(victims[j]));
    state.PauseTiming();
    for (size_t j = 0; j < k; ++j) handles[order[from + j]] = t.arm(base[order[from + j]], order[from + j]);
    from += k;
    gather();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * k));
}

template <class T>
void BM_Expire(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const bool clustered = state.range(1) != 0;
  const auto base = deadlines(n, clustered, 1);
  std::vector<uint64_t> handles;
  size_t fired = 0;
  double bytes_per_timer = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto t = std::make_unique<T>();
    fill(*t, base, handles);  // grown by arming alone, no reserve: what a host would see
    bytes_per_timer = double(t->memory_bytes()) / double(n);
    state.ResumeTiming();
    for (Instant now = kStart; now <= kStart + kHorizon + kDay; now += 60'000) {
      fired += t->advance(now, [](Instant, uint64_t p) { benchmark::DoNotOptimize(p); });
    }
    state.PauseTiming();
    t.reset();
    state.ResumeTiming();
  }
  if (fired != n * state.iterations()) state.SkipWithError("not every timer fired");
  state.SetItemsProcessed(static_cast<int64_t>(fired));
  state.counters["bytes_per_timer"] = bytes_per_timer;
}

// Per case: arm accept and resolve, cancel accept (accepted), let resolve fire.
template <class T>
void BM_Mixed(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const bool clustered = state.range(1) != 0;
  const auto base = deadlines(2 * n, clustered, 1);
  size_t fired = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto t = std::make_unique<T>();
    t->reserve(2 * n);
    state.ResumeTiming();
    for (size_t i = 0; i < n; ++i) {
      const auto accept = t->arm(base[2 * i], 2 * i);
      t->arm(base[2 * i + 1], 2 * i + 1);
      t->cancel(accept);
    }
    for (Instant now = kStart; now <= kStart + kHorizon + kDay; now += 60'000) {
      fired += t->advance(now, [](Instant, uint64_t p) { benchmark::DoNotOptimize(p); });
    }
    state.PauseTiming();
    t.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(n * state.iterations()));
}

// ---- Asio (1M timers) ----
void BM_AsioArm(benchmark::State& state) {
  const size_t n = 1'000'000;
  const bool clustered = state.range(1) != 0;
  const auto ds = deadlines(n, clustered, 1);
  for (auto _ : state) {
    state.PauseTiming();
    g_manual_now = kStart;
    auto a = std::make_unique<AsioTimers>(n);
    state.ResumeTiming();
    for (size_t i = 0; i < n; ++i) a->arm(i, ds[i]);
    state.PauseTiming();
    a.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}

void BM_AsioCancel(benchmark::State& state) {
  const size_t n = 1'000'000;
  const bool clustered = state.range(1) != 0;
  const auto ds = deadlines(n, clustered, 1);
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  sample::Random rng(3);
  for (size_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
  for (auto _ : state) {
    state.PauseTiming();
    g_manual_now = kStart;
    auto a = std::make_unique<AsioTimers>(n);
    for (size_t i = 0; i < n; ++i) a->arm(i, ds[i]);
    state.ResumeTiming();
    for (size_t i : order) a->cancel(i);
    a->advance(kStart);  // runs the cancelled handlers: part of the cost of a cancel
    state.PauseTiming();
    a.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}

void BM_AsioExpire(benchmark::State& state) {
  const size_t n = 1'000'000;
  const bool clustered = state.range(1) != 0;
  const auto ds = deadlines(n, clustered, 1);
  size_t fired = 0;
  for (auto _ : state) {
    state.PauseTiming();
    g_manual_now = kStart;
    auto a = std::make_unique<AsioTimers>(n);
    for (size_t i = 0; i < n; ++i) a->arm(i, ds[i]);
    state.ResumeTiming();
    for (Instant now = kStart; now <= kStart + kHorizon + kDay; now += 60'000) fired += a->advance(now);
    state.PauseTiming();
    a.reset();
    state.ResumeTiming();
  }
  if (fired != n * state.iterations()) state.SkipWithError("not every timer fired");
  state.SetItemsProcessed(static_cast<int64_t>(fired));
}

void sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"live", "clustered"});
  for (int64_t n : {100'000, 10'000'000}) {
    for (int64_t c : {0, 1}) b->Args({n, c});
  }
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}
void asio_sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"live", "clustered"})->Args({1'000'000, 0})->Args({1'000'000, 1});
  b->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
}
void wheel_1m(benchmark::internal::Benchmark* b) {
  b->ArgNames({"live", "clustered"})->Args({1'000'000, 0})->Args({1'000'000, 1});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK_TEMPLATE(BM_Arm, WheelAdapter)->Apply(sizes)->Apply(wheel_1m);
BENCHMARK_TEMPLATE(BM_Arm, LazyHeap)->Apply(sizes);
BENCHMARK(BM_AsioArm)->Apply(asio_sizes);
// Cancel runs whole garbage cycles: each peer drops its cancelled entries once they outnumber
// twice the live ones (+ kSweepSlack), so a fixed number of iterations covering exactly two
// such compactions puts the same share of them in every figure (a timed loop would include
// none or one, by chance).
template <int64_t N>
void cancel_cycles(benchmark::internal::Benchmark* b) {
  const int64_t per_iteration = std::min<int64_t>(N / 10, kBatch);
  b->ArgNames({"live", "clustered"})->Args({N, 0})->Args({N, 1});
  // Cancels until the first pass.
  constexpr auto kFirstPass = 2 * N + static_cast<int64_t>(TimerWheel::kSweepSlack) + 1;
  b->Iterations((2 * kFirstPass + per_iteration - 1) / per_iteration);
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK_TEMPLATE(BM_Cancel, WheelAdapter)->Apply(cancel_cycles<100'000>);
BENCHMARK_TEMPLATE(BM_Cancel, WheelAdapter)->Apply(cancel_cycles<10'000'000>);
BENCHMARK_TEMPLATE(BM_Cancel, WheelAdapter)->Apply(cancel_cycles<1'000'000>);
BENCHMARK_TEMPLATE(BM_Cancel, LazyHeap)->Apply(cancel_cycles<100'000>);
BENCHMARK_TEMPLATE(BM_Cancel, LazyHeap)->Apply(cancel_cycles<10'000'000>);
BENCHMARK(BM_AsioCancel)->Apply(asio_sizes);
BENCHMARK_TEMPLATE(BM_Expire, WheelAdapter)->Apply(sizes)->Apply(wheel_1m)->Iterations(2);
BENCHMARK_TEMPLATE(BM_Expire, LazyHeap)->Apply(sizes)->Iterations(2);
BENCHMARK(BM_AsioExpire)->Apply(asio_sizes);
BENCHMARK_TEMPLATE(BM_Mixed, WheelAdapter)->Apply(sizes)->Iterations(2);
BENCHMARK_TEMPLATE(BM_Mixed, LazyHeap)->Apply(sizes)->Iterations(2);

}  // namespace
}  // namespace whistle::bench

int main(int argc, char** argv) {
  whistle::bench::NamePairs heap, asio;
  for (const char* op : {"Arm", "Cancel", "Expire", "Mixed"}) {
    const std::string wheel = std::string("BM_") + op + "<WheelAdapter>/";
    for (const char* args : {"live:100000/clustered:0", "live:100000/clustered:1", "live:10000000/clustered:0",
                             "live:10000000/clustered:1"}) {
      heap.emplace_back(wheel + args, std::string("BM_") + op + "<LazyHeap>/" + args);
    }
    for (const char* args : {"live:1000000/clustered:0", "live:1000000/clustered:1"}) {
      asio.emplace_back(wheel + args, std::string("BM_Asio") + op + "/" + args);
    }
  }
  return whistle::bench::run_benchmarks(argc, argv, {{"the wheel over the lazy heap", heap}, {"the wheel over Boost.Asio", asio}});
}
