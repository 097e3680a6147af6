// sla.csv against two fixed calendars (`cn` office hours, `24x7`); every stage with a limit
// must give a deadline after its start and a warning before its deadline.
#include "calendar/loaders.hpp"
#include "fuzz_context.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace whistle;
  static const std::vector<Calendar> calendars = [] {
    std::vector<Calendar> c;
    c.emplace_back("cn", 8 * 60, std::vector<Calendar::OfficeInterval>{{30'600'000, 43'200'000}, {48'600'000, 63'000'000}},
                   std::vector<Calendar::DayOverride>{}, std::vector<int32_t>{});
    c.emplace_back("24x7", 8 * 60, std::vector<Calendar::OfficeInterval>{}, std::vector<Calendar::DayOverride>{},
                   std::vector<int32_t>{});
    return c;
  }();
  auto classes = model::load_sla(fuzzing::as_text(data, size), "sla.csv", calendars);
  if (!classes.ok()) return 0;
  const Instant start = 1'758'853'800'000;  // 2025-09-26T10:30+08:00
  for (const SlaClass& cls : *classes) {
    for (const StageSla& s : cls.stages) {
      if (!s.has_deadline) continue;
      if (s.calendar >= calendars.size()) __builtin_trap();
      const Calendar& c = calendars[s.calendar];
      Calendar::Deadline deadline, warning;
      if (!c.add(start, s.limit, deadline)) continue;
      if (deadline.at <= start) __builtin_trap();
      if (s.warn_before && c.warning(start, s.limit, *s.warn_before, warning) && warning.at >= deadline.at) __builtin_trap();
    }
  }
  return 0;
}
