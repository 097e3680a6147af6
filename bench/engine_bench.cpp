// The case engine on the sample county:
//   Submit     end to end — locate, resolve, create the case, arm accept and resolve, emit the
//              event — with 1 and 2 threads (thread 0 polls every thread's events);
//   SubmitPairs the 2-thread ratio again: the same million submissions by 1 and by 2 threads
//              (taken in blocks off a shared counter), the median of alternated pairs, so
//              that this VM's slow minutes fall on both sides; with both threads submitting
//              into every shard (partitioned:0), and each into its own partition of the
//              shards (partitioned:1, Engine::partition_of);
//   Lifecycle  submit → accept → resolve → verify → evaluate on the manual clock, a share of
//              them late so warnings, breaches and escalations fire;
//   Memory     bytes per open case (RSS and the engine's own count) at 10M open cases;
//   CaseStore  the shards' case tables against tbb::concurrent_hash_map in the same run, with
//              sequential ids, scattered ids and ids in steps of 16.
#include <malloc.h>
#include <tbb/concurrent_hash_map.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <fstream>
#include <thread>

#include "bench_support.hpp"
#include "engine/case_table.hpp"
#include "engine/spin_lock.hpp"
#include "sample/sample_model.hpp"
#include "sample/workload.hpp"
#include "whistle/engine.hpp"

namespace whistle::bench {
namespace {

constexpr Instant kStart = 1'758'852'000'000;  // 2025-09-26T10:00:00+08:00

std::shared_ptr<const Model> county() {
  static const std::shared_ptr<const Model> model = [] {
    const std::string dir = scratch_dir("engine");
    if (!sample::write_model_files(sample::make_sample_county(), dir).ok()) std::abort();
    auto m = Model::load_directory(dir);
    if (!m.ok()) std::abort();
    return *m;
  }();
  return model;
}

// Cases spread over the county (clustered around places, as real ones are).
struct Workload {
  std::vector<LonLat> points;
  std::vector<MatterId> matters;
  explicit Workload(size_t n) {
    const sample::TilingSpec t = sample::county_tiling({});
    const Box box{t.x0 / kUnitsPerDegree, t.y0 / kUnitsPerDegree, (t.x0 + double(t.cols) * t.cell) / kUnitsPerDegree,
                  (t.y0 + double(t.rows) * t.cell) / kUnitsPerDegree};
    points = clustered_points(box, n, 5, 40);
    sample::Random rng(6);
    matters.resize(n);
    for (auto& m : matters) m = static_cast<MatterId>(rng.below(county()->matters().size()));
  }
};

const Workload& workload() {
  static const Workload w(1 << 20);
  return w;
}

size_t drain(Engine& engine, EventBatch& batch) {
  size_t n = 0;
  while (size_t k = engine.poll_events(batch, 4096)) n += k;
  return n;
}

std::unique_ptr<Engine> g_engine;
constexpr size_t kSubmitsPerThread = 1'500'000;
std::atomic<uint64_t> g_latency_id{1ull << 62};

// The submissions of one bench thread: the workload's points and matters in turn (each thread
// from its own place), ids of the thread's own.
class SubmitStream {
 public:
  explicit SubmitStream(int thread) : i_(static_cast<size_t>(thread) * 7919), id_((static_cast<CaseId>(thread) << 40) + 1) {
    submission.received = kStart;
    submission.channel = "hotline";
  }
  // Fills `submission` with the next case and submits it.
  bool next(Engine& engine) {
    fill(id_++, i_++);
    return engine.submit(submission).ok();
  }
  // Fills `submission` with case `id` at the workload's place n (wrapping).
  void fill(CaseId id, size_t n) {
    const size_t k = n & (w_.points.size() - 1);
    submission.id = id;
    submission.point = w_.points[k];
    submission.matter = w_.matters[k];
  }
  Submission submission;

