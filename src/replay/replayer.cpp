#include "replay/replayer.hpp"

#include <algorithm>

#include "replay/event_json.hpp"

namespace whistle::replay {

ReplayStart replay_start(std::span<const OpRow> rows) {
  for (const OpRow& row : rows) {
    if (row.has_at) return {std::clamp(row.at, kFirstInstant, kLastInstant), row.offset_minutes};
  }
  return {};
}

Replayer::Replayer(Engine& engine, const Model& model, int32_t offset_minutes, std::function<void(std::string_view)> write)
    : engine_(engine), model_(model), offset_(offset_minutes), write_(std::move(write)) {}

void Replayer::flush_events() {
  while (engine_.poll_events(batch_) > 0) {
    counts_.events += batch_.size();
    for (const Event& e : batch_) ++counts_.by_kind[static_cast<size_t>(e.kind)];
    if (!write_) continue;
    line_.clear();
    for (const Event& e : batch_) append_event_json(line_, e, model_, offset_);
    write_(line_);
  }
}

void Replayer::report_error(const OpRow& row, StatusCode code, std::string_view message) {
  ++counts_.errors;
  if (!write_) return;
  line_.clear();
  append_error_json(line_, {row.line, row.at, row.case_id, row.op, code, message}, offset_);
  write_(line_);
}

Status Replayer::advance(Instant at) {
  Status s = engine_.advance(at);
  flush_events();
  return s;
}

Status Replayer::run(const OpRow& row) {
  ++counts_.rows;
  if (row.error != StatusCode::ok) {
    // The clock still moves: rows are in time order whether or not they are well formed.
    if (row.has_at && row.at >= engine_.now()) (void)advance(row.at);
    report_error(row, row.error, row.message);
    return {row.error, row.message};
  }
  if (Status s = advance(row.at); !s.ok()) {
    report_error(row, s.code(), s.message());
    return s;
  }
  Status s;
  switch (row.kind) {
    case OpRow::Kind::advance: return {};
    case OpRow::Kind::submit: s = engine_.submit(row.submission()); break;
    case OpRow::Kind::act: s = engine_.act(row.action()); break;
  }
  flush_events();  // a denied operation still has its `denied` event, printed before the error
  if (!s.ok()) report_error(row, s.code(), s.message());
  return s;
}

}  // namespace whistle::replay
