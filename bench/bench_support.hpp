// Shared pieces of the bench programs: scratch directories, query point sets, per-query latency
// percentiles, and a reporter that prints the ratio of each peer to whistle after the run.
#pragma once

#include <benchmark/benchmark.h>
#include <unistd.h>
#include <x86intrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sample/tiling.hpp"
#include "whistle/geo.hpp"

namespace whistle::bench {

// A directory for this process's model files, removed at exit. Per process: two bench
// programs started together must not rewrite the files the other is loading.
inline std::string scratch_dir(const std::string& name) {
  struct Cleanup {
    std::vector<std::string> dirs;
    ~Cleanup() {
      std::error_code ignored;
      for (const auto& d : dirs) std::filesystem::remove_all(d, ignored);
    }
  };
  static Cleanup cleanup;  // made before the models loaded from these, so destroyed after them
  cleanup.dirs.push_back(
      (std::filesystem::temp_directory_path() / ("whistle-bench-" + name + "-" + std::to_string(getpid()))).string());
  return cleanup.dirs.back();
}

struct Box {
  double lon0, lat0, lon1, lat1;
};

// Uniform over the box.
inline std::vector<LonLat> uniform_points(Box b, size_t n, uint64_t seed) {
  sample::Random rng(seed);
  std::vector<LonLat> pts(n);
  for (auto& p : pts) p = {b.lon0 + rng.uniform() * (b.lon1 - b.lon0), b.lat0 + rng.uniform() * (b.lat1 - b.lat0)};
  return pts;
}

// Clustered: gaussian blobs around a few centres (town seats, markets), as real cases are.
inline std::vector<LonLat> clustered_points(Box b, size_t n, uint64_t seed, int centres = 12) {
  sample::Random rng(seed);
  std::vector<LonLat> c(static_cast<size_t>(centres));
  for (auto& p : c) p = {b.lon0 + rng.uniform() * (b.lon1 - b.lon0), b.lat0 + rng.uniform() * (b.lat1 - b.lat0)};
  const double sx = (b.lon1 - b.lon0) * 0.02, sy = (b.lat1 - b.lat0) * 0.02;
  std::vector<LonLat> pts(n);
  for (auto& p : pts) {
    const LonLat& o = c[rng.below(c.size())];
    const double u1 = std::max(rng.uniform(), 1e-12), u2 = rng.uniform();
    const double r = std::sqrt(-2 * std::log(u1));
    p = {std::clamp(o.lon + sx * r * std::cos(2 * M_PI * u2), b.lon0, b.lon1),
         std::clamp(o.lat + sy * r * std::sin(2 * M_PI * u2), b.lat0, b.lat1)};
  }
  return pts;
}

// Nanoseconds per TSC tick, measured once against the steady clock.
inline double ns_per_tick() {
  static const double value = [] {
    const auto t0 = std::chrono::steady_clock::now();
    const uint64_t c0 = __rdtsc();
    while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(50)) {}
    const uint64_t c1 = __rdtsc();
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / double(c1 - c0);
  }();
  return value;
}

// Times `op(i)` one call at a time with the TSC and sets p50/p99 counters (ns), with the
// cost of the empty timing pair subtracted.
template <class Op>
void latency_counters(benchmark::State& state, size_t n, Op&& op) {
  std::vector<uint64_t> ticks(n), empty(4096);
  unsigned aux;
  for (auto& t : empty) {
    const uint64_t a = __rdtscp(&aux);
    t = __rdtscp(&aux) - a;
  }
  std::sort(empty.begin(), empty.end());
  for (size_t i = 0; i < n; ++i) {
    const uint64_t a = __rdtscp(&aux);
    op(i);
    ticks[i] = __rdtscp(&aux) - a;
  }
  std::sort(ticks.begin(), ticks.end());
  const double base = double(empty[empty.size() / 2]), k = ns_per_tick();
  auto pct = [&](double q) { return std::max(0.0, (double(ticks[size_t(q * double(n - 1))]) - base) * k); };
  state.counters["p50_ns"] = pct(0.50);
  state.counters["p99_ns"] = pct(0.99);
}

using NamePairs = std::vector<std::pair<std::string, std::string>>;

// Records each benchmark's items per second (the median when repeated); prints ratios of them.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") continue;
      auto rate = r.counters.find("items_per_second");
      if (rate == r.counters.end()) continue;
      // By "function/args" and by the full name (with /real_time, /threads:N, …; an
      // aggregate's name without its "_median").
      rates_[r.run_name.function_name + (r.run_name.args.empty() ? "" : "/" + r.run_name.args)] = rate->second;
      rates_[r.run_name.str()] = rate->second;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  // For each pair (a, b) present in the run: items per second of a over b's — for whistle
  // against a peer, the peer's cost per item over whistle's (iterations may hold different
  // numbers of items).
  void print_ratios(const char* title, const NamePairs& pairs) const {
    std::printf("\n%s (items/s over items/s, same run):\n", title);
    for (const auto& [a, b] : pairs) {
      auto x = rates_.find(a), y = rates_.find(b);
      if (x == rates_.end() || y == rates_.end() || y->second == 0) continue;
      std::printf("  %-44s vs %-40s %8.2fx\n", a.c_str(), b.c_str(), double(x->second) / double(y->second));
    }
  }

 private:
  std::map<std::string, double> rates_;
};

// The main of a bench program: runs the benchmarks the command line selects, then prints
// each table of ratios.
struct RatioTable {
  const char* title;
  NamePairs pairs;
};
inline int run_benchmarks(int argc, char** argv, const std::vector<RatioTable>& tables) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  for (const RatioTable& t : tables) reporter.print_ratios(t.title, t.pairs);
  benchmark::Shutdown();
  return 0;
}

}  // namespace whistle::bench
