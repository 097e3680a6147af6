// Instants and civil time: int64 milliseconds since the Unix epoch (UTC), days since the
// epoch, ISO-8601 with an offset. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "whistle/status.hpp"

namespace whistle {

using Instant = int64_t;  // ms since 1970-01-01T00:00:00Z

inline constexpr int64_t kMsPerMinute = 60'000;
inline constexpr int64_t kMsPerHour = 3'600'000;
inline constexpr int64_t kMsPerDay = 86'400'000;

// The instants the engine and the calendars compute with: years 0001 to 9999 (UTC). Within
// them no deadline arithmetic can overflow (the largest duration, 2^32 - 1 hours, is ~1.5e16
// ms); the engine refuses an instant outside them, and a calendar computes no deadline from one.
inline constexpr Instant kFirstInstant = -62'135'596'800'000;  // 0001-01-01T00:00:00Z
inline constexpr Instant kLastInstant = 253'402'300'799'999;   // 9999-12-31T23:59:59.999Z
inline constexpr bool in_instant_range(Instant t) noexcept { return t >= kFirstInstant && t <= kLastInstant; }

struct CivilDate {
  int32_t year;
  uint32_t month;  // 1-12
  uint32_t day;    // 1-31
};

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms).
int64_t days_from_civil(int32_t year, uint32_t month, uint32_t day) noexcept;
CivilDate civil_from_days(int64_t days) noexcept;
bool valid_date(int32_t year, uint32_t month, uint32_t day) noexcept;
// 0 = Monday … 6 = Sunday.
inline uint32_t weekday_from_days(int64_t days) noexcept {
  return static_cast<uint32_t>(((days % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday
}

inline int64_t floor_div(int64_t a, int64_t b) noexcept {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by "Z", "±HH:MM" or "±HHMM".
struct ParsedInstant {
  Instant at = 0;
  int32_t offset_minutes = 0;
};
Result<ParsedInstant> parse_iso8601(std::string_view text);

// "±HH:MM" -> minutes (within ±18:00).
Result<int32_t> parse_utc_offset(std::string_view text);

// "2025-10-01T00:00:00+08:00" (".mmm" added when the instant has milliseconds).
std::string format_iso8601(Instant at, int32_t offset_minutes);

}  // namespace whistle
