#include "replay/event_json.hpp"

#include <cstdio>

namespace whistle::replay {

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void append_event_json(std::string& out, const Event& e, const Model& model, int32_t offset_minutes) {
  out += "{\"seq\":";
  out += std::to_string(e.seq);
  out += ",\"at\":\"";
  out += format_iso8601(e.at, offset_minutes);
  out += "\",\"case\":";
  out += std::to_string(e.case_id);
  out += ",\"kind\":\"";
  out += event_kind_name(e.kind);
  out += "\",\"actor\":";
  if (e.actor == kNoUnit) {
    out += "null";
  } else {
    append_json_string(out, model.units()[e.actor].code);
  }
  out += ",\"units\":[";
  for (size_t i = 0; i < e.units.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, model.units()[e.units[i]].code);
  }
  out += "],\"stage\":";
  if (e.has_stage()) {
    out += '"';
    out += stage_name(static_cast<Stage>(e.stage));
    out += '"';
  } else {
    out += "null";
  }
  out += ",\"level\":";
  out += std::to_string(e.level);
  out += ",\"detail\":";
  append_json_string(out, e.detail);
  out += "}\n";
}

void append_error_json(std::string& out, const RowError& e, int32_t offset_minutes) {
  out += "{\"line\":";
  out += std::to_string(e.line);
  out += ",\"at\":\"";
  out += format_iso8601(e.at, offset_minutes);
  out += "\",\"case\":";
  out += std::to_string(e.case_id);
  out += ",\"kind\":\"error\",\"op\":";
  append_json_string(out, e.op);
  out += ",\"status\":\"";
  out += status_code_name(e.status);
  out += "\",\"message\":";
  append_json_string(out, e.message);
  out += "}\n";
}

}  // namespace whistle::replay
