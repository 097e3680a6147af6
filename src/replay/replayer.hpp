// Replayer: drives an engine through operation rows as `whistle replay` defines — before each
// row the clock advances to the row's instant (every timer due by then fires first), then the
// row's operation runs; a row the engine (or the reader) rejects becomes an `error` object and
// the replay goes on. Used by `whistle replay`, `whistle scores` and the demo.
// Thread model: one thread drives a Replayer.
#pragma once

#include <array>
#include <functional>
#include <span>
#include <string>

#include "replay/ops.hpp"

namespace whistle::replay {

struct ReplayCounts {
  size_t rows = 0, events = 0, errors = 0;
  std::array<size_t, kEventKindCount> by_kind{};
};

// Where a replay's manual clock starts — the first row's instant, held to years 0001-9999
// (a row before that is then refused like any row before the clock), or the first instant of
// that range when no row has one — and the offset that row's instant was written with.
struct ReplayStart {
  Instant at = kFirstInstant;
  int32_t offset_minutes = 0;
};
ReplayStart replay_start(std::span<const OpRow> rows);

class Replayer {
 public:
  // `write` receives JSON lines; null to only count.
  Replayer(Engine& engine, const Model& model, int32_t offset_minutes, std::function<void(std::string_view)> write);

  // Returns the status of the row's operation (or of reading it).
  Status run(const OpRow& row);
  // Advances to `at` and reports the events.
  Status advance(Instant at);
  const ReplayCounts& counts() const noexcept { return counts_; }

 private:
  void flush_events();
  void report_error(const OpRow& row, StatusCode code, std::string_view message);

  Engine& engine_;
  const Model& model_;
  int32_t offset_;
  std::function<void(std::string_view)> write_;
  EventBatch batch_;
  std::string line_;
  ReplayCounts counts_;
};

}  // namespace whistle::replay
