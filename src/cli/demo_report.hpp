// What `whistle demo` measured, and its two renderings: report.json (every number) and
// report.html (the same as charts: inline SVG, no script, no network).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "whistle/engine.hpp"

namespace whistle::cli {

struct Latency {
  std::vector<uint64_t> samples_ns;  // sorted once collected
  uint64_t percentile(double q) const;
};

struct DemoResults {
  // the model
  size_t nodes = 0, leaves = 0, zones = 0, units = 0, matters = 0, rules = 0;
  double load_seconds = 0, compiled_load_seconds = 0, index_mib = 0;
  // the workload
  size_t cases = 0, ops = 0;
  uint32_t days = 0;
  Instant start = 0;
  int32_t offset_minutes = 0;
  // the run
  double replay_seconds = 0;
  size_t rejected = 0;
  std::map<std::string, size_t> rejected_by_status;
  std::array<size_t, kEventKindCount> events_by_kind{};
  size_t events = 0;
  size_t unevaluated = 0;  // closed because the revisit stage ran out
  struct Day {
    uint32_t received = 0, breached = 0, escalated = 0, closed = 0;
  };
  std::vector<Day> per_day;
  Latency submit, act;
  size_t memory_bytes = 0;
  // scores
  Score county;
  struct Named {
    std::string code, name;
    Score score;
  };
  std::vector<Named> townships, platforms, departments;
};

std::string demo_report_json(const DemoResults& r);
std::string demo_report_html(const DemoResults& r);

}  // namespace whistle::cli
