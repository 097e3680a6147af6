// whistle locate (--model DIR | --geojson FILE --code-property P)
// stdin: "lon,lat" per line; stdout: the leaf code, or an empty line when outside.
#include "cli/commands.hpp"

namespace whistle::cli {

void add_locate_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("locate", "Print the leaf containing each stdin point (lon,lat)");
  auto model_path = std::make_shared<std::string>();
  auto geojson = std::make_shared<std::string>();
  auto code_property = std::make_shared<std::string>();
  auto* model_opt = cmd->add_option("--model", *model_path, "Model directory or compiled model file");
  auto* geo_opt = cmd->add_option("--geojson", *geojson, "A flat GeoJSON layer to locate in");
  auto* prop_opt = cmd->add_option("--code-property", *code_property, "Feature property holding each code");
  model_opt->excludes(geo_opt);
  geo_opt->needs(prop_opt);
  prop_opt->needs(geo_opt);
  cmd->callback([=, &exit_code] {
    std::shared_ptr<const Model> model;
    if (!geojson->empty()) {
      LoadReport report;
      auto imported = Model::import_layer(*geojson, *code_property, &report);
      for (const auto& w : report.warnings) std::fprintf(stderr, "whistle locate: warning: %s\n", w.c_str());
      if (!imported.ok()) {
        std::fprintf(stderr, "whistle locate: %s\n", imported.status().to_string().c_str());
        exit_code = 1;
        return;
      }
      model = *imported;
    } else if (!model_path->empty()) {
      model = load_model_or_report(*model_path, "locate");
    } else {
      std::fprintf(stderr, "whistle locate: give --model DIR or --geojson FILE --code-property P\n");
      exit_code = 2;
      return;
    }
    if (!model) {
      exit_code = 1;
      return;
    }
    Output out;
    for_each_stdin_line([&](unsigned long number, std::string_view line) {
      std::string_view f[2];
      LonLat p;
      if (!split_fields(line, f, 2) || !parse_double(f[0], p.lon) || !parse_double(f[1], p.lat)) {
        out.flush();
        std::fprintf(stderr, "whistle locate: stdin line %lu: expected 'lon,lat', got '%.*s'\n",
                     number, int(line.size()), line.data());
        exit_code = 1;
        return false;
      }
      const NodeId leaf = model->locate_leaf(p);
      if (leaf != kNoNode) out.append(model->territory().code(leaf));
      out.append("\n");
      return true;
    });
  });
}

}  // namespace whistle::cli