 private:
  const Workload& w_ = workload();
  size_t i_;
  CaseId id_;
};

void BM_Submit(benchmark::State& state) {
  if (state.thread_index() == 0) {
    EngineOptions options;
    options.start = kStart;
    options.expected_cases = kSubmitsPerThread * static_cast<size_t>(state.threads()) + 300'000;
    g_engine.reset();
    g_engine = std::move(Engine::open(county(), options)).value();
  }
  // Google Benchmark starts the threads' loops together, after thread 0's setup.
  EventBatch batch;
  SubmitStream stream(state.thread_index());
  size_t done = 0;
  for (auto _ : state) {
    if (!stream.next(*g_engine)) state.SkipWithError("submit failed");
    // One poller, as a host runs: thread 0 takes the events of all threads.
    if ((++done & 1023) == 0 && state.thread_index() == 0) drain(*g_engine, batch);
  }
  if (state.thread_index() == 0) drain(*g_engine, batch);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  if (state.thread_index() == 0) {
    // Latency of single submissions (TSC), on an engine already holding the cases above.
    latency_counters(state, 200'000, [&](size_t n) {
      stream.fill(g_latency_id++, n);
      benchmark::DoNotOptimize(g_engine->submit(stream.submission));
      if ((n & 1023) == 0) drain(*g_engine, batch);
    });
  }
}

// Submissions per second of `threads` threads submitting `total` cases into a fresh engine,
// from the threads' start to the last one's end. The cases go out in blocks of 1,024 from a
// shared counter, as a host's worker pool takes requests off one queue: thread 0, which also
// drains everyone's events after each of its blocks, simply takes fewer blocks. (With fixed
// halves, thread 1 idled through the last tenth of a run waiting for thread 0.)
// Partitioned, each thread numbers its cases in its own partition (Engine::partition_of), as
// a host does that gives each worker a partition: case n of a block becomes the first of n+1,
// n+1 + 2^40, n+1 + 2·2^40, … in the thread's partition. Otherwise the ids are n+1, hashed
// over every shard, so both threads write every shard.
double submit_rate(int threads, size_t total, bool partitioned) {
  constexpr size_t kBlock = 1024;
  EngineOptions options;
  options.start = kStart;
  options.expected_cases = total + 300'000;
  auto engine = std::move(Engine::open(county(), options)).value();
  using Clock = std::chrono::steady_clock;
  std::barrier start(threads + 1);
  std::vector<Clock::time_point> ends(static_cast<size_t>(threads));
  std::atomic<size_t> next_block{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      SubmitStream stream(0);
      EventBatch batch;
      start.arrive_and_wait();
      for (;;) {
        const size_t block = next_block.fetch_add(1, std::memory_order_relaxed);
        if (block * kBlock >= total) break;
        for (size_t n = block * kBlock; n < std::min(total, (block + 1) * kBlock); ++n) {
          CaseId id = n + 1;
          while (partitioned && engine->partition_of(id, static_cast<uint32_t>(threads)) != static_cast<uint32_t>(t)) {
            id += CaseId{1} << 40;
          }
          stream.fill(id, n);
          if (!engine->submit(stream.submission).ok()) failed = true;
        }
        if (t == 0) drain(*engine, batch);
      }
      ends[static_cast<size_t>(t)] = Clock::now();
    });
  }
  start.arrive_and_wait();
  const Clock::time_point begin = Clock::now();
  for (auto& thread : pool) thread.join();
  if (failed) return 0;
  const double seconds = std::chrono::duration<double>(*std::max_element(ends.begin(), ends.end()) - begin).count();
  return static_cast<double>(total) / seconds;
}

// Each iteration is one pair: a 1-thread and a 2-thread run (the order alternating), their
// ratio; the counters are the median, lowest and highest ratio of the repetition's pairs.
// partitioned:0 both threads submit into every shard; partitioned:1 each into its own part.
void BM_SubmitPairs(benchmark::State& state) {
  constexpr size_t kCases = 1'000'000;
  const bool partitioned = state.range(0) != 0;
  std::vector<double> ratios;
  for (auto _ : state) {
    const bool one_first = ratios.size() % 2 == 0;
    const double first = submit_rate(one_first ? 1 : 2, kCases, partitioned),
                 second = submit_rate(one_first ? 2 : 1, kCases, partitioned);
    const double one = one_first ? first : second, two = one_first ? second : first;
    if (one <= 0 || two <= 0) {
      state.SkipWithError("submit failed");
      return;
    }
    ratios.push_back(two / one);
  }
  std::sort(ratios.begin(), ratios.end());
  state.counters["ratio_median"] = ratios[ratios.size() / 2];
  state.counters["ratio_min"] = ratios.front();
  state.counters["ratio_max"] = ratios.back();
}

