// Working-day calendars and SLA deadline arithmetic (SPEC §1, §2).
//
// A Calendar knows, for every local date from 1900 to 2199, whether it is a working day
// (Monday–Friday unless a holiday file says otherwise: 调休 make-up days are listed with
// isOffDay false) and its office hours. Prefix tables make `wd` arithmetic O(1) and `wh`
// O(office intervals per day); `h` and `m` are natural time.
// Thread model: immutable after construction; any number of threads may compute deadlines.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "whistle/status.hpp"
#include "whistle/time.hpp"

namespace whistle {

enum class DurationUnit : uint8_t { working_days, working_hours, hours, minutes };

struct Duration {
  uint32_t count = 0;
  DurationUnit unit = DurationUnit::working_days;
  friend bool operator==(const Duration&, const Duration&) = default;
};

inline constexpr uint32_t kMaxDurationCount = 100'000;

// "3wd", "4wh", "24h", "30m": a positive count (at most 100,000) and a unit.
Result<Duration> parse_duration(std::string_view text);
std::string to_string(Duration d);

class Calendar {
 public:
  struct OfficeInterval {
    int32_t start_ms;  // from local midnight
    int32_t end_ms;    // exclusive, at most 24:00
  };
  struct DayOverride {
    int64_t day;  // days since 1970-01-01 (local date)
    bool off;     // true: a holiday; false: a make-up working day
  };
  struct Deadline {
    Instant at = 0;
    bool provisional = false;  // counted days in a year without a holiday file
  };

  static constexpr int32_t kFirstYear = 1900;
  static constexpr int32_t kEndYear = 2200;  // exclusive

  Calendar() = default;
  // `office_hours` sorted and disjoint (empty: 24x7, and then every day is a working day);
  // `known_years`: years whose holiday file exists and lists days.
  Calendar(std::string id, int32_t utc_offset_minutes, std::vector<OfficeInterval> office_hours,
           std::vector<DayOverride> overrides, std::vector<int32_t> known_years);

  const std::string& id() const noexcept { return id_; }
  int32_t utc_offset_minutes() const noexcept { return offset_minutes_; }
  bool is_24x7() const noexcept { return office_.empty(); }
  const std::vector<OfficeInterval>& office_hours() const noexcept { return office_; }
  const std::vector<DayOverride>& overrides() const noexcept { return overrides_; }
  const std::vector<int32_t>& known_years() const noexcept { return known_years_; }

  // The local date (days since epoch) of an instant.
  int64_t local_day(Instant t) const noexcept { return floor_div(t + offset_ms_, kMsPerDay); }
  bool is_working_day(int64_t day) const noexcept;

  // start + duration under SPEC §2. False when a wd/wh result would leave 1900–2199, or the
  // start is outside kFirstInstant..kLastInstant (years 1–9999).
  bool add(Instant start, Duration d, Deadline& out) const noexcept;
  // The warning instant of a stage: the deadline for N − W (wd, wh) or the deadline − W.
  bool warning(Instant start, Duration limit, Duration warn_before, Deadline& out) const noexcept;
  // Both at once (the start is located once); `warning` is set only when `warn_before` is
  // given. False when either falls outside 1900–2199 or the warning is not before the limit.
  bool add_with_warning(Instant start, Duration limit, const Duration* warn_before, Deadline& deadline,
                        Deadline* warning) const noexcept;

 private:
  struct Position {
    int64_t day = 0;           // table index of the start's local date
    int64_t working_days = 0;  // working hours: whole working days before that date
    int64_t into_day = 0;      // working hours: working time of that date before the start
  };
  bool position(Instant start, DurationUnit unit, Position& p) const noexcept;
  bool working_days_from(const Position& p, uint32_t n, Deadline& out) const noexcept;
  bool working_hours_from(const Position& p, uint32_t n, Deadline& out) const noexcept;
  bool add_working_days(Instant start, uint32_t n, Deadline& out) const noexcept;
  bool add_working_hours(Instant start, uint32_t n, Deadline& out) const noexcept;
  // Working ms from the table's first day to t.
  int64_t working_ms_until(int64_t day_index, int64_t ms_of_day) const noexcept;

  std::string id_;
  int32_t offset_minutes_ = 0;
  int64_t offset_ms_ = 0;
  std::vector<OfficeInterval> office_;
  std::vector<DayOverride> overrides_;
  std::vector<int32_t> known_years_;
  int64_t first_day_ = 0;                // days since epoch of the table's day 0
  int64_t day_work_ms_ = kMsPerDay;      // office time of one working day
  std::vector<int32_t> work_before_;     // [i]: working days among table days [0, i)
  std::vector<int32_t> unknown_before_;  // [i]: days in years without a file among [0, i)
  std::vector<int32_t> working_days_;    // [k]: table index of the k-th working day
};

}  // namespace whistle
