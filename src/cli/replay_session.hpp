// A replay of an ops file as the CLI runs it: model and ops loaded (errors on stderr), an
// engine on the manual clock starting at the first row's instant, the rows driven through a
// Replayer. Shared by `whistle replay` and `whistle scores`.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "replay/replayer.hpp"
#include "whistle/engine.hpp"

namespace whistle::cli {

class ReplaySession {
 public:
  // Null (after printing why on stderr) when the model or the ops file cannot be read. The
  // engine's scores weigh their composite with `weights`.
  static std::unique_ptr<ReplaySession> open(const std::string& model_path, const std::string& ops_path,
                                             std::string_view command, std::function<void(std::string_view)> write,
                                             const ScoreWeights& weights = {});
  void run_all();
  void print_summary(double seconds) const;

  Engine& engine() { return *engine_; }
  const Model& model() const { return *model_; }
  int32_t offset_minutes() const { return offset_; }

 private:
  std::string command_;
  std::shared_ptr<const Model> model_;
  std::vector<replay::OpRow> rows_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<replay::Replayer> replayer_;
  int32_t offset_ = 0;
};

}  // namespace whistle::cli
