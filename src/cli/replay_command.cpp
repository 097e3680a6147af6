// whistle replay --model DIR --ops FILE.csv
// Replays the operation rows through a manual-clock engine (SPEC §6): stdout one JSON object
// per event, and per rejected row an `error` object; a summary on stderr. Instants print in
// the offset of the file's first row.
#include <chrono>

#include "cli/commands.hpp"
#include "cli/replay_session.hpp"

namespace whistle::cli {

void add_replay_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("replay", "Replay an ops CSV through the engine; events as JSON lines");
  auto model_path = std::make_shared<std::string>();
  auto ops_path = std::make_shared<std::string>();
  cmd->add_option("--model", *model_path, "Model directory or compiled model file")->required();
  cmd->add_option("--ops", *ops_path, "Operations CSV (at,op,case,actor,matter,lon,lat,place,units,value,note)")->required();
  cmd->callback([=, &exit_code] {
    Output out;
    auto session = ReplaySession::open(*model_path, *ops_path, "replay", [&](std::string_view s) { out.append(s); });
    if (!session) {
      exit_code = 1;
      return;
    }
    const auto t0 = std::chrono::steady_clock::now();
    session->run_all();
    out.flush();
    session->print_summary(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  });
}

}  // namespace whistle::cli
