#include "whistle/time.hpp"

#include <charconv>
#include <cstdio>

#include "common/strings.hpp"

namespace whistle {

int64_t days_from_civil(int32_t y, uint32_t m, uint32_t d) noexcept {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<uint32_t>(y - era * 400);
  const uint32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilDate civil_from_days(int64_t z) noexcept {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<uint32_t>(z - era * 146097);
  const uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const uint32_t mp = (5 * doy + 2) / 153;
  const uint32_t d = doy - (153 * mp + 2) / 5 + 1;
  const uint32_t m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int32_t>(y + (m <= 2)), m, d};
}

bool valid_date(int32_t year, uint32_t month, uint32_t day) noexcept {
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr uint32_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

namespace {

bool digits(std::string_view s, size_t pos, size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Parses "±HH:MM" or "±HHMM" at s[pos..]; returns characters used, 0 on failure.
size_t offset_at(std::string_view s, size_t pos, int32_t& minutes) {
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return 0;
  const int sign = s[pos] == '-' ? -1 : 1;
  int64_t hh, mm;
  size_t used;
  if (digits(s, pos + 1, 2, hh) && pos + 3 < s.size() && s[pos + 3] == ':' && digits(s, pos + 4, 2, mm)) {
    used = 6;
  } else if (digits(s, pos + 1, 2, hh) && digits(s, pos + 3, 2, mm)) {
    used = 5;
  } else {
    return 0;
  }
  if (hh > 18 || mm > 59 || hh * 60 + mm > 18 * 60) return 0;
  minutes = static_cast<int32_t>(sign * (hh * 60 + mm));
  return used;
}

}  // namespace

Result<int32_t> parse_utc_offset(std::string_view text) {
  int32_t minutes = 0;
  if (offset_at(text, 0, minutes) != text.size() || text.empty()) {
    return Status::invalid(strings::quoted(text) + " is not a UTC offset like +08:00");
  }
  return minutes;
}

Result<ParsedInstant> parse_iso8601(std::string_view s) {
  auto bad = [&](const char* why) {
    return Status::invalid(strings::quoted(s) + " is not an ISO-8601 instant with offset (" + why + ")");
  };
  int64_t y, mo, d, h, mi, sec = 0, ms = 0;
  if (!digits(s, 0, 4, y) || s.size() < 16 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi)) {
    return bad("expected YYYY-MM-DDTHH:MM");
  }
  size_t pos = 16;
  if (pos < s.size() && s[pos] == ':') {
    if (!digits(s, pos + 1, 2, sec)) return bad("bad seconds");
    pos += 3;
    if (pos < s.size() && s[pos] == '.') {
      size_t n = 0;
      ++pos;
      while (pos + n < s.size() && s[pos + n] >= '0' && s[pos + n] <= '9') ++n;
      if (n == 0) return bad("empty fraction");
      int64_t frac = 0;
      digits(s, pos, std::min<size_t>(n, 3), frac);
      for (size_t k = n; k < 3; ++k) frac *= 10;
      ms = frac;
      pos += n;
    }
  }
  if (!valid_date(static_cast<int32_t>(y), static_cast<uint32_t>(mo), static_cast<uint32_t>(d))) return bad("no such date");
  if (h > 24 || mi > 59 || sec > 59 || (h == 24 && (mi || sec || ms))) return bad("bad time of day");
  ParsedInstant out;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else {
    const size_t used = offset_at(s, pos, out.offset_minutes);
    if (!used) return bad("missing or bad offset");
    pos += used;
  }
  if (pos != s.size()) return bad("trailing characters");
  const int64_t days = days_from_civil(static_cast<int32_t>(y), static_cast<uint32_t>(mo), static_cast<uint32_t>(d));
  out.at = days * kMsPerDay + h * kMsPerHour + mi * kMsPerMinute + sec * 1000 + ms - out.offset_minutes * kMsPerMinute;
  return out;
}

std::string format_iso8601(Instant at, int32_t offset_minutes) {
  // An instant more than a day outside the supported range (or an offset beyond a day) prints
  // as its number: no date arithmetic on it can overflow.
  if (at < kFirstInstant - kMsPerDay || at > kLastInstant + kMsPerDay || offset_minutes < -24 * 60 ||
      offset_minutes > 24 * 60) {
    return std::to_string(at) + " ms after the epoch";
  }
  const int64_t local = at + int64_t{offset_minutes} * kMsPerMinute;
  const int64_t days = floor_div(local, kMsPerDay);
  const int64_t in_day = local - days * kMsPerDay;
  const CivilDate c = civil_from_days(days);
  char buf[64];
  const int64_t ms = in_day % 1000;
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld", c.year, c.month, c.day,
                        static_cast<long long>(in_day / kMsPerHour), static_cast<long long>(in_day / kMsPerMinute % 60),
                        static_cast<long long>(in_day / 1000 % 60));
  if (ms) n += std::snprintf(buf + n, sizeof buf - n, ".%03lld", static_cast<long long>(ms));
  const int32_t off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  std::snprintf(buf + n, sizeof buf - n, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
  return buf;
}

}  // namespace whistle
