// Invariants every loaded calendar must keep, whatever the input: deadlines grow with the
// count, `wd` deadlines fall on a local midnight, a warning precedes its deadline.
#pragma once

#include "whistle/calendar.hpp"

namespace whistle::fuzzing {

inline void check_calendar(const Calendar& c) {
  const int64_t offset_ms = int64_t{c.utc_offset_minutes()} * kMsPerMinute;
  for (Instant start : {Instant{1'735'660'800'000}, Instant{1'759'456'800'123}, Instant{1'767'225'599'999}}) {
    Instant previous_wd = start, previous_wh = start;
    for (uint32_t n = 1; n <= 6; ++n) {
      Calendar::Deadline wd, wh, warn;
      if (c.add(start, {n, DurationUnit::working_days}, wd)) {
        if (wd.at <= previous_wd || (wd.at + offset_ms) % kMsPerDay != 0) __builtin_trap();
        previous_wd = wd.at;
      }
      if (c.add(start, {n, DurationUnit::working_hours}, wh)) {
        if (wh.at <= previous_wh) __builtin_trap();
        previous_wh = wh.at;
      }
      if (n > 1 && c.warning(start, {n, DurationUnit::working_days}, {n - 1, DurationUnit::working_days}, warn) &&
          c.add(start, {n, DurationUnit::working_days}, wd) && warn.at >= wd.at) {
        __builtin_trap();
      }
    }
  }
}

}  // namespace whistle::fuzzing
