// whistle compile --model DIR --out FILE: writes the compiled (FlatBuffers) form of a model.
#include "cli/commands.hpp"

namespace whistle::cli {

void add_compile_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("compile", "Write the compiled binary form of a model directory");
  auto model_path = std::make_shared<std::string>();
  auto out_path = std::make_shared<std::string>();
  cmd->add_option("--model", *model_path, "Model directory")->required();
  cmd->add_option("--out", *out_path, "Compiled model file to write")->required();
  cmd->callback([=, &exit_code] {
    auto model = load_model_or_report(*model_path, "compile");
    if (!model) {
      exit_code = 1;
      return;
    }
    if (Status s = model->save_compiled(*out_path); !s.ok()) {
      std::fprintf(stderr, "whistle compile: %s\n", s.to_string().c_str());
      exit_code = 1;
    }
  });
}

}  // namespace whistle::cli
