// whistle demo: the main job on the embedded sample county. Today it builds the county, loads
// it (sources and compiled form), and routes a day-shaped workload with the field's category
// mix, printing throughput, latency percentiles and routing outcomes. The case engine's replay
// with SLA outcomes, report.html and report.json come with the engine (issue #4).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>

#include "cli/commands.hpp"
#include "sample/sample_model.hpp"
#include "sample/tiling.hpp"

namespace whistle::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void progress(size_t done, size_t total) {
  const int width = 40;
  const int filled = static_cast<int>(width * done / std::max<size_t>(total, 1));
  std::fprintf(stderr, "\r  routing [%.*s%*s] %3zu%%", filled, "========================================",
               width - filled, "", done * 100 / std::max<size_t>(total, 1));
  if (done == total) std::fputc('\n', stderr);
}

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("demo", "Run the main job on the embedded sample county");
  auto cases = std::make_shared<size_t>(1'000'000);
  auto work_dir = std::make_shared<std::string>(
      (std::filesystem::temp_directory_path() / "whistle-demo").string());
  cmd->add_option("--cases", *cases, "Cases to route")->capture_default_str();
  cmd->add_option("--dir", *work_dir, "Where to write the sample model")->capture_default_str();
  cmd->callback([=, &exit_code] {
    std::printf("whistle demo — sample county (SPEC §7)\n");
    auto t0 = Clock::now();
    const auto files = sample::make_sample_county();
    if (Status s = sample::write_model_files(files, *work_dir); !s.ok()) {
      std::fprintf(stderr, "whistle demo: %s\n", s.to_string().c_str());
      exit_code = 1;
      return;
    }
    std::printf("  generated model in %s (%.2f s)\n", work_dir->c_str(), seconds_since(t0));
    t0 = Clock::now();
    auto model = load_model_or_report(*work_dir, "demo");
    if (!model) {
      exit_code = 1;
      return;
    }
    const double load_s = seconds_since(t0);
    const std::string compiled = *work_dir + "/model.wmodel";
    if (Status s = model->save_compiled(compiled); !s.ok()) {
      std::fprintf(stderr, "whistle demo: %s\n", s.to_string().c_str());
      exit_code = 1;
      return;
    }
    t0 = Clock::now();
    auto reloaded = Model::load_compiled(compiled);
    const double compiled_s = seconds_since(t0);
    size_t leaves = 0;
    for (NodeId n = 0; n < model->territory().size(); ++n) leaves += model->territory().is_leaf(n);
    std::printf("  %zu territory nodes (%zu grids), %zu units, %zu matters, %zu rules\n",
                model->territory().size(), leaves, model->units().size(), model->matters().size(),
                model->responsibility().rules().size());
    std::printf("  load: sources %.3f s, compiled %.3f s; index memory %.1f MiB\n", load_s,
                reloaded.ok() ? compiled_s : -1.0, model->index_memory_bytes() / 1048576.0);

    // The workload: the Hangzhou street's category mix, points around township seats.
    const std::pair<const char*, int> mix[] = {{"traffic", 22}, {"stability", 21}, {"enforcement", 18},
                                               {"cleaning", 17}, {"fire", 12},      {"environment", 5},
                                               {"market", 3},    {"disputes", 2}};
    std::map<std::string, std::vector<MatterId>> by_domain;
    for (MatterId m = 0; m < model->matters().size(); ++m) by_domain[model->matters()[m].domain].push_back(m);
    sample::Random rng(7);
    std::vector<std::pair<MatterId, LonLat>> workload(*cases);
    for (auto& [matter, point] : workload) {
      int pick = static_cast<int>(rng.below(100));
      const char* domain = mix[0].first;
      for (const auto& [d, share] : mix) {
        if (pick < share) {
          domain = d;
          break;
        }
        pick -= share;
      }
      const auto& ms = by_domain[domain];
      matter = ms[rng.below(ms.size())];
      const double cx = 118.55 + 0.06 * static_cast<double>(rng.below(7)), cy = 36.70 + 0.2 * static_cast<double>(rng.below(2));
      point = {cx + (rng.uniform() - 0.5) * 0.12, cy + (rng.uniform() - 0.5) * 0.24};
    }
    Route route;
    Location scratch;
    std::vector<uint64_t> samples;
    samples.reserve(*cases / 16 + 1);
    std::map<RouteOutcome, size_t> outcomes;
    std::map<UnitId, size_t> primaries;
    const size_t step = std::max<size_t>(*cases / 100, 1);
    t0 = Clock::now();
    for (size_t i = 0; i < workload.size(); ++i) {
      const auto& [matter, point] = workload[i];
      if (i % 16 == 0) {
        const auto a = Clock::now();
        model->route(matter, point, route, scratch);
        samples.push_back(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - a).count()));
      } else {
        model->route(matter, point, route, scratch);
      }
      ++outcomes[route.outcome];
      if (route.routed()) ++primaries[route.primary];
      if (i % step == 0 || i + 1 == workload.size()) progress(i + 1, workload.size());
    }
    const double route_s = seconds_since(t0);
    std::sort(samples.begin(), samples.end());
    auto pct = [&](double q) { return samples.empty() ? 0 : samples[static_cast<size_t>(q * (samples.size() - 1))]; };
    std::printf("  routed %zu cases in %.3f s: %.2f M cases/s\n", workload.size(), route_s,
                workload.size() / route_s / 1e6);
    std::printf("  route latency (incl. clock reads): p50 %llu ns, p90 %llu ns, p99 %llu ns, p99.9 %llu ns\n",
                (unsigned long long)pct(0.5), (unsigned long long)pct(0.9), (unsigned long long)pct(0.99),
                (unsigned long long)pct(0.999));
    std::printf("  outcomes:");
    for (const auto& [o, n] : outcomes) std::printf(" %s %zu", std::string(route_outcome_name(o)).c_str(), n);
    std::printf("\n  busiest lead units:");
    std::vector<std::pair<size_t, UnitId>> top;
    for (const auto& [u, n] : primaries) top.emplace_back(n, u);
    std::sort(top.rbegin(), top.rend());
    for (size_t i = 0; i < top.size() && i < 5; ++i) {
      std::printf(" %s %s (%zu)", model->units()[top[i].second].code.c_str(),
                  model->units()[top[i].second].name.c_str(), top[i].first);
    }
    std::printf("\n  case lifecycle, SLA outcomes, report.html and report.json: with the case engine (issue #4)\n");
  });
}

}  // namespace whistle::cli
