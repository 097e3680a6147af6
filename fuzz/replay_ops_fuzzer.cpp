// The ops CSV of `whistle replay`, read and then replayed on the engine test model: reading
// either fails with a message naming the file or yields rows; replaying never crashes, and
// every event the engine issues is reported (none pending, none lost) whatever the rows say —
// bad codes, instants out of order or out of range, operations in any state.
#include <algorithm>

#include "fuzz_context.hpp"
#include "replay/replayer.hpp"
#include "support/engine_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace whistle;
  static const std::shared_ptr<const Model> model = testing::engine_model();
  auto rows = replay::read_ops(fuzzing::as_text(data, size), "ops.csv", *model);
  if (!rows.ok()) {
    if (rows.status().message().find("ops.csv") == std::string::npos) __builtin_trap();
    return 0;
  }
  const replay::ReplayStart start = replay::replay_start(*rows);
  EngineOptions options;
  options.start = start.at;
  auto engine = Engine::open(model, options);
  if (!engine.ok()) __builtin_trap();  // any start replay_start gives is one the engine takes
  size_t lines = 0;
  replay::Replayer replayer(**engine, *model, start.offset_minutes, [&](std::string_view text) {
    // One write may hold several lines (a batch of events): each a JSON object.
    while (!text.empty()) {
      const size_t end = text.find('\n');
      if (end == std::string_view::npos || end < 2 || text.front() != '{' || text[end - 1] != '}') __builtin_trap();
      text.remove_prefix(end + 1);
      ++lines;
    }
  });
  for (const replay::OpRow& row : *rows) (void)replayer.run(row);
  // Let every stage run out (a few months of escalations at most), then count.
  const Instant now = (*engine)->now();
  (void)replayer.advance(now > kLastInstant - 200 * kMsPerDay ? kLastInstant : now + 200 * kMsPerDay);
  const EngineStats stats = (*engine)->stats();
  const replay::ReplayCounts& counts = replayer.counts();
  if (stats.pending_events != 0 || counts.events != stats.events) __builtin_trap();
  if (lines != counts.events + counts.errors || counts.rows != rows->size()) __builtin_trap();
  return 0;
}
