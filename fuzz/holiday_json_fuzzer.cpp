// A holiday-cn file (calendars/<id>/YYYY.json) as the file for 2025 of a `cn` calendar.
#include "calendar/loaders.hpp"
#include "calendar_checks.hpp"
#include "fuzz_context.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace whistle;
  model::HolidaySet holidays;
  if (!holidays.add_file(fuzzing::as_text(data, size), "calendars/cn/2025.json", 2025).ok()) return 0;
  const Calendar c("cn", 8 * 60, {{8 * 3'600'000 + 1'800'000, 12 * 3'600'000}, {13 * 3'600'000 + 1'800'000, 17 * 3'600'000 + 1'800'000}},
                   holidays.overrides(), holidays.known_years());
  fuzzing::check_calendar(c);
  return 0;
}
