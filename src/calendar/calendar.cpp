#include "whistle/calendar.hpp"

#include <algorithm>

namespace whistle {

Result<Duration> parse_duration(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Status::invalid("duration '" + std::string(text) + "': " + why);
  };
  size_t i = 0;
  uint64_t n = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    n = n * 10 + static_cast<uint64_t>(text[i] - '0');
    if (n > kMaxDurationCount) return bad("count larger than 100000");
    ++i;
  }
  if (i == 0) return bad("expected a positive count then wd, wh, h or m");
  if (n == 0) return bad("the count must be positive");
  const std::string_view unit = text.substr(i);
  Duration d;
  d.count = static_cast<uint32_t>(n);
  if (unit == "wd") {
    d.unit = DurationUnit::working_days;
  } else if (unit == "wh") {
    d.unit = DurationUnit::working_hours;
  } else if (unit == "h") {
    d.unit = DurationUnit::hours;
  } else if (unit == "m") {
    d.unit = DurationUnit::minutes;
  } else {
    return bad("unknown unit '" + std::string(unit) + "' (wd, wh, h, m)");
  }
  return d;
}

std::string to_string(Duration d) {
  static constexpr const char* kUnits[] = {"wd", "wh", "h", "m"};
  return std::to_string(d.count) + kUnits[static_cast<int>(d.unit)];
}

Calendar::Calendar(std::string id, int32_t utc_offset_minutes, std::vector<OfficeInterval> office_hours,
                   std::vector<DayOverride> overrides, std::vector<int32_t> known_years)
    : id_(std::move(id)),
      offset_minutes_(utc_offset_minutes),
      offset_ms_(int64_t{utc_offset_minutes} * kMsPerMinute),
      office_(std::move(office_hours)),
      overrides_(std::move(overrides)),
      known_years_(std::move(known_years)) {
  first_day_ = days_from_civil(kFirstYear, 1, 1);
  const int64_t end_day = days_from_civil(kEndYear, 1, 1);
  const auto days = static_cast<size_t>(end_day - first_day_);
  std::vector<uint8_t> working(days);
  for (size_t i = 0; i < days; ++i) {
    working[i] = is_24x7() || weekday_from_days(first_day_ + static_cast<int64_t>(i)) < 5;
  }
  if (!is_24x7()) {
    for (const DayOverride& o : overrides_) {
      const int64_t i = o.day - first_day_;
      if (i >= 0 && i < static_cast<int64_t>(days)) working[static_cast<size_t>(i)] = !o.off;
    }
    day_work_ms_ = 0;
    for (const auto& iv : office_) day_work_ms_ += iv.end_ms - iv.start_ms;
  } else {
    office_ = {};
  }
  work_before_.resize(days + 1);
  unknown_before_.resize(days + 1);
  int32_t year = kFirstYear;
  int64_t next_year_day = days_from_civil(year + 1, 1, 1);
  bool known = std::find(known_years_.begin(), known_years_.end(), year) != known_years_.end();
  for (size_t i = 0; i < days; ++i) {
    const int64_t day = first_day_ + static_cast<int64_t>(i);
    if (day == next_year_day) {
      ++year;
      next_year_day = days_from_civil(year + 1, 1, 1);
      known = std::find(known_years_.begin(), known_years_.end(), year) != known_years_.end();
    }
    work_before_[i + 1] = work_before_[i] + working[i];
    // A 24x7 calendar needs no holiday file: nothing it computes is provisional.
    unknown_before_[i + 1] = unknown_before_[i] + (!known && !is_24x7());
    if (working[i]) working_days_.push_back(static_cast<int32_t>(i));
  }
}

bool Calendar::is_working_day(int64_t day) const noexcept {
  const int64_t i = day - first_day_;
  if (i < 0 || i + 1 >= static_cast<int64_t>(work_before_.size())) return !is_24x7() ? weekday_from_days(day) < 5 : true;
  return work_before_[static_cast<size_t>(i) + 1] != work_before_[static_cast<size_t>(i)];
}

bool Calendar::add(Instant start, Duration d, Deadline& out) const noexcept {
  switch (d.unit) {
    case DurationUnit::working_days: return add_working_days(start, d.count, out);  // position() checks the start
    case DurationUnit::working_hours: return add_working_hours(start, d.count, out);
    case DurationUnit::hours:
    case DurationUnit::minutes: {
      if (!in_instant_range(start)) return false;  // within it, start + 2^32 h cannot overflow
      const int64_t unit = d.unit == DurationUnit::hours ? kMsPerHour : kMsPerMinute;
      out = {start + int64_t{d.count} * unit, false};
      return true;
    }
  }
  return false;
}

bool Calendar::warning(Instant start, Duration limit, Duration warn_before, Deadline& out) const noexcept {
  if (limit.unit == DurationUnit::hours || limit.unit == DurationUnit::minutes) {
    Deadline deadline;
    if (!add(start, limit, deadline)) return false;
    const int64_t unit = warn_before.unit == DurationUnit::hours ? kMsPerHour : kMsPerMinute;
    out = {deadline.at - int64_t{warn_before.count} * unit, false};
    return true;
  }
  if (warn_before.count >= limit.count) return false;
  return add(start, {limit.count - warn_before.count, limit.unit}, out);
}

