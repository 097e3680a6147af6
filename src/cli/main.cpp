// `whistle`: the operator's command. Subcommands and their line formats are fixed by SPEC §6.
#include <charconv>

#include "cli/commands.hpp"

namespace whistle::cli {

std::shared_ptr<const Model> load_model_or_report(const std::string& path, std::string_view command) {
  LoadReport report;
  auto model = Model::load(path, &report);
  for (const auto& w : report.warnings) std::fprintf(stderr, "whistle %.*s: warning: %s\n", int(command.size()), command.data(), w.c_str());
  if (!model.ok()) {
    std::fprintf(stderr, "whistle %.*s: %s\n", int(command.size()), command.data(), model.status().to_string().c_str());
    return nullptr;
  }
  return *model;
}

bool split_fields(std::string_view line, std::string_view* out, size_t n) {
  size_t start = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t comma = line.find(',', start);
    const bool last = i + 1 == n;
    if (last != (comma == std::string_view::npos)) return false;  // too few fields, or too many
    std::string_view f = line.substr(start, (last ? line.size() : comma) - start);
    while (!f.empty() && (f.front() == ' ' || f.front() == '\t')) f.remove_prefix(1);
    while (!f.empty() && (f.back() == ' ' || f.back() == '\t')) f.remove_suffix(1);
    out[i] = f;
    start = comma + 1;
  }
  return true;
}

bool parse_double(std::string_view text, double& out) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace whistle::cli

int main(int argc, char** argv) {
  CLI::App app{"whistle: route citizen cases to the responsible unit and track every SLA deadline"};
  app.require_subcommand(1);
  int exit_code = 0;
  whistle::cli::add_locate_command(app, exit_code);
  whistle::cli::add_route_command(app, exit_code);
  whistle::cli::add_compile_command(app, exit_code);
  whistle::cli::add_sample_command(app, exit_code);
  whistle::cli::add_demo_command(app, exit_code);
  whistle::cli::add_deadline_command(app, exit_code);
  whistle::cli::add_replay_command(app, exit_code);
  whistle::cli::add_scores_command(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
