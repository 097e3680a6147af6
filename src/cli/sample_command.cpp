// whistle sample --out DIR: writes the embedded sample county as a model directory.
#include "cli/commands.hpp"
#include "sample/sample_model.hpp"

namespace whistle::cli {

void add_sample_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("sample", "Write the embedded sample county as a model directory");
  auto out_dir = std::make_shared<std::string>();
  cmd->add_option("--out", *out_dir, "Directory to write")->required();
  cmd->callback([=, &exit_code] {
    if (Status s = sample::write_model_files(sample::make_sample_county(), *out_dir); !s.ok()) {
      std::fprintf(stderr, "whistle sample: %s\n", s.to_string().c_str());
      exit_code = 1;
    }
  });
}

}  // namespace whistle::cli
