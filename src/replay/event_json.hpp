// One JSON object per line for `whistle replay`: events (seq, at, case, kind, actor, units,
// stage, level, detail) and rejected rows (kind "error", status, message, no seq).
#pragma once

#include <string>
#include <string_view>

#include "whistle/engine.hpp"

namespace whistle::replay {

// Appends `text` as a JSON string (quoted, escaped).
void append_json_string(std::string& out, std::string_view text);

// Appends the event as one line; instants in the given offset.
void append_event_json(std::string& out, const Event& e, const Model& model, int32_t offset_minutes);

struct RowError {
  uint32_t line;
  Instant at;
  CaseId case_id;
  std::string_view op;
  StatusCode status;
  std::string_view message;
};
void append_error_json(std::string& out, const RowError& e, int32_t offset_minutes);

}  // namespace whistle::replay
