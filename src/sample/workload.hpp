// A deterministic workload for the sample county (SPEC §7): cases arriving with daily peaks and
// the field's category mix, each carried through its lifecycle by the units that would act —
// acceptance, the odd return, whistles and report-ins, resolution, verification (some sent
// back for redo), evaluation (some reopened, some never, so the revisit stage closes them) —
// with a share of every stage late, so warnings, breaches and escalations fire. The demo and
// the engine bench replay it; ops come sorted by instant, each case's in causal order.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "whistle/engine.hpp"

namespace whistle::sample {

struct WorkloadSpec {
  size_t cases = 300'000;
  Instant start = 1'758'470'400'000;  // 2025-09-22T00:00+08:00: the weeks around National Day
  uint32_t days = 28;
  uint64_t seed = 7;
};

struct WorkOp {
  Instant at = 0;
  CaseId case_id = 0;
  bool submit = false;
  Operation op = Operation::accept;
  UnitId actor = kNoUnit;
  uint8_t unit_count = 0;
  std::array<UnitId, 3> units{};
  bool pass = false;
  bool reopen = false;
  uint8_t score = 0;
  MatterId matter = kNoMatter;  // submit
  uint32_t point = 0;           // submit: index into Workload::points
};

struct Workload {
  std::vector<LonLat> points;
  std::vector<WorkOp> ops;  // by instant; one case's ops in their causal order
  size_t cases = 0;
  std::vector<uint8_t> channel;  // per case: 0 hotline, 1 app, 2 grid worker
};

Workload make_workload(const Model& model, const WorkloadSpec& spec);

// Drives an engine (manual clock) through the ops: the clock advances to each op's instant
// first, then the op runs. `on_op` (may be empty) sees each op with its status.
class WorkloadRunner {
 public:
  WorkloadRunner(Engine& engine, const Workload& workload) : engine_(engine), workload_(workload) {}
  // Runs ops [from, to); returns how many the engine rejected.
  size_t run(size_t from, size_t to);
  Status run_one(const WorkOp& op);

 private:
  Engine& engine_;
  const Workload& workload_;
};

inline constexpr const char* kChannelNames[] = {"hotline", "app", "grid"};

}  // namespace whistle::sample
