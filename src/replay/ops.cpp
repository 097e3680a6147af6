#include "replay/ops.hpp"

#include <array>
#include <charconv>

#include "common/csv.hpp"
#include "common/strings.hpp"

namespace whistle::replay {

Submission OpRow::submission() const {
  Submission s;
  s.id = case_id;
  s.matter = matter;
  s.point = point;
  s.place = place;
  s.received = at;
  s.channel = channel;
  s.external_ref = external_ref;
  return s;
}

Action OpRow::action() const {
  Action a;
  a.op = operation;
  a.case_id = case_id;
  a.actor = actor;
  a.at = at;
  a.units = units;
  a.pass = pass;
  a.score = score;
  a.reopen = reopen;
  a.text = text;
  return a;
}

namespace {

bool parse_number(std::string_view text, double& out) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool parse_case(std::string_view text, CaseId& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// Fills the row from the CSV fields; returns false with row.error/message set.
bool read_row(const csv::Table& t, const csv::Row& r, const Model& model, OpRow& row) {
  auto fail = [&](StatusCode code, std::string_view field, const std::string& what) {
    row.error = code;
    row.message = t.file() + ":" + std::to_string(r.line) + ": field '" + std::string(field) + "': " + what;
    return false;
  };
  const std::string_view at = t.get(r, "at"), op = t.get(r, "op");
  row.op = std::string(op);
  auto parsed = parse_iso8601(at);
  if (!parsed.ok()) return fail(StatusCode::invalid_argument, "at", parsed.status().message());
  row.at = parsed->at;
  row.has_at = true;
  row.offset_minutes = parsed->offset_minutes;
  if (op == "advance") {
    row.kind = OpRow::Kind::advance;
    return true;
  }
  const std::string_view case_text = t.get(r, "case");
  if (!parse_case(case_text, row.case_id)) {
    return fail(StatusCode::invalid_argument, "case", strings::quoted(case_text) + " is not a case id (an unsigned integer)");
  }
  if (op == "submit") {
    row.kind = OpRow::Kind::submit;
    const std::string_view matter = t.get(r, "matter"), place = t.get(r, "place");
    row.matter = model.find_matter(matter);
    if (row.matter == kNoMatter) return fail(StatusCode::not_found, "matter", "unknown matter '" + std::string(matter) + "'");
    if (!place.empty()) {
      row.place = model.territory().find(place);
      if (row.place == kNoNode) return fail(StatusCode::not_found, "place", "unknown territory code '" + std::string(place) + "'");
    } else if (!parse_number(t.get(r, "lon"), row.point.lon) || !parse_number(t.get(r, "lat"), row.point.lat)) {
      return fail(StatusCode::invalid_argument, "lon", "a submit needs lon and lat (numbers) or a place");
    }
    row.channel = std::string(t.get(r, "value"));
    row.external_ref = std::string(t.get(r, "note"));
    return true;
  }
  const auto operation = parse_operation(op);
  if (!operation) {
    return fail(StatusCode::invalid_argument, "op",
                "unknown op '" + std::string(op) +
                    "' (submit assign accept return whistle report_in resolve verify evaluate close advance)");
  }
  row.kind = OpRow::Kind::act;
  row.operation = *operation;
  const std::string_view actor = t.get(r, "actor");
  row.actor = model.find_unit(actor);
  if (row.actor == kNoUnit) return fail(StatusCode::not_found, "actor", "unknown unit '" + std::string(actor) + "'");
  for (std::string_view code : csv::split_list(t.get(r, "units"))) {
    const UnitId u = model.find_unit(code);
    if (u == kNoUnit) return fail(StatusCode::not_found, "units", "unknown unit '" + std::string(code) + "'");
    row.units.push_back(u);
  }
  const std::string_view value = t.get(r, "value");
  if (row.operation == Operation::verify) {
    if (value != "pass" && value != "fail") return fail(StatusCode::invalid_argument, "value", "verify takes pass or fail");
    row.pass = value == "pass";
  } else if (row.operation == Operation::evaluate) {
    std::string_view score = value;
    if (score.size() > 7 && score.substr(score.size() - 7) == ":reopen") {
      row.reopen = true;
      score.remove_suffix(7);
    }
    unsigned v = 0;
    auto [end, ec] = std::from_chars(score.data(), score.data() + score.size(), v);
    if (score.empty() || ec != std::errc() || end != score.data() + score.size() || v > 255) {
      return fail(StatusCode::invalid_argument, "value", "evaluate takes a score 1-5, optionally ':reopen'");
    }
    row.score = static_cast<uint8_t>(v);
  }
  row.text = std::string(t.get(r, "note"));
  return true;
}

}  // namespace

Result<std::vector<OpRow>> read_ops(std::string_view text, std::string_view file, const Model& model) {
  static constexpr std::array<std::string_view, 2> kRequired{"at", "op"};
  auto table = csv::Table::parse(text, file, kRequired);
  if (!table.ok()) return table.status();
  std::vector<OpRow> rows;
  rows.reserve(table->rows().size());
  // The row with the latest instant so far: the replay's clock once it has run.
  size_t latest = SIZE_MAX;
  for (const csv::Row& r : table->rows()) {
    OpRow row;
    row.line = r.line;
    read_row(*table, r, model, row);
    if (row.has_at && latest != SIZE_MAX && row.at < rows[latest].at) {
      // The clock is past it already: said here, of its field, rather than by the engine.
      const csv::Row& l = table->rows()[latest];
      const Status s = table->error(r, "at", std::string(table->get(r, "at")) + " is before " +
                                                 std::string(table->get(l, "at")) + " on line " +
                                                 std::to_string(l.line) + " (rows come in time order)");
      row.error = s.code();
      row.message = s.message();
    } else if (row.has_at && in_instant_range(row.at)) {  // the engine refuses the others
      latest = rows.size();
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace whistle::replay
