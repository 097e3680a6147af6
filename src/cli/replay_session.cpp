#include "cli/replay_session.hpp"

#include <filesystem>

#include "cli/commands.hpp"
#include "common/csv.hpp"

namespace whistle::cli {

std::unique_ptr<ReplaySession> ReplaySession::open(const std::string& model_path, const std::string& ops_path,
                                                   std::string_view command, std::function<void(std::string_view)> write,
                                                   const ScoreWeights& weights) {
  auto session = std::unique_ptr<ReplaySession>(new ReplaySession());
  session->command_ = std::string(command);
  session->model_ = load_model_or_report(model_path, command);
  if (!session->model_) return nullptr;
  auto text = csv::read_file(ops_path);
  if (!text.ok()) {
    std::fprintf(stderr, "whistle %s: --ops: %s\n", session->command_.c_str(), text.status().to_string().c_str());
    return nullptr;
  }
  const std::string name = std::filesystem::path(ops_path).filename().string();
  auto rows = replay::read_ops(*text, name, *session->model_);
  if (!rows.ok()) {
    std::fprintf(stderr, "whistle %s: %s\n", session->command_.c_str(), rows.status().to_string().c_str());
    return nullptr;
  }
  session->rows_ = std::move(rows).value();
  EngineOptions options;
  options.weights = weights;
  const replay::ReplayStart start = replay::replay_start(session->rows_);
  options.start = start.at;
  session->offset_ = start.offset_minutes;
  auto engine = Engine::open(session->model_, options);
  if (!engine.ok()) {
    std::fprintf(stderr, "whistle %s: %s\n", session->command_.c_str(), engine.status().to_string().c_str());
    return nullptr;
  }
  session->engine_ = std::move(engine).value();
  session->replayer_ = std::make_unique<replay::Replayer>(*session->engine_, *session->model_, session->offset_, std::move(write));
  return session;
}

void ReplaySession::run_all() {
  for (const auto& row : rows_) (void)replayer_->run(row);
}

void ReplaySession::print_summary(double seconds) const {
  const auto& c = replayer_->counts();
  const EngineStats s = engine_->stats();
  std::fprintf(stderr, "whistle %s: %zu rows, %zu events, %zu errors; %zu cases (%zu open); %.3f s\n", command_.c_str(),
               c.rows, c.events, c.errors, s.cases, s.open_cases, seconds);
  std::fprintf(stderr, "  events:");
  for (size_t k = 0; k < kEventKindCount; ++k) {
    if (c.by_kind[k]) std::fprintf(stderr, " %s %zu", std::string(event_kind_name(static_cast<EventKind>(k))).c_str(), c.by_kind[k]);
  }
  std::fprintf(stderr, "\n");
}

}  // namespace whistle::cli