// The sample workload (sample/workload.hpp): whole lifecycles in time order on the manual
// clock — submit, accept, resolve, verify, evaluate, with returns, whistles, redo, reopened and
// unevaluated cases, a share of every stage late so warnings, breaches and escalations fire.
void BM_Lifecycle(benchmark::State& state) {
  sample::WorkloadSpec spec;
  spec.cases = static_cast<size_t>(state.range(0));
  static const sample::Workload w = sample::make_workload(*county(), spec);
  size_t events = 0, rejected = 0;
  std::array<size_t, kEventKindCount> kinds{};
  for (auto _ : state) {
    state.PauseTiming();
    EngineOptions options;
    options.start = spec.start;
    options.expected_cases = spec.cases;
    auto engine = std::move(Engine::open(county(), options)).value();
    sample::WorkloadRunner runner(*engine, w);
    EventBatch batch;
    kinds = {};
    state.ResumeTiming();
    for (size_t from = 0; from < w.ops.size(); from += 4096) {
      rejected += runner.run(from, std::min(w.ops.size(), from + 4096));
      while (engine->poll_events(batch, 8192) > 0) {
        events += batch.size();
        for (const Event& e : batch) ++kinds[static_cast<size_t>(e.kind)];
      }
    }
    (void)engine->advance(spec.start + (spec.days + 30) * int64_t{86'400'000});  // every stage runs out
    while (engine->poll_events(batch, 8192) > 0) {
      events += batch.size();
      for (const Event& e : batch) ++kinds[static_cast<size_t>(e.kind)];
    }
    state.PauseTiming();
    engine.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * spec.cases));
  state.counters["ops_per_case"] = double(w.ops.size()) / double(spec.cases);
  state.counters["events_per_case"] = double(events) / double(state.iterations() * spec.cases);
  state.counters["rejected_per_case"] = double(rejected) / double(state.iterations() * spec.cases);
  for (EventKind k : {EventKind::warned, EventKind::breached, EventKind::escalated, EventKind::report_overdue}) {
    state.counters[std::string(event_kind_name(k))] = double(kinds[static_cast<size_t>(k)]);
  }
}

size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * 4096;
}

void BM_MemoryPerOpenCase(benchmark::State& state) {
  const auto cases = static_cast<size_t>(state.range(0));
  const Workload& w = workload();
  for (auto _ : state) {
    // Memory freed by earlier benchmarks (interleaved repetitions, other peers) goes back to
    // the system first: growth then counts what the engine takes, not what malloc reuses.
    malloc_trim(0);
    const size_t before = rss_bytes();
    EngineOptions options;
    options.start = kStart;
    auto engine = std::move(Engine::open(county(), options)).value();
    EventBatch batch;
    Submission s;
    s.received = kStart;
    s.channel = "hotline";
    for (size_t i = 0; i < cases; ++i) {
      s.id = i + 1;
      s.point = w.points[i & (w.points.size() - 1)];
      s.matter = w.matters[i & (w.points.size() - 1)];
      if (!engine->submit(s).ok()) state.SkipWithError("submit failed");
      if ((i & 4095) == 0) drain(*engine, batch);
    }
    drain(*engine, batch);
    const EngineStats stats = engine->stats();
    state.counters["rss_bytes_per_case"] = double(rss_bytes() - before) / double(cases);
    state.counters["engine_bytes_per_case"] = double(stats.memory_bytes) / double(cases);
    state.counters["timers_per_case"] = double(stats.timers) / double(cases);
  }
}

// ---- the case store alone: whistle's shards against tbb::concurrent_hash_map ----

struct ShardedStore {
  struct alignas(64) Shard {
    engine::SpinLock lock;
    engine::CaseTable table;
  };
  std::vector<std::unique_ptr<Shard>> shards;
  explicit ShardedStore(size_t expected) {
    for (int i = 0; i < 64; ++i) {
      shards.push_back(std::make_unique<Shard>());
      shards.back()->table.reserve(expected / 64 + expected / 512);
    }
  }
  void insert(CaseId id, Instant at) {
    const uint64_t h = engine::mix_id(id);
    Shard& s = *shards[h >> 58];
    std::lock_guard lock(s.lock);
    if (s.table.find(id, h) != engine::kNone) return;
    s.table.at(s.table.insert(id, h)).received = at;
  }
  size_t size() const {
    size_t n = 0;
    for (const auto& s : shards) n += s->table.size();
    return n;
  }
  bool update(CaseId id) {
    const uint64_t h = engine::mix_id(id);
    Shard& s = *shards[h >> 58];
    std::lock_guard lock(s.lock);
    const uint32_t slot = s.table.find(id, h);
    if (slot == engine::kNone) return false;
    s.table.at(slot).state = CaseState::accepted;
    return true;
  }
};