// Where counting starts: the start's table day and, for working hours, the working time up
// to it. Computed once when a stage needs both its deadline and its warning.
bool Calendar::position(Instant start, DurationUnit unit, Position& p) const noexcept {
  if (!in_instant_range(start)) return false;
  const int64_t local = start + offset_ms_;
  const int64_t day = floor_div(local, kMsPerDay);
  p.day = day - first_day_;
  if (p.day < 0 || p.day + 1 >= static_cast<int64_t>(work_before_.size())) return false;
  if (unit == DurationUnit::working_hours) {
    if (day_work_ms_ <= 0) return false;
    p.working_days = work_before_[static_cast<size_t>(p.day)];
    p.into_day = working_ms_until(p.day, local - day * kMsPerDay) - p.working_days * day_work_ms_;
  }
  return true;
}

// The deadline is 24:00 local of the n-th working day after the start's local date.
bool Calendar::working_days_from(const Position& p, uint32_t n, Deadline& out) const noexcept {
  const int64_t k = int64_t{work_before_[static_cast<size_t>(p.day) + 1]} + n - 1;
  if (k >= static_cast<int64_t>(working_days_.size())) return false;
  const int64_t w = working_days_[static_cast<size_t>(k)];
  out.at = (first_day_ + w + 1) * kMsPerDay - offset_ms_;
  out.provisional = unknown_before_[static_cast<size_t>(w) + 1] != unknown_before_[static_cast<size_t>(p.day) + 1];
  return true;
}

bool Calendar::add_working_days(Instant start, uint32_t n, Deadline& out) const noexcept {
  Position p;
  return position(start, DurationUnit::working_days, p) && working_days_from(p, n, out);
}

int64_t Calendar::working_ms_until(int64_t i, int64_t ms_of_day) const noexcept {
  int64_t total = int64_t{work_before_[static_cast<size_t>(i)]} * day_work_ms_;
  if (work_before_[static_cast<size_t>(i) + 1] == work_before_[static_cast<size_t>(i)]) return total;
  if (office_.empty()) return total + ms_of_day;
  for (const auto& iv : office_) {
    if (ms_of_day <= iv.start_ms) break;
    total += std::min<int64_t>(ms_of_day, iv.end_ms) - iv.start_ms;
  }
  return total;
}

// N hours of office time from the start; a count completing exactly at an interval's end
// ends there (the earliest instant reaching the count).
bool Calendar::working_hours_from(const Position& p, uint32_t n, Deadline& out) const noexcept {
  // Working time counted from the start of working day `p.working_days` (0-based): the count
  // ends on that day when it fits (no division on the common path), else some days later.
  const int64_t from_day_start = p.into_day + int64_t{n} * kMsPerHour;
  const int64_t later_days = from_day_start <= day_work_ms_ ? 0 : (from_day_start - 1) / day_work_ms_;
  const int64_t k = p.working_days + later_days;  // the working day where it ends
  if (k >= static_cast<int64_t>(working_days_.size())) return false;
  int64_t remaining = from_day_start - later_days * day_work_ms_;  // in (0, day_work_ms_]
  const int64_t w = working_days_[static_cast<size_t>(k)];
  int64_t ms_of_day = remaining;
  for (const auto& iv : office_) {
    const int64_t len = iv.end_ms - iv.start_ms;
    if (remaining <= len) {
      ms_of_day = iv.start_ms + remaining;
      break;
    }
    remaining -= len;
  }
  out.at = (first_day_ + w) * kMsPerDay + ms_of_day - offset_ms_;
  out.provisional = unknown_before_[static_cast<size_t>(w) + 1] != unknown_before_[static_cast<size_t>(p.day)];
  return true;
}

bool Calendar::add_working_hours(Instant start, uint32_t n, Deadline& out) const noexcept {
  Position p;
  return position(start, DurationUnit::working_hours, p) && working_hours_from(p, n, out);
}

bool Calendar::add_with_warning(Instant start, Duration limit, const Duration* warn_before, Deadline& deadline,
                                Deadline* warning) const noexcept {
  const bool warns = warn_before != nullptr && warning != nullptr;
  if (limit.unit == DurationUnit::hours || limit.unit == DurationUnit::minutes) {
    if (!add(start, limit, deadline)) return false;
    if (warns) *warning = {deadline.at - (limit.unit == DurationUnit::hours ? kMsPerHour : kMsPerMinute) * warn_before->count, false};
    return true;
  }
  Position p;
  if (!position(start, limit.unit, p)) return false;
  const auto from = limit.unit == DurationUnit::working_days ? &Calendar::working_days_from : &Calendar::working_hours_from;
  if (!(this->*from)(p, limit.count, deadline)) return false;
  if (warns && (warn_before->count >= limit.count || !(this->*from)(p, limit.count - warn_before->count, *warning))) {
    return false;
  }
  return true;
}

}  // namespace whistle
