// whistle demo: the main job on the embedded sample county (SPEC §6, §7). Builds the county,
// loads it (sources and compiled form), generates the workload — daily peaks, the field's
// category mix, whole lifecycles with returns, whistles, redo, overdue stages and escalations —
// replays it through the engine on the manual clock with a progress bar, then prints
// throughput, latency percentiles and SLA outcomes and writes report.json and report.html.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "cli/commands.hpp"
#include "cli/demo_report.hpp"
#include "sample/sample_model.hpp"
#include "sample/workload.hpp"

namespace whistle::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void progress(size_t done, size_t total, double seconds) {
  const int width = 40;
  const int filled = static_cast<int>(width * done / std::max<size_t>(total, 1));
  std::fprintf(stderr, "\r  replaying [%.*s%*s] %3zu%%  %.1f s", filled, "========================================",
               width - filled, "", done * 100 / std::max<size_t>(total, 1), seconds);
  if (done == total) std::fputc('\n', stderr);
}

bool write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

void count_events(Engine& engine, EventBatch& batch, DemoResults& r) {
  while (engine.poll_events(batch, 8192) > 0) {
    r.events += batch.size();
    for (const Event& e : batch) {
      ++r.events_by_kind[static_cast<size_t>(e.kind)];
      r.unevaluated += e.kind == EventKind::closed && e.detail == "no_evaluation";
      const int64_t day = floor_div(e.at - r.start, kMsPerDay);
      if (day < 0) continue;
      if (static_cast<size_t>(day) >= r.per_day.size()) r.per_day.resize(static_cast<size_t>(day) + 1);
      auto& d = r.per_day[static_cast<size_t>(day)];
      d.received += e.kind == EventKind::dispatched || e.kind == EventKind::unrouted;
      d.breached += e.kind == EventKind::breached;
      d.escalated += e.kind == EventKind::escalated;
      d.closed += e.kind == EventKind::closed;
    }
  }
}

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("demo", "Run the main job on the embedded sample county");
  auto cases = std::make_shared<size_t>(300'000);
  auto days = std::make_shared<uint32_t>(28);
  auto work_dir = std::make_shared<std::string>((std::filesystem::temp_directory_path() / "whistle-demo").string());
  auto out_dir = std::make_shared<std::string>(".");
  cmd->add_option("--cases", *cases, "Cases in the workload")->capture_default_str()->check(CLI::Range(1, 100'000'000));
  cmd->add_option("--days", *days, "Days the workload spans")->capture_default_str()->check(CLI::Range(1, 3650));
  cmd->add_option("--dir", *work_dir, "Where to write the sample model")->capture_default_str();
  cmd->add_option("--out", *out_dir, "Where to write report.json and report.html")->capture_default_str();
  cmd->callback([=, &exit_code] {
    auto fail = [&](const std::string& what) {
      std::fprintf(stderr, "whistle demo: %s\n", what.c_str());
      exit_code = 1;
    };
    DemoResults r;
    std::printf("whistle demo — the sample county (SPEC §7)\n");
    auto t0 = Clock::now();
    if (Status s = sample::write_model_files(sample::make_sample_county(), *work_dir); !s.ok()) return fail(s.to_string());
    t0 = Clock::now();
    auto model = load_model_or_report(*work_dir, "demo");
    if (!model) return fail("the sample model did not load");
    r.load_seconds = seconds_since(t0);
    const std::string compiled = (std::filesystem::path(*work_dir) / "model.wmodel").string();
    if (Status s = model->save_compiled(compiled); !s.ok()) return fail(s.to_string());
    t0 = Clock::now();
    auto reloaded = Model::load_compiled(compiled);
    if (!reloaded.ok()) return fail(reloaded.status().to_string());
    r.compiled_load_seconds = seconds_since(t0);
    const Territory& t = model->territory();
    r.nodes = t.size();
    for (NodeId n = 0; n < t.size(); ++n) {
      r.leaves += t.is_leaf(n);
      r.zones += t.is_zone(n);
    }
    r.units = model->units().size();
    r.matters = model->matters().size();
    r.rules = model->responsibility().rules().size();
    r.index_mib = double(model->index_memory_bytes()) / 1048576.0;
    std::printf("  model: %zu nodes (%zu grids, %zu zones), %zu units, %zu matters, %zu rules\n", r.nodes, r.leaves,
                r.zones, r.units, r.matters, r.rules);
    std::printf("  load: sources %.3f s, compiled %.3f s; index %.1f MiB\n", r.load_seconds, r.compiled_load_seconds,
                r.index_mib);

    sample::WorkloadSpec spec;
    spec.cases = *cases;
    spec.days = *days;
    t0 = Clock::now();
    const sample::Workload w = sample::make_workload(*model, spec);
    r.cases = w.cases;
    r.ops = w.ops.size();
    r.days = spec.days;
    r.start = spec.start;
    r.offset_minutes = model->calendars().empty() ? 0 : model->calendars().front().utc_offset_minutes();
    std::printf("  workload: %zu cases, %zu operations over %u days (generated in %.2f s)\n", r.cases, r.ops, r.days,
                seconds_since(t0));

    EngineOptions options;
    options.start = spec.start;
    options.expected_cases = spec.cases;
    auto opened = Engine::open(model, options);
    if (!opened.ok()) return fail(opened.status().to_string());
    Engine& engine = **opened;
    sample::WorkloadRunner runner(engine, w);
    EventBatch batch;
    const size_t step = 4096;
    t0 = Clock::now();
    auto last_progress = t0;
    for (size_t from = 0; from < w.ops.size(); from += step) {
      const size_t to = std::min(w.ops.size(), from + step);
      for (size_t i = from; i < to; ++i) {
        const sample::WorkOp& op = w.ops[i];
        if (i + 8 < w.ops.size()) engine.prefetch(w.ops[i + 8].case_id);
        Status s;
        if (i % 16 == 0) {  // latency of one operation in sixteen, advance included
          const auto a = Clock::now();
          s = runner.run_one(op);
          const auto ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - a).count());
          (op.submit ? r.submit : r.act).samples_ns.push_back(ns);
        } else {
          s = runner.run_one(op);
        }
        if (!s.ok()) {
          ++r.rejected;
          ++r.rejected_by_status[std::string(status_code_name(s.code()))];
        }
      }
      count_events(engine, batch, r);
      if (seconds_since(last_progress) > 0.2 || to == w.ops.size()) {
        progress(to, w.ops.size(), seconds_since(t0));
        last_progress = Clock::now();
      }
    }
    r.replay_seconds = seconds_since(t0);
    r.memory_bytes = engine.stats().memory_bytes;
    // Let every stage still open run out: escalations, revisits, reports.
    (void)engine.advance(spec.start + int64_t{spec.days + 30} * kMsPerDay);
    count_events(engine, batch, r);
    std::sort(r.submit.samples_ns.begin(), r.submit.samples_ns.end());
    std::sort(r.act.samples_ns.begin(), r.act.samples_ns.end());

    // Scores: the county, its townships, the four platforms, the lead departments.
    NodeId root = 0;
    while (t.parent(root) != kNoNode) root = t.parent(root);
    r.county = engine.node_score(root);
    for (NodeId n = 0; n < t.size(); ++n) {
      if (t.level(n) == Level::township) r.townships.push_back({std::string(t.code(n)), std::string(t.name(n)), engine.node_score(n)});
    }
    for (Platform p : {Platform::zongzhi, Platform::market, Platform::enforcement, Platform::service}) {
      r.platforms.push_back({std::string(platform_name(p)), std::string(platform_name(p)), engine.platform_score(p)});
    }
    for (UnitId u = 0; u < model->units().size(); ++u) {
      const Unit& unit = model->units()[u];
      if (unit.kind != "department") continue;
      Score s = engine.unit_score(u);
      if (s.counts.received > 0) r.departments.push_back({unit.code, unit.name, s});
    }

    std::printf("  replayed in %.2f s: %.0f cases/s, %.0f operations/s; %zu events; %zu operations rejected\n",
                r.replay_seconds, double(r.cases) / r.replay_seconds, double(r.ops) / r.replay_seconds, r.events,
                r.rejected);
    for (const auto& [name, l] : {std::pair<const char*, const Latency*>{"submit", &r.submit}, {"other operations", &r.act}}) {
      std::printf("  %s latency: p50 %llu ns, p90 %llu ns, p99 %llu ns, p99.9 %llu ns\n", name,
                  (unsigned long long)l->percentile(0.5), (unsigned long long)l->percentile(0.9),
                  (unsigned long long)l->percentile(0.99), (unsigned long long)l->percentile(0.999));
    }
    const auto k = [&](EventKind e) { return r.events_by_kind[static_cast<size_t>(e)]; };
    std::printf("  SLA: %zu warnings, %zu breaches, %zu escalations, %zu report-ins overdue, %zu closed unevaluated\n",
                k(EventKind::warned), k(EventKind::breached), k(EventKind::escalated), k(EventKind::report_overdue),
                r.unevaluated);
    auto pct = [](double v) { return v < 0 ? 0.0 : 100 * v; };
    std::printf("  county: response %.1f%%, on time %.1f%%, satisfaction %.1f%%, returns %.1f%%, redo %.1f%%, composite %.1f\n",
                pct(r.county.response_rate), pct(r.county.on_time_rate), pct(r.county.satisfaction_rate),
                pct(r.county.return_rate), pct(r.county.redo_rate), r.county.composite);
    auto ranked = r.townships;
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.score.composite > b.score.composite; });
    if (!ranked.empty()) {
      std::printf("  townships: best %s %.1f, worst %s %.1f\n", ranked.front().name.c_str(), ranked.front().score.composite,
                  ranked.back().name.c_str(), ranked.back().score.composite);
    }
    std::error_code ec;
    std::filesystem::create_directories(*out_dir, ec);
    const auto json = std::filesystem::path(*out_dir) / "report.json", html = std::filesystem::path(*out_dir) / "report.html";
    if (!write_file(json, demo_report_json(r)) || !write_file(html, demo_report_html(r))) {
      return fail("cannot write the reports into " + *out_dir);
    }
    std::printf("  wrote %s and %s\n", json.string().c_str(), html.string().c_str());
  });
}

}  // namespace whistle::cli