// Memory for the TBB store, faulted in before the timed loop and handed out by a bump pointer
// per thread (blocks of 1 MiB off a shared offset): its nodes, allocated one per insert, then
// cost neither a page fault nor malloc, as whistle's records, reserved and faulted in up
// front, do not. With malloc, what the map paid depended on what the process had freed
// before: in the full suite the 1-thread run reused the memory bench's freed pages, the
// 2-thread one's second thread faulted in an arena of its own; alone, every run faulted.
class PrefaultedArena {
 public:
  static constexpr size_t kBytes = size_t{2} << 30, kBlock = size_t{1} << 20;
  static void reset() {
    if (base_ == nullptr) {
      base_ = static_cast<char*>(allocate_maybe_huge(kBytes));
      for (size_t at = 0; at < kBytes; at += 4096) base_[at] = 0;
    }
    next_.store(0);
    generation_.fetch_add(1);
  }
  static void* take(size_t bytes) {
    bytes = (bytes + 63) & ~size_t{63};
    if (bytes > kBlock / 8) return claim(bytes);
    Cursor& c = cursor_;
    if (c.generation != generation_.load(std::memory_order_relaxed) || c.end - c.next < ptrdiff_t(bytes)) {
      c.next = static_cast<char*>(claim(kBlock));
      c.end = c.next + kBlock;
      c.generation = generation_.load(std::memory_order_relaxed);
    }
    void* p = c.next;
    c.next += bytes;
    return p;
  }

 private:
  struct Cursor {  // zero-initialized, as every thread_local of static storage
    uint64_t generation;
    char* next;
    char* end;
  };
  static void* claim(size_t bytes) {
    const size_t at = next_.fetch_add(bytes);
    if (at + bytes > kBytes) throw std::bad_alloc();
    return base_ + at;
  }
  static inline char* base_ = nullptr;
  static inline std::atomic<size_t> next_{0};
  static inline std::atomic<uint64_t> generation_{0};
  static inline thread_local Cursor cursor_;
};

template <class T>
struct ArenaAllocator {
  using value_type = T;
  ArenaAllocator() noexcept = default;
  template <class U>
  ArenaAllocator(const ArenaAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  T* allocate(size_t n) { return static_cast<T*>(PrefaultedArena::take(n * sizeof(T))); }
  void deallocate(T*, size_t) noexcept {}  // the arena is reset between runs
  template <class U>
  friend bool operator==(const ArenaAllocator&, const ArenaAllocator<U>&) noexcept {
    return true;
  }
};

struct TbbStore {
  using Map = tbb::concurrent_hash_map<CaseId, engine::Case, tbb::tbb_hash_compare<CaseId>,
                                       ArenaAllocator<std::pair<const CaseId, engine::Case>>>;
  Map map;
  // The arena is reset before the map takes its buckets from it (the previous store, whose
  // nodes it held, is gone by then: BM_CaseStore drops it first).
  explicit TbbStore(size_t expected) : map((PrefaultedArena::reset(), expected)) {}
  void insert(CaseId id, Instant at) {
    decltype(map)::accessor a;
    if (map.insert(a, id)) {
      a->second.id = id;
      a->second.received = at;
    }
  }
  size_t size() const { return map.size(); }
  bool update(CaseId id) {
    decltype(map)::accessor a;
    if (!map.find(a, id)) return false;
    a->second.state = CaseState::accepted;
    return true;
  }
};

// Every run does the same work: kStoreCases new cases in all, split between the threads, so
// that one and two threads (and the two stores) insert, find and update the same records.
// Each thread's ids are a block of its own: sequential (argument 0), as hosts often number
// cases; scattered over 64 bits (argument 1: the same ids, mixed); or the sequence in steps
// of 16 (argument 2), as a host that keeps a 4-bit code (a channel, a district) in the low
// bits of its ids. TBB's tbb_hash_compare hashes with std::hash, the identity for integers in
// libstdc++, and takes a bucket from the low bits: sequential ids fill consecutive buckets
// (its best case), ids in steps of 16 one bucket in 16. Ours mixes every id (mix_id).
constexpr size_t kStoreCases = 4'000'000;

template <class Store>
void BM_CaseStore(benchmark::State& state) {
  static std::unique_ptr<Store> store;
  if (state.thread_index() == 0) {
    store.reset();  // first: the TBB store's arena is reset when the next one is made
    store = std::make_unique<Store>(kStoreCases);
  }
  const auto threads = static_cast<uint64_t>(state.threads());
  const auto me = static_cast<uint64_t>(state.thread_index());
  const int64_t ids = state.range(0);  // 0 sequential, 1 scattered, 2 in steps of 16
  uint64_t i = 0;
  for (auto _ : state) {
    // Per case: insert, then two updates (accept, resolve) as the lifecycle does; the second
    // names id ^ 1: with sequential ids a neighbour of the same thread's (or one not yet in),
    // with scattered ones almost always no case at all, with ids in steps of 16 never one (a miss).
    const uint64_t n = me * (kStoreCases / threads) + i++ + 1;
    // (| 2: a scattered id is never 0, and its id ^ 1 neither.)
    const CaseId id = ids == 1 ? engine::mix_id(n) | 2 : ids == 2 ? n << 4 : n;
    store->insert(id, kStart);
    benchmark::DoNotOptimize(store->update(id));
    benchmark::DoNotOptimize(store->update(id ^ 1));
  }
  // The loop ends with every thread through it: each case went in once.
  if (state.thread_index() == 0 && store->size() != kStoreCases) state.SkipWithError("cases lost or doubled");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

BENCHMARK(BM_Submit)->Threads(1)->Threads(2)->UseRealTime()->Iterations(kSubmitsPerThread);
BENCHMARK(BM_SubmitPairs)->ArgName("partitioned")->Arg(0)->Arg(1)->Iterations(11)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Lifecycle)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_MemoryPerOpenCase)->Arg(10'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_TEMPLATE(BM_CaseStore, ShardedStore)->Arg(0)->Arg(1)->Arg(2)->Threads(1)->Iterations(kStoreCases)->UseRealTime();
BENCHMARK_TEMPLATE(BM_CaseStore, ShardedStore)->Arg(0)->Arg(1)->Arg(2)->Threads(2)->Iterations(kStoreCases / 2)->UseRealTime();
BENCHMARK_TEMPLATE(BM_CaseStore, TbbStore)->Arg(0)->Arg(1)->Arg(2)->Threads(1)->Iterations(kStoreCases)->UseRealTime();
BENCHMARK_TEMPLATE(BM_CaseStore, TbbStore)->Arg(0)->Arg(1)->Arg(2)->Threads(2)->Iterations(kStoreCases / 2)->UseRealTime();

}  // namespace
}  // namespace whistle::bench

