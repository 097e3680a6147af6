// whistle scores --model DIR --ops FILE.csv [--by unit|node|platform] [--from DAY] [--to DAY]
//                [--weights NAME=W,...]
// Replays the ops file (as `whistle replay`, silently) and prints the scores of SPEC §4 as CSV:
// one row per unit, territory node or platform with any activity in the period.
#include <array>
#include <chrono>
#include <cmath>
#include <tuple>
#include <utility>

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

// The composite's weights by their names on the command line, pointing into `w`.
constexpr size_t kWeights = 6;
std::array<std::pair<std::string_view, double*>, kWeights> weight_fields(ScoreWeights& w) {
  return {{{"response", &w.response},
           {"on_time", &w.on_time},
           {"satisfaction", &w.satisfaction},
           {"no_return", &w.no_return},
           {"no_redo", &w.no_redo},
           {"report_in", &w.report_in}}};
}

// "response=20,on_time=25,...": each weight of `w` by name.
std::string describe_weights(ScoreWeights w) {
  std::string out;
  for (const auto& [name, weight] : weight_fields(w)) {
    char value[32];
    std::snprintf(value, sizeof value, "%g", *weight);
    out += (out.empty() ? "" : ",") + std::string(name) + "=" + value;
  }
  return out;
}

// "response=30,no_redo=0": the weights named, the others at their defaults. Empty on success,
// else what is wrong.
std::string parse_weights(std::string_view text, ScoreWeights& out) {
  ScoreWeights w;
  const auto fields = weight_fields(w);
  std::array<bool, kWeights> seen{};
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const size_t eq = item.find('=');
    const std::string_view name = item.substr(0, eq);
    size_t i = 0;
    while (i < fields.size() && fields[i].first != name) ++i;
    if (eq == std::string_view::npos || i == fields.size()) {
      std::string names;
      for (const auto& field : fields) names += (names.empty() ? "" : ", ") + std::string(field.first);
      return "'" + std::string(item) + "' is not NAME=WEIGHT with NAME one of " + names;
    }
    if (seen[i]) return "'" + std::string(name) + "' is given twice";
    seen[i] = true;
    const std::string_view value = item.substr(eq + 1);
    if (!parse_double(value, *fields[i].second) || !std::isfinite(*fields[i].second) || *fields[i].second < 0) {
      return "the weight of '" + std::string(name) + "' must be a number >= 0, not '" + std::string(value) + "'";
    }
  }
  double total = 0;
  for (const auto& field : fields) total += *field.second;
  if (total <= 0) return "at least one weight must be above 0";
  out = w;
  return {};
}

}  // namespace

void add_scores_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("scores", "Replay an ops CSV and print the scores (考评) per unit, node or platform");
  auto model_path = std::make_shared<std::string>();
  auto ops_path = std::make_shared<std::string>();
  auto by = std::make_shared<std::string>("unit");
  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  auto weights_text = std::make_shared<std::string>();
  cmd->add_option("--model", *model_path, "Model directory or compiled model file")->required();
  cmd->add_option("--ops", *ops_path, "Operations CSV, as for replay")->required();
  cmd->add_option("--by", *by, "unit, node or platform")->check(CLI::IsMember({"unit", "node", "platform"}));
  cmd->add_option("--from", *from, "First day (YYYY-MM-DD, local), inclusive");
  cmd->add_option("--to", *to, "End day (YYYY-MM-DD, local), exclusive: the day after the last");
  cmd->add_option("--weights", *weights_text,
                  "Weights of the composite, e.g. response=30,no_redo=0 (the others keep their defaults: " +
                      describe_weights({}) + ")");
  cmd->callback([=, &exit_code] {
    auto fail = [&](const char* option, const std::string& what) {
      std::fprintf(stderr, "whistle scores: %s: %s\n", option, what.c_str());
      exit_code = 1;
    };
    // The arguments first: a mistake in them should not wait for a long replay.
    Period period;
    for (auto [option, text, day] : {std::tuple{"--from", from.get(), &period.first_day},
                                     std::tuple{"--to", to.get(), &period.end_day}}) {
      if (text->empty()) continue;
      auto t = parse_iso8601(*text + "T00:00:00Z");
      if (!t.ok()) return fail(option, "'" + *text + "' is not a day YYYY-MM-DD");
      *day = floor_div(t->at, kMsPerDay);
    }
    if (period.first_day >= period.end_day) return fail("--to", "'" + *to + "' is not after --from '" + *from + "'");
    ScoreWeights weights;
    if (const std::string error = parse_weights(*weights_text, weights); !error.empty()) return fail("--weights", error);
    auto session = ReplaySession::open(*model_path, *ops_path, "scores", nullptr, weights);
    if (!session) {
      exit_code = 1;
      return;
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
