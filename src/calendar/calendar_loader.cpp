// calendars.csv, calendars/<id>/YYYY.json (holiday-cn format) and sla.csv.
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <cstdio>
#include <map>

#include "calendar/loaders.hpp"
#include "common/csv.hpp"
#include "common/strings.hpp"

namespace whistle {

std::string_view stage_name(Stage stage) noexcept {
  static constexpr std::string_view kNames[] = {"dispatch", "accept", "resolve", "report", "verify", "revisit"};
  return kNames[static_cast<size_t>(stage)];
}

std::optional<Stage> parse_stage(std::string_view text) noexcept {
  for (size_t i = 0; i < kStageCount; ++i) {
    if (stage_name(static_cast<Stage>(i)) == text) return static_cast<Stage>(i);
  }
  return std::nullopt;
}

namespace model {
namespace {

bool is_calendar_id(std::string_view s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
         });
}

// "HH:MM" -> ms from midnight (24:00 allowed).
bool parse_clock(std::string_view s, int32_t& ms) {
  if (s.size() != 5 || s[2] != ':') return false;
  for (size_t i : {0, 1, 3, 4}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 24 || m > 59 || (h == 24 && m != 0)) return false;
  ms = (h * 60 + m) * 60'000;
  return true;
}

}  // namespace

Status HolidaySet::add_file(std::string_view json, const std::string& label, int32_t year) {
  auto fail = [&](const std::string& where, const std::string& what) {
    return Status::invalid(label + ": " + where + what);
  };
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto error = parser.parse(padded).get(root)) return fail("", std::string("invalid JSON: ") + simdjson::error_message(error));
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) return fail("", "the top level is not a JSON object");
  int64_t file_year;
  simdjson::dom::element year_el;
  if (!obj["year"].get(year_el)) {
    if (year_el.get_int64().get(file_year)) return fail("field 'year': ", "expected an integer");
    if (file_year != year) {
      return fail("field 'year': ", std::to_string(file_year) + " does not match the file name (" + std::to_string(year) + ")");
    }
  }
  simdjson::dom::array days;
  if (obj["days"].get_array().get(days)) return fail("field 'days': ", "expected an array");
  std::vector<Calendar::DayOverride> mine;
  size_t index = 0;
  for (simdjson::dom::element day : days) {
    const std::string where = "day " + std::to_string(index) + ": ";
    std::string_view date;
    bool off;
    if (day["date"].get_string().get(date)) return fail(where + "field 'date': ", "missing or not a string");
    if (day["isOffDay"].get_bool().get(off)) return fail(where + "field 'isOffDay': ", "missing or not true/false");
    int y = 0;
    unsigned m = 0, d = 0;
    if (date.size() != 10 || date[4] != '-' || date[7] != '-' ||
        std::sscanf(std::string(date).c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3 || !valid_date(y, m, d)) {
      return fail(where + "field 'date': ", strings::quoted(date) + " is not a date YYYY-MM-DD");
    }
    if (y < year - 1 || y > year + 1) {
      return fail(where + "field 'date': ", std::string(date) + " lies outside the file's year " + std::to_string(year) + " (±1)");
    }
    const int64_t dn = days_from_civil(y, m, d);
    auto [it, inserted] = seen_.emplace(dn, std::pair{off, label});
    if (!inserted && it->second.first != off) {
      return fail(where + "field 'isOffDay': ", std::string(date) + " is listed as " + (off ? "a day off" : "a working day") +
                                                    " here and as " + (off ? "a working day" : "a day off") + " in " +
                                                    it->second.second);
    }
    if (inserted) mine.push_back({dn, off});
    ++index;
  }
  overrides_.insert(overrides_.end(), mine.begin(), mine.end());
  if (index > 0) known_years_.push_back(year);
  return {};
}

