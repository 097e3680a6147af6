// Loaders for calendars.csv, holiday files and sla.csv (see docs/formats.md).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "whistle/calendar.hpp"
#include "whistle/model.hpp"
#include "whistle/sla.hpp"

namespace whistle::model {

// Collects the days of one calendar's holiday files; a date listed twice must agree.
class HolidaySet {
 public:
  // `label` names the file in messages; `year` is the year of its name.
  Status add_file(std::string_view json, const std::string& label, int32_t year);
  const std::vector<Calendar::DayOverride>& overrides() const { return overrides_; }
  const std::vector<int32_t>& known_years() const { return known_years_; }

 private:
  std::vector<Calendar::DayOverride> overrides_;
  std::vector<int32_t> known_years_;
  std::map<int64_t, std::pair<bool, std::string>> seen_;
};

// `dir` is the model directory (holiday files are read from dir/calendars/<id>/).
Result<std::vector<Calendar>> load_calendars(std::string_view text, std::string_view file, const std::string& dir,
                                             LoadReport* report);

Result<std::vector<SlaClass>> load_sla(std::string_view text, std::string_view file,
                                       const std::vector<Calendar>& calendars);

}  // namespace whistle::model
