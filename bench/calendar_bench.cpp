// Deadline arithmetic per unit on the sample county's `cn` calendar (office hours
// 08:30-12:00 and 13:30-17:30, the official 2025-2026 holidays and make-up days), against the
// obvious day-by-day loop (what a platform's SQL or scripting does) in the same run.

#include "bench_support.hpp"
#include "sample/sample_model.hpp"
#include "whistle/model.hpp"

namespace whistle::bench {
namespace {

const Calendar& cn() {
  static const std::shared_ptr<const Model> model = [] {
    const std::string dir = scratch_dir("calendar");
    if (!sample::write_model_files(sample::make_sample_county(), dir).ok()) std::abort();
    auto m = Model::load_directory(dir);
    if (!m.ok()) std::abort();
    return *m;
  }();
  return model->calendars()[model->find_calendar("cn")];
}

// Receipt instants spread over 2025 at any minute of the day.
const std::vector<Instant>& starts() {
  static const std::vector<Instant> v = [] {
    sample::Random rng(11);
    std::vector<Instant> out(1 << 16);
    for (auto& t : out) t = 1'735'660'800'000 + static_cast<Instant>(rng.below(uint64_t{360} * kMsPerDay));
    return out;
  }();
  return v;
}

void run(benchmark::State& state, Duration d) {
  const Calendar& c = cn();
  const auto& s = starts();
  size_t i = 0;
  Calendar::Deadline out;
  for (auto _ : state) {
    c.add(s[i++ & (s.size() - 1)], d, out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_DeadlineWd(benchmark::State& state) { run(state, {static_cast<uint32_t>(state.range(0)), DurationUnit::working_days}); }
void BM_DeadlineWh(benchmark::State& state) { run(state, {static_cast<uint32_t>(state.range(0)), DurationUnit::working_hours}); }
void BM_DeadlineH(benchmark::State& state) { run(state, {static_cast<uint32_t>(state.range(0)), DurationUnit::hours}); }

void BM_Warning(benchmark::State& state) {
  const Calendar& c = cn();
  const auto& s = starts();
  size_t i = 0;
  Calendar::Deadline out;
  for (auto _ : state) {
    c.warning(s[i++ & (s.size() - 1)], {3, DurationUnit::working_days}, {1, DurationUnit::working_days}, out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// The peer: count working days one day at a time, asking the calendar about each day.
void BM_DayLoopWd(benchmark::State& state) {
  const Calendar& c = cn();
  const auto& s = starts();
  const auto n = static_cast<uint32_t>(state.range(0));
  size_t i = 0;
  for (auto _ : state) {
    int64_t day = c.local_day(s[i++ & (s.size() - 1)]);
    for (uint32_t counted = 0; counted < n;) counted += c.is_working_day(++day);
    const Instant at = (day + 1) * kMsPerDay - int64_t{c.utc_offset_minutes()} * kMsPerMinute;
    benchmark::DoNotOptimize(at);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

BENCHMARK(BM_DeadlineWd)->Arg(1)->Arg(3)->Arg(15);
BENCHMARK(BM_DayLoopWd)->Arg(1)->Arg(3)->Arg(15);
BENCHMARK(BM_DeadlineWh)->Arg(4)->Arg(40);
BENCHMARK(BM_DeadlineH)->Arg(24);
BENCHMARK(BM_Warning);

}  // namespace
}  // namespace whistle::bench

int main(int argc, char** argv) {
  return whistle::bench::run_benchmarks(argc, argv,
                                        {{"whistle over the day-by-day loop",
                                          {{"BM_DeadlineWd/1", "BM_DayLoopWd/1"},
                                           {"BM_DeadlineWd/3", "BM_DayLoopWd/3"},
                                           {"BM_DeadlineWd/15", "BM_DayLoopWd/15"}}}});
}