int main(int argc, char** argv) {
  return whistle::bench::run_benchmarks(
      argc, argv,
      {{"whistle's case store over tbb::concurrent_hash_map (/0 sequential ids, /1 scattered, /2 in steps of 16)",
        {{"BM_CaseStore<ShardedStore>/0/iterations:4000000/real_time/threads:1", "BM_CaseStore<TbbStore>/0/iterations:4000000/real_time/threads:1"},
         {"BM_CaseStore<ShardedStore>/0/iterations:2000000/real_time/threads:2", "BM_CaseStore<TbbStore>/0/iterations:2000000/real_time/threads:2"},
         {"BM_CaseStore<ShardedStore>/1/iterations:4000000/real_time/threads:1", "BM_CaseStore<TbbStore>/1/iterations:4000000/real_time/threads:1"},
         {"BM_CaseStore<ShardedStore>/1/iterations:2000000/real_time/threads:2", "BM_CaseStore<TbbStore>/1/iterations:2000000/real_time/threads:2"},
         {"BM_CaseStore<ShardedStore>/2/iterations:4000000/real_time/threads:1", "BM_CaseStore<TbbStore>/2/iterations:4000000/real_time/threads:1"},
         {"BM_CaseStore<ShardedStore>/2/iterations:2000000/real_time/threads:2", "BM_CaseStore<TbbStore>/2/iterations:2000000/real_time/threads:2"}}},
       {"2 threads over 1",
        {{"BM_Submit/iterations:1500000/real_time/threads:2", "BM_Submit/iterations:1500000/real_time/threads:1"},
         {"BM_CaseStore<ShardedStore>/0/iterations:2000000/real_time/threads:2", "BM_CaseStore<ShardedStore>/0/iterations:4000000/real_time/threads:1"},
         {"BM_CaseStore<ShardedStore>/1/iterations:2000000/real_time/threads:2", "BM_CaseStore<ShardedStore>/1/iterations:4000000/real_time/threads:1"},
         {"BM_CaseStore<TbbStore>/0/iterations:2000000/real_time/threads:2", "BM_CaseStore<TbbStore>/0/iterations:4000000/real_time/threads:1"},
         {"BM_CaseStore<TbbStore>/1/iterations:2000000/real_time/threads:2", "BM_CaseStore<TbbStore>/1/iterations:4000000/real_time/threads:1"}}}});
}
