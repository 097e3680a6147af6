// Calendars against slow references: a day-by-day loop for `wd` over every day of 2007-2026
// (the official holiday files, when ../shared/data is present) and an interval walk for `wh`.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "calendar/loaders.hpp"
#include "common/csv.hpp"
#include "sample/sample_model.hpp"
#include "sample/tiling.hpp"
#include "support/model_dir.hpp"
#include "support/reference.hpp"
#include "whistle/calendar.hpp"

namespace whistle {
namespace {

using Interval = Calendar::OfficeInterval;
const std::vector<Interval> kCnHours{{8 * 3600000 + 30 * 60000, 12 * 3600000}, {13 * 3600000 + 30 * 60000, 17 * 3600000 + 30 * 60000}};

Instant at(const char* iso) {
  auto p = parse_iso8601(iso);
  EXPECT_TRUE(p.ok()) << iso;
  return p.ok() ? p->at : 0;
}

// The reference: a map of overrides and the weekday rule, walked one day at a time.
struct ReferenceCalendar {
  int32_t offset_minutes;
  std::vector<Interval> hours;
  std::map<int64_t, bool> off;  // day -> is off
  bool working(int64_t day) const {
    if (hours.empty()) return true;
    auto it = off.find(day);
    if (it != off.end()) return !it->second;
    return weekday_from_days(day) < 5;
  }
  int64_t local_day(Instant t) const { return floor_div(t + offset_minutes * kMsPerMinute, kMsPerDay); }
  Instant wd(Instant start, uint32_t n) const {
    int64_t d = local_day(start);
    for (uint32_t counted = 0; counted < n;) counted += working(++d);
    return (d + 1) * kMsPerDay - offset_minutes * kMsPerMinute;
  }
  Instant wh(Instant start, uint32_t n) const {
    int64_t remaining = int64_t{n} * kMsPerHour;
    const int64_t shift = offset_minutes * kMsPerMinute;
    int64_t t = start + shift;  // local ms
    for (;;) {
      const int64_t day = floor_div(t, kMsPerDay);
      if (working(day)) {
        const std::vector<Interval> all{{0, static_cast<int32_t>(kMsPerDay)}};
        for (const Interval& iv : hours.empty() ? all : hours) {
          const int64_t s = std::max<int64_t>(t, day * kMsPerDay + iv.start_ms), e = day * kMsPerDay + iv.end_ms;
          if (s >= e) continue;
          if (remaining <= e - s) return s + remaining - shift;
          remaining -= e - s;
        }
      }
      t = (day + 1) * kMsPerDay;
    }
  }
};

Calendar from_shared_holidays(ReferenceCalendar& ref, const std::string& data, int first_year, int last_year) {
  model::HolidaySet set;
  for (int y = first_year; y <= last_year; ++y) {
    const std::string path = data + "/holiday-cn/" + std::to_string(y) + ".json";
    auto text = csv::read_file(path);
    EXPECT_TRUE(text.ok()) << path;
    Status s = set.add_file(*text, path, y);
    EXPECT_TRUE(s.ok()) << s.to_string();
  }
  for (const auto& o : set.overrides()) ref.off[o.day] = o.off;
  ref.offset_minutes = 480;
  ref.hours = kCnHours;
  return Calendar("cn", 480, kCnHours, set.overrides(), set.known_years());
}

TEST(Calendar, WorkedExampleOfSpec) {
  model::HolidaySet set;
  for (const auto& [year, json] : sample::cn_holiday_files()) ASSERT_TRUE(set.add_file(json, "cn", year).ok());
  Calendar cn("cn", 480, kCnHours, set.overrides(), set.known_years());
  Calendar::Deadline d;
  ASSERT_TRUE(cn.add(at("2025-09-26T10:00:00+08:00"), {3, DurationUnit::working_days}, d));
  EXPECT_EQ(format_iso8601(d.at, 480), "2025-10-01T00:00:00+08:00");
  EXPECT_FALSE(d.provisional);
  // The make-up Saturday 10-11 counts: 1wd from Thursday 10-09 ends at 24:00 of 10-10 (Fri),
  // 2wd at 24:00 of 10-11 (Sat).
  ASSERT_TRUE(cn.add(at("2025-10-09T09:00:00+08:00"), {2, DurationUnit::working_days}, d));
  EXPECT_EQ(format_iso8601(d.at, 480), "2025-10-12T00:00:00+08:00");
  // Warning of a 3wd stage warned 1wd before: the 2wd deadline.
  ASSERT_TRUE(cn.warning(at("2025-09-26T10:00:00+08:00"), {3, DurationUnit::working_days}, {1, DurationUnit::working_days}, d));
  EXPECT_EQ(format_iso8601(d.at, 480), "2025-09-30T00:00:00+08:00");
  ASSERT_TRUE(cn.warning(at("2025-09-26T10:00:00+08:00"), {24, DurationUnit::hours}, {4, DurationUnit::hours}, d));
  EXPECT_EQ(format_iso8601(d.at, 480), "2025-09-27T06:00:00+08:00");
  // A year without a file: the weekday rule, marked provisional.
  ASSERT_TRUE(cn.add(at("2027-01-05T09:00:00+08:00"), {1, DurationUnit::working_days}, d));
  EXPECT_EQ(format_iso8601(d.at, 480), "2027-01-07T00:00:00+08:00");
  EXPECT_TRUE(d.provisional);
}

TEST(Calendar, WorkingHoursAcrossLunchHolidaysAndIntervalEnds) {
  model::HolidaySet set;
  for (const auto& [year, json] : sample::cn_holiday_files()) ASSERT_TRUE(set.add_file(json, "cn", year).ok());
  Calendar cn("cn", 480, kCnHours, set.overrides(), set.known_years());
  auto wh = [&](const char* start, uint32_t n) {
    Calendar::Deadline d;
    EXPECT_TRUE(cn.add(at(start), {n, DurationUnit::working_hours}, d));
    return format_iso8601(d.at, 480);
  };
  EXPECT_EQ(wh("2025-09-26T10:00:00+08:00", 4), "2025-09-26T15:30:00+08:00");  // over lunch
  EXPECT_EQ(wh("2025-09-26T12:30:00+08:00", 1), "2025-09-26T14:30:00+08:00");  // starts at lunch
  EXPECT_EQ(wh("2025-09-26T07:00:00+08:00", 1), "2025-09-26T09:30:00+08:00");  // before office
  EXPECT_EQ(wh("2025-09-30T16:30:00+08:00", 1), "2025-09-30T17:30:00+08:00");  // ends at an interval end
  EXPECT_EQ(wh("2025-09-30T16:00:00+08:00", 2), "2025-10-09T09:00:00+08:00");  // over National Day
  EXPECT_EQ(wh("2025-09-27T09:00:00+08:00", 1), "2025-09-28T09:30:00+08:00");  // Sat off, Sun 09-28 make-up
  EXPECT_EQ(wh("2025-09-26T08:30:00+08:00", 15), "2025-09-28T17:30:00+08:00"); // two whole days
}

TEST(Calendar, MatchesTheDayByDayReferenceEveryDay2007To2026) {
  const std::string data = testing::shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent: holiday reference test skipped";
  ReferenceCalendar ref;
  const Calendar cn = from_shared_holidays(ref, data, 2007, 2027);
  const int64_t first = days_from_civil(2007, 1, 1), last = days_from_civil(2026, 12, 31);
  size_t checked = 0;
  for (int64_t day = first; day <= last; ++day) {
    for (const int64_t ms_of_day : {int64_t{0}, 10 * kMsPerHour, kMsPerDay - 1}) {
      const Instant start = day * kMsPerDay + ms_of_day - 480 * kMsPerMinute;
      for (uint32_t n : {1u, 2u, 3u, 5u, 10u, 15u}) {
        Calendar::Deadline d;
        ASSERT_TRUE(cn.add(start, {n, DurationUnit::working_days}, d));
        ASSERT_EQ(d.at, ref.wd(start, n)) << format_iso8601(start, 480) << " + " << n << "wd";
        ++checked;
      }
    }
    ASSERT_EQ(cn.is_working_day(day), ref.working(day));
  }
  EXPECT_EQ(checked, size_t(last - first + 1) * 18);
}

TEST(Calendar, WorkingHoursMatchTheIntervalWalk) {
  const std::string data = testing::shared_data_dir();
  ReferenceCalendar ref;
  Calendar cn;
  if (data.empty()) {
    model::HolidaySet set;
    for (const auto& [year, json] : sample::cn_holiday_files()) ASSERT_TRUE(set.add_file(json, "cn", year).ok());
    for (const auto& o : set.overrides()) ref.off[o.day] = o.off;
    ref.offset_minutes = 480;
    ref.hours = kCnHours;
    cn = Calendar("cn", 480, kCnHours, set.overrides(), set.known_years());
  } else {
    cn = from_shared_holidays(ref, data, 2007, 2027);
  }
  sample::Random rng(3);
  const int64_t first = days_from_civil(2024, 1, 1);
  for (int i = 0; i < 200000; ++i) {
    // Starts on whole quarter hours (so interval edges are hit) or anywhere.
    Instant start = (first + static_cast<int64_t>(rng.below(3 * 366))) * kMsPerDay - 480 * kMsPerMinute;
    start += i % 2 ? static_cast<int64_t>(rng.below(96)) * 15 * kMsPerMinute : static_cast<int64_t>(rng.below(kMsPerDay));
    const uint32_t n = 1 + static_cast<uint32_t>(rng.below(i % 10 ? 24 : 400));
    Calendar::Deadline d;
    ASSERT_TRUE(cn.add(start, {n, DurationUnit::working_hours}, d));
    ASSERT_EQ(d.at, ref.wh(start, n)) << format_iso8601(start, 480) << " + " << n << "wh";
  }
}

TEST(Calendar, AnyUtcOffsetAnd24x7) {
  // Kathmandu +05:45 and Newfoundland -03:30: the wd deadline is local midnight.
  for (int32_t offset : {345, -210, 0, 840, -720}) {
    ReferenceCalendar ref{offset, kCnHours, {}};
    Calendar c("x", offset, kCnHours, {}, {});
    sample::Random rng(static_cast<uint64_t>(offset + 1000));
    for (int i = 0; i < 20000; ++i) {
      const Instant start = at("2020-01-01T00:00:00Z") + static_cast<int64_t>(rng.below(uint64_t{5} * 365 * kMsPerDay));
      const uint32_t n = 1 + static_cast<uint32_t>(rng.below(30));
      Calendar::Deadline d;
      ASSERT_TRUE(c.add(start, {n, DurationUnit::working_days}, d));
      ASSERT_EQ(d.at, ref.wd(start, n));
      ASSERT_TRUE(c.add(start, {n, DurationUnit::working_hours}, d));
      ASSERT_EQ(d.at, ref.wh(start, n));
    }
  }
  Calendar all("24x7", 480, {}, {{days_from_civil(2025, 10, 1), true}}, {});
  Calendar::Deadline d;
  ASSERT_TRUE(all.add(at("2025-09-30T10:00:00+08:00"), {2, DurationUnit::working_days}, d));
  EXPECT_EQ(format_iso8601(d.at, 480), "2025-10-03T00:00:00+08:00");  // every day counts
  ASSERT_TRUE(all.add(at("2025-09-30T10:00:00+08:00"), {30, DurationUnit::working_hours}, d));
  EXPECT_EQ(format_iso8601(d.at, 480), "2025-10-01T16:00:00+08:00");
  EXPECT_FALSE(d.provisional);
  ASSERT_TRUE(all.add(at("2025-09-30T10:00:00+08:00"), {90, DurationUnit::minutes}, d));
  EXPECT_EQ(format_iso8601(d.at, 480), "2025-09-30T11:30:00+08:00");
  EXPECT_FALSE(all.add(at("2199-12-31T10:00:00+08:00"), {5, DurationUnit::working_days}, d));  // past the table
  // A start outside years 1-9999 computes nothing, whatever the unit (no overflow either).
  Calendar::Deadline w;
  for (Instant start : {INT64_MIN, kFirstInstant - 1, kLastInstant + 1, INT64_MAX}) {
    for (DurationUnit unit : {DurationUnit::working_days, DurationUnit::working_hours, DurationUnit::hours,
                              DurationUnit::minutes}) {
      EXPECT_FALSE(all.add(start, {UINT32_MAX, unit}, d));
      const Duration before{1, unit};
      EXPECT_FALSE(all.add_with_warning(start, {3, unit}, &before, d, &w));
    }
  }
  ASSERT_TRUE(all.add(kLastInstant, {UINT32_MAX, DurationUnit::hours}, d));  // the largest sum fits
  EXPECT_EQ(d.at, kLastInstant + int64_t{UINT32_MAX} * kMsPerHour);
}

TEST(Duration, ParsesAndRejects) {
  auto ok = [](const char* s, uint32_t n, DurationUnit u) {
    auto d = parse_duration(s);
    ASSERT_TRUE(d.ok()) << s;
    EXPECT_EQ(d->count, n);
    EXPECT_EQ(d->unit, u);
    EXPECT_EQ(to_string(*d), s);
  };
  ok("3wd", 3, DurationUnit::working_days);
  ok("4wh", 4, DurationUnit::working_hours);
  ok("24h", 24, DurationUnit::hours);
  ok("30m", 30, DurationUnit::minutes);
  for (const char* bad : {"0wd", "-3wh", "3xx", "", "wd", "100001wd", "3 wd", "3WD", "1.5h", "99999999999999999999h"}) {
    EXPECT_FALSE(parse_duration(bad).ok()) << bad;
  }
  EXPECT_NE(parse_duration("0wd").status().message().find("positive"), std::string::npos);
  EXPECT_NE(parse_duration("3xx").status().message().find("unknown unit 'xx'"), std::string::npos);
}

TEST(Time, Iso8601) {
  EXPECT_EQ(at("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(at("1970-01-01T08:00:00+08:00"), 0);
  EXPECT_EQ(at("1970-01-01T00:00:00.250-0130"), 5'400'000 + 250);
  EXPECT_EQ(format_iso8601(at("2025-10-01T00:00+08:00"), 480), "2025-10-01T00:00:00+08:00");
  EXPECT_EQ(format_iso8601(1234, -210), "1969-12-31T20:30:01.234-03:30");
  for (const char* bad : {"2025-02-29T00:00:00+08:00", "2025-10-01T00:00:00", "2025-10-01", "2025-10-01T25:00Z",
                          "2025-10-01T00:00:00+19:00", "2025-10-01T00:00:00+08:00x", "nonsense"}) {
    EXPECT_FALSE(parse_iso8601(bad).ok()) << bad;
  }
  for (int64_t day = days_from_civil(1900, 1, 1); day < days_from_civil(2200, 1, 1); day += 7) {
    const CivilDate c = civil_from_days(day);
    ASSERT_EQ(days_from_civil(c.year, c.month, c.day), day);
  }
}

// Loading: every bad calendar, holiday or SLA input is refused with its place.
void expect_model_error(std::map<std::string, std::string> changes, std::initializer_list<std::string> parts) {
  auto files = testing::small_model_files();
  for (auto& [k, v] : changes) files[k] = v;
  auto model = testing::load_model_files("cal", files);
  ASSERT_FALSE(model.ok());
  for (const auto& part : parts) {
    EXPECT_NE(model.status().message().find(part), std::string::npos) << model.status().message() << " lacks " << part;
  }
}

TEST(CalendarLoading, Errors) {
  const std::string cal = "id,utc_offset,office_hours\n";
  expect_model_error({{"calendars.csv", cal + "cn,+8,08:30-12:00\n"}}, {"calendars.csv:2", "field 'utc_offset'"});
  expect_model_error({{"calendars.csv", cal + "cn,+08:00,08:30-12:00;11:00-13:00\n"}}, {"calendars.csv:2", "overlap"});
  expect_model_error({{"calendars.csv", cal + "cn,+08:00,08:30-25:00\n"}}, {"calendars.csv:2", "field 'office_hours'", "08:30-25:00"});
  expect_model_error({{"calendars.csv", cal + "cn,+08:00,\ncn,+08:00,\n"}}, {"calendars.csv:3", "duplicate calendar 'cn'"});
  auto holiday = [](const std::string& days) { return "{\"year\":2025,\"days\":[" + days + "]}"; };
  expect_model_error({{"calendars/cn/2025.json", "{\"year\":2025,\"days\":["}}, {"calendars/cn/2025.json", "invalid JSON"});
  expect_model_error({{"calendars/cn/2025.json", holiday("{\"date\":\"2025-02-30\",\"isOffDay\":true}")}},
                     {"calendars/cn/2025.json", "day 0", "field 'date'", "2025-02-30"});
  expect_model_error({{"calendars/cn/2025.json", holiday("{\"date\":\"2025-10-01\"}")}}, {"day 0", "field 'isOffDay'"});
  expect_model_error({{"calendars/cn/2025.json", holiday("{\"date\":\"2023-10-01\",\"isOffDay\":true}")}}, {"outside the file's year"});
  expect_model_error({{"calendars/cn/2025.json", "{\"year\":2024,\"days\":[]}"}}, {"field 'year'", "does not match"});
  expect_model_error({{"calendars/cn/2025.json", holiday("{\"date\":\"2025-12-31\",\"isOffDay\":true}")},
                      {"calendars/cn/2026.json", "{\"year\":2026,\"days\":[{\"date\":\"2025-12-31\",\"isOffDay\":false}]}"}},
                     {"calendars/cn/2026.json", "2025-12-31", "calendars/cn/2025.json"});
  expect_model_error({{"calendars/cn/2200.json", "{\"year\":2200,\"days\":[]}"}}, {"calendars/cn/2200.json", "year outside 1900-2199"});
  expect_model_error({{"calendars/cn/1899.json", "{\"year\":1899,\"days\":[]}"}}, {"calendars/cn/1899.json", "year outside 1900-2199"});
  const std::string sla = "class,stage,limit,warn_before,escalate_every,calendar\n";
  expect_model_error({{"sla.csv", sla + "general,fix,3wd,,,cn\n"}}, {"sla.csv:2", "field 'stage'", "unknown stage 'fix'"});
  expect_model_error({{"sla.csv", sla + "general,resolve,3wd,4wh,,cn\n"}}, {"sla.csv:2", "field 'warn_before'", "unit of the limit"});
  expect_model_error({{"sla.csv", sla + "general,resolve,3wd,3wd,,cn\n"}}, {"sla.csv:2", "smaller than the limit"});
  expect_model_error({{"sla.csv", sla + "general,resolve,0wd,,,cn\n"}}, {"sla.csv:2", "field 'limit'", "positive"});
  expect_model_error({{"sla.csv", sla + "general,resolve,3xx,,,cn\n"}}, {"sla.csv:2", "field 'limit'", "unknown unit"});
  expect_model_error({{"sla.csv", sla + "general,resolve,3wd,,-1wd,cn\n"}}, {"sla.csv:2", "field 'escalate_every'"});
  expect_model_error({{"sla.csv", sla + "general,resolve,3wd,,,moon\n"}}, {"sla.csv:2", "unknown calendar 'moon'"});
  expect_model_error({{"sla.csv", sla + "general,resolve,3wd,,,cn\ngeneral,resolve,5wd,,,cn\n"}}, {"sla.csv:3", "second row"});
  expect_model_error({{"sla.csv", sla + "general,resolve,,1wd,,cn\n"}}, {"sla.csv:2", "field 'limit'"});
}

// What loads with a warning: a file in a calendar's folder not named YYYY.json is ignored, and
// a 24x7 calendar's holiday files are not used (it has no days off).
TEST(CalendarLoading, WarnsOfFilesItDoesNotUse) {
  auto files = testing::small_model_files();
  files["calendars.csv"] = "id,utc_offset,office_hours\ncn,+08:00,08:30-12:00;13:30-17:30\nround,+08:00,\n";
  files["calendars/cn/2025.json"] = "{\"year\":2025,\"days\":[{\"date\":\"2025-10-01\",\"isOffDay\":true}]}";
  files["calendars/cn/notes.txt"] = "not a holiday file";
  files["calendars/round/2025.json"] = "{\"year\":2025,\"days\":[{\"date\":\"2025-10-01\",\"isOffDay\":true}]}";
  LoadReport report;
  auto model = testing::load_model_files("calwarn", files, &report);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_TRUE(testing::has_warning(report, "calendars/cn/notes.txt: ignored (not YYYY.json)"));
  EXPECT_TRUE(testing::has_warning(report, "calendars/round: a 24x7 calendar has no days off; its holiday files are not used"));
  const uint32_t cn = (*model)->find_calendar("cn");
  ASSERT_NE(cn, kNoCalendar);
  const Calendar& c = (*model)->calendars()[cn];
  EXPECT_FALSE(c.is_working_day(c.local_day(at("2025-10-01T12:00:00+08:00"))));  // 2025.json is read
}

TEST(CalendarLoading, SampleCountyRoundTripsThroughTheCompiledModel) {
  const std::string dir = testing::temp_dir("calcounty");
  ASSERT_TRUE(sample::write_model_files(sample::make_sample_county(), dir).ok());
  auto model = Model::load_directory(dir);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  const Model& m = **model;
  ASSERT_EQ(m.calendars().size(), 2u);
  ASSERT_EQ(m.sla_classes().size(), 3u);
  for (const Matter& matter : m.matters()) EXPECT_NE(matter.sla_class, kNoSlaClass);
  const SlaClass& general = m.sla_classes()[0];
  EXPECT_EQ(general.stage(Stage::resolve).limit, (Duration{3, DurationUnit::working_days}));
  EXPECT_FALSE(general.stage(Stage::dispatch).warn_before.has_value());
  auto copy = Model::from_compiled(m.to_compiled());
  ASSERT_TRUE(copy.ok()) << copy.status().to_string();
  ASSERT_EQ((*copy)->calendars().size(), 2u);
  sample::Random rng(1);
  for (int i = 0; i < 5000; ++i) {
    const Instant start = at("2025-01-01T00:00:00+08:00") + static_cast<int64_t>(rng.below(uint64_t{700} * kMsPerDay));
    const Duration d{1 + static_cast<uint32_t>(rng.below(20)), static_cast<DurationUnit>(rng.below(4))};
    for (size_t c = 0; c < 2; ++c) {
      Calendar::Deadline a, b;
      ASSERT_TRUE(m.calendars()[c].add(start, d, a));
      ASSERT_TRUE((*copy)->calendars()[c].add(start, d, b));
      ASSERT_EQ(a.at, b.at);
      ASSERT_EQ(a.provisional, b.provisional);
    }
  }
  EXPECT_EQ((*copy)->sla_classes()[1].stage(Stage::resolve).warn_before, m.sla_classes()[1].stage(Stage::resolve).warn_before);
}

}  // namespace
}  // namespace whistle
