// No allocation per operation in steady state (issue 4): once an engine has warmed up on the
// sample county's workload (its event buffers, scratch space, timer chunks and score tables at
// their working size), the last quarter of the workload — submissions, every action, whistles,
// and the clock firing warnings, breaches and escalations — allocates only where something
// grows that accumulates or is met for the first time (a unit's first score facts, the shard's
// summons records, a unit's resolve times once per 4,096): not once per operation. Counted
// with the replaced operator new of this binary; the case tables, which come from malloc in
// big chunks, are reserved at open (expected_cases).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "oom/failing_allocator.hpp"
#include "sample/sample_model.hpp"
#include "sample/workload.hpp"
#include "support/model_dir.hpp"
#include "whistle/engine.hpp"

namespace whistle {
namespace {

TEST(EngineSteadyState, OperationsAllocateNothingOnceWarm) {
  const std::string dir = testing::temp_dir("steady");
  ASSERT_TRUE(sample::write_model_files(sample::make_sample_county(), dir).ok());
  auto loaded = Model::load_directory(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  std::shared_ptr<const Model> model = std::move(loaded).value();
  sample::WorkloadSpec spec;
  spec.cases = 40'000;
  const sample::Workload w = sample::make_workload(*model, spec);
  EngineOptions options;
  options.start = spec.start;
  options.expected_cases = spec.cases;
  auto engine = std::move(Engine::open(model, options)).value();
  sample::WorkloadRunner runner(*engine, w);
  EventBatch batch;
  size_t events = 0, rejected = 0;
  const auto run = [&](size_t from, size_t to) {
    for (size_t at = from; at < to; at += 1024) {
      rejected += runner.run(at, std::min(to, at + 1024));
      while (engine->poll_events(batch) > 0) events += batch.size();
    }
  };
  const size_t half = w.ops.size() * 3 / 4;
  run(0, half);  // warming up
  const size_t rejected_warm = rejected;
  const size_t events_warm = events;
  const size_t before = test::allocations_made();
  run(half, w.ops.size());
  const size_t made = test::allocations_made() - before;
  const size_t ops = w.ops.size() - half;
  EXPECT_EQ(rejected, rejected_warm) << "the workload's operations are all legal";
  ASSERT_GT(events - events_warm, ops) << "too little happened to measure";
  // 88 here. Before, the scoreboard alone allocated about once per 17 operations.
  EXPECT_LE(made * 500, ops) << made << " allocations over " << ops << " operations and "
                              << events - events_warm << " events";
}

}  // namespace
}  // namespace whistle
