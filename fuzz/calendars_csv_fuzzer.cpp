// calendars.csv (no holiday files: the folder named does not exist).
#include "calendar/loaders.hpp"
#include "calendar_checks.hpp"
#include "fuzz_context.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace whistle;
  auto calendars = model::load_calendars(fuzzing::as_text(data, size), "calendars.csv", "/nonexistent/whistle-fuzz", nullptr);
  if (!calendars.ok()) return 0;
  for (const Calendar& c : *calendars) fuzzing::check_calendar(c);
  return 0;
}
