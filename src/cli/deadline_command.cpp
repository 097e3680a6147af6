// whistle deadline --model DIR --calendar ID
// stdin: "start,duration" (start ISO-8601 with offset); stdout: the deadline as ISO-8601 in
// the calendar's offset. A deadline counted over a year without a holiday file is still
// printed, and stderr notes that it is provisional.
#include "cli/commands.hpp"

namespace whistle::cli {

void add_deadline_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("deadline", "Compute SLA deadlines (start,duration per stdin line)");
  auto model_path = std::make_shared<std::string>();
  auto calendar_id = std::make_shared<std::string>();
  cmd->add_option("--model", *model_path, "Model directory or compiled model file")->required();
  cmd->add_option("--calendar", *calendar_id, "Calendar id from calendars.csv")->required();
  cmd->callback([=, &exit_code] {
    auto model = load_model_or_report(*model_path, "deadline");
    if (!model) {
      exit_code = 1;
      return;
    }
    const uint32_t c = model->find_calendar(*calendar_id);
    if (c == kNoCalendar) {
      std::fprintf(stderr, "whistle deadline: --calendar: unknown calendar '%s'\n", calendar_id->c_str());
      exit_code = 1;
      return;
    }
    const Calendar& calendar = model->calendars()[c];
    Output out;
    for_each_stdin_line([&](unsigned long number, std::string_view line) {
      auto fail = [&](const std::string& what) {
        out.flush();
        std::fprintf(stderr, "whistle deadline: stdin line %lu: %s\n", number, what.c_str());
        exit_code = 1;
        return false;
      };
      std::string_view f[2];
      if (!split_fields(line, f, 2)) return fail("expected 'start,duration', got '" + std::string(line) + "'");
      auto start = parse_iso8601(f[0]);
      if (!start.ok()) return fail(start.status().message());
      auto duration = parse_duration(f[1]);
      if (!duration.ok()) return fail(duration.status().message());
      Calendar::Deadline deadline;
      if (!calendar.add(start->at, *duration, deadline)) return fail("the deadline falls outside 1900-2199");
      if (deadline.provisional) {
        std::fprintf(stderr, "whistle deadline: stdin line %lu: provisional (a counted year has no holiday file)\n", number);
      }
      out.append(format_iso8601(deadline.at, calendar.utc_offset_minutes()));
      out.append("\n");
      return true;
    });
  });
}

}  // namespace whistle::cli