Result<std::vector<Calendar>> load_calendars(std::string_view text, std::string_view file, const std::string& dir,
                                             LoadReport* report) {
  namespace fs = std::filesystem;
  static constexpr std::array<std::string_view, 3> kColumns{"id", "utc_offset", "office_hours"};
  auto table = csv::Table::parse(text, file, kColumns);
  if (!table.ok()) return table.status();
  const csv::Table& t = *table;
  std::vector<Calendar> calendars;
  for (const auto& row : t.rows()) {
    const std::string id(t.get(row, "id"));
    if (!is_calendar_id(id)) return t.error(row, "id", "'" + id + "' is not an id (letters, digits, '_', '-')");
    for (const auto& c : calendars) {
      if (c.id() == id) return t.error(row, "id", "duplicate calendar '" + id + "'");
    }
    auto offset = parse_utc_offset(t.get(row, "utc_offset"));
    if (!offset.ok()) return t.error(row, "utc_offset", offset.status().message());
    std::vector<Calendar::OfficeInterval> hours;
    for (std::string_view item : csv::split_list(t.get(row, "office_hours"))) {
      const size_t dash = item.find('-');
      Calendar::OfficeInterval iv{};
      if (dash == std::string_view::npos || !parse_clock(item.substr(0, dash), iv.start_ms) ||
          !parse_clock(item.substr(dash + 1), iv.end_ms) || iv.start_ms >= iv.end_ms) {
        return t.error(row, "office_hours", strings::quoted(item) + " is not an interval HH:MM-HH:MM");
      }
      if (!hours.empty() && iv.start_ms < hours.back().end_ms) {
        return t.error(row, "office_hours", "intervals must be in order and must not overlap");
      }
      hours.push_back(iv);
    }
    // Holiday files: calendars/<id>/YYYY.json, read in year order.
    HolidaySet holidays;
    const fs::path folder = fs::path(dir) / "calendars" / id;
    std::error_code ec;
    if (fs::is_directory(folder, ec)) {
      std::map<int32_t, fs::path> files;
      for (const auto& entry : fs::directory_iterator(folder, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.size() == 9 && name.substr(4) == ".json" &&
            std::all_of(name.begin(), name.begin() + 4, [](char c) { return c >= '0' && c <= '9'; })) {
          files[std::stoi(name.substr(0, 4))] = entry.path();
        } else if (report) {
          report->warnings.push_back("calendars/" + id + "/" + name + ": ignored (not YYYY.json)");
        }
      }
      for (const auto& [year, path] : files) {
        if (year < Calendar::kFirstYear || year >= Calendar::kEndYear) {
          return Status::invalid("calendars/" + id + "/" + path.filename().string() + ": year outside 1900-2199");
        }
        auto json = csv::read_file(path.string());
        if (!json.ok()) return json.status();
        WHISTLE_RETURN_IF_ERROR(holidays.add_file(*json, "calendars/" + id + "/" + path.filename().string(), year));
      }
      if (hours.empty() && !files.empty() && report) {
        report->warnings.push_back("calendars/" + id + ": a 24x7 calendar has no days off; its holiday files are not used");
      }
    }
    calendars.emplace_back(id, *offset, std::move(hours), holidays.overrides(), holidays.known_years());
  }
  return calendars;
}

Result<std::vector<SlaClass>> load_sla(std::string_view text, std::string_view file,
                                       const std::vector<Calendar>& calendars) {
  static constexpr std::array<std::string_view, 6> kColumns{"class", "stage", "limit", "warn_before",
                                                            "escalate_every", "calendar"};
  auto table = csv::Table::parse(text, file, kColumns);
  if (!table.ok()) return table.status();
  const csv::Table& t = *table;
  std::vector<SlaClass> classes;
  std::map<std::pair<std::string, Stage>, uint32_t> seen;
  for (const auto& row : t.rows()) {
    const std::string name(t.get(row, "class"));
    if (name.empty()) return t.error(row, "class", "empty");
    const auto stage = parse_stage(t.get(row, "stage"));
    if (!stage) {
      return t.error(row, "stage", "unknown stage '" + std::string(t.get(row, "stage")) +
                                       "' (dispatch, accept, resolve, report, verify, revisit)");
    }
    if (auto [it, inserted] = seen.emplace(std::pair{name, *stage}, row.line); !inserted) {
      return t.error(row, "stage", "a second row for class '" + name + "' and stage '" +
                                       std::string(stage_name(*stage)) + "' (first on line " + std::to_string(it->second) + ")");
    }
    auto cls = std::find_if(classes.begin(), classes.end(), [&](const SlaClass& c) { return c.name == name; });
    if (cls == classes.end()) {
      classes.push_back({name, {}});
      cls = classes.end() - 1;
    }
    StageSla& s = cls->stages[static_cast<size_t>(*stage)];
    const std::string_view limit = t.get(row, "limit"), warn = t.get(row, "warn_before"),
                           every = t.get(row, "escalate_every"), calendar = t.get(row, "calendar");
    if (limit.empty()) {
      if (!warn.empty() || !every.empty()) return t.error(row, "limit", "empty, but the row has a warning or escalation");
      continue;
    }
    auto parsed = parse_duration(limit);
    if (!parsed.ok()) return t.error(row, "limit", parsed.status().message());
    s.has_deadline = true;
    s.limit = *parsed;
    if (!warn.empty()) {
      auto w = parse_duration(warn);
      if (!w.ok()) return t.error(row, "warn_before", w.status().message());
      if (w->unit != s.limit.unit) return t.error(row, "warn_before", "must use the unit of the limit (" + to_string(s.limit) + ")");
      if (w->count >= s.limit.count) return t.error(row, "warn_before", "must be smaller than the limit (" + to_string(s.limit) + ")");
      s.warn_before = *w;
    }
    if (!every.empty()) {
      auto e = parse_duration(every);
      if (!e.ok()) return t.error(row, "escalate_every", e.status().message());
      s.escalate_every = *e;
    }
    if (calendar.empty()) return t.error(row, "calendar", "empty (a stage with a limit needs a calendar)");
    for (uint32_t c = 0; c < calendars.size(); ++c) {
      if (calendars[c].id() == calendar) s.calendar = c;
    }
    if (s.calendar == kNoCalendar) {
      return t.error(row, "calendar", "unknown calendar '" + std::string(calendar) + "' (not in calendars.csv)");
    }
  }
  return classes;
}

}  // namespace model
}  // namespace whistle
