// whistle route --model DIR
// stdin: "matter,lon,lat"; stdout: "leaf,primary,cooperating" (cooperating ';'-separated) or
// "unrouted,<reason>".
#include "cli/commands.hpp"

namespace whistle::cli {

void add_route_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("route", "Route each stdin case (matter,lon,lat) to its units");
  auto model_path = std::make_shared<std::string>();
  cmd->add_option("--model", *model_path, "Model directory or compiled model file")->required();
  cmd->callback([=, &exit_code] {
    auto model = load_model_or_report(*model_path, "route");
    if (!model) {
      exit_code = 1;
      return;
    }
    Output out;
    Route route;
    Location scratch;
    std::string line_out;
    for_each_stdin_line([&](unsigned long number, std::string_view line) {
      std::string_view f[3];
      LonLat p;
      auto fail = [&](const std::string& what) {
        out.flush();
        std::fprintf(stderr, "whistle route: stdin line %lu: %s\n", number, what.c_str());
        exit_code = 1;
        return false;
      };
      if (!split_fields(line, f, 3) || !parse_double(f[1], p.lon) || !parse_double(f[2], p.lat)) {
        return fail("expected 'matter,lon,lat', got '" + std::string(line) + "'");
      }
      const MatterId matter = model->find_matter(f[0]);
      if (matter == kNoMatter) return fail("unknown matter '" + std::string(f[0]) + "'");
      model->route(matter, p, route, scratch);
      line_out.clear();
      if (!route.routed()) {
        line_out += "unrouted,";
        line_out += route_outcome_name(route.outcome);
      } else {
        line_out += model->territory().code(route.place);
        line_out += ',';
        line_out += model->units()[route.primary].code;
        line_out += ',';
        for (size_t i = 0; i < route.cooperating.size(); ++i) {
          if (i) line_out += ';';
          line_out += model->units()[route.cooperating[i]].code;
        }
      }
      line_out += '\n';
      out.append(line_out);
      return true;
    });
  });
}

}  // namespace whistle::cli
