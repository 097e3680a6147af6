// whistle scores --model DIR --ops FILE.csv [--by unit|node|platform] [--from DAY] [--to DAY]
// Replays the ops file (as `whistle replay`, silently) and prints the scores of SPEC §4 as CSV:
// one row per unit, territory node or platform with any activity in the period.
#include <chrono>

#include "cli/commands.hpp"
#include "cli/replay_session.hpp"

namespace whistle::cli {

namespace {

void append_rate(std::string& out, double rate) {
  out += ',';
  if (rate < 0) return;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", rate);
  out += buf;
}

void append_row(std::string& out, std::string_view name, const Score& s) {
  const ScoreCounts& c = s.counts;
  out += name;
  for (uint64_t v : {c.received, c.accepted, c.accepted_on_time, c.resolved, c.resolved_on_time, c.evaluated, c.satisfied,
                     c.returned, c.redone, c.summoned, c.reported_on_time, c.escalations}) {
    out += ',';
    out += std::to_string(v);
  }
  append_rate(out, c.median_resolve_ms < 0 ? -1.0 : double(c.median_resolve_ms) / 3'600'000.0);
  for (double r : {s.response_rate, s.on_time_rate, s.satisfaction_rate, s.return_rate, s.redo_rate, s.report_rate}) {
    append_rate(out, r);
  }
  out += ',';
  if (s.composite >= 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", s.composite);
    out += buf;
  }
  out += '\n';
}

bool active(const ScoreCounts& c) { return c.received || c.summoned || c.escalations || c.evaluated || c.resolved; }

}  // namespace

void add_scores_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("scores", "Replay an ops CSV and print the scores (考评) per unit, node or platform");
  auto model_path = std::make_shared<std::string>();
  auto ops_path = std::make_shared<std::string>();
  auto by = std::make_shared<std::string>("unit");
  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  cmd->add_option("--model", *model_path, "Model directory or compiled model file")->required();
  cmd->add_option("--ops", *ops_path, "Operations CSV, as for replay")->required();
  cmd->add_option("--by", *by, "unit, node or platform")->check(CLI::IsMember({"unit", "node", "platform"}));
  cmd->add_option("--from", *from, "First day (YYYY-MM-DD, local), inclusive");
  cmd->add_option("--to", *to, "Last day (YYYY-MM-DD, local), exclusive");
  cmd->callback([=, &exit_code] {
    auto session = ReplaySession::open(*model_path, *ops_path, "scores", nullptr);
    if (!session) {
      exit_code = 1;
      return;
    }
    Period period;
    for (auto [text, day] : {std::pair{from.get(), &period.first_day}, std::pair{to.get(), &period.end_day}}) {
      if (text->empty()) continue;
      auto t = parse_iso8601(*text + "T00:00:00Z");
      if (!t.ok()) {
        std::fprintf(stderr, "whistle scores: '%s' is not a day YYYY-MM-DD\n", text->c_str());
        exit_code = 1;
        return;
      }
      *day = floor_div(t->at, kMsPerDay);
    }
    const auto t0 = std::chrono::steady_clock::now();
    session->run_all();
    session->print_summary(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    const Engine& engine = session->engine();
    const Model& model = session->model();
    std::string out = *by +
                      ",received,accepted,accepted_on_time,resolved,resolved_on_time,evaluated,satisfied,returned,redone,"
                      "summoned,reported_on_time,escalations,median_resolve_hours,response_rate,on_time_rate,"
                      "satisfaction_rate,return_rate,redo_rate,report_rate,composite\n";
    if (*by == "unit") {
      for (UnitId u = 0; u < model.units().size(); ++u) {
        const Score s = engine.unit_score(u, period);
        if (active(s.counts)) append_row(out, model.units()[u].code, s);
      }
    } else if (*by == "node") {
      for (NodeId n = 0; n < model.territory().size(); ++n) {
        const Score s = engine.node_score(n, period);
        if (active(s.counts)) append_row(out, model.territory().code(n), s);
      }
    } else {
      for (Platform p : {Platform::zongzhi, Platform::market, Platform::enforcement, Platform::service}) {
        append_row(out, platform_name(p), engine.platform_score(p, period));
      }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
  });
}

}  // namespace whistle::cli
