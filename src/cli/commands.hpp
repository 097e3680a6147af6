// The `whistle` subcommands. Each registers itself on the app and, when chosen, runs and
// stores its exit status in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "whistle/model.hpp"

namespace whistle::cli {

void add_locate_command(CLI::App& app, int& exit_code);
void add_route_command(CLI::App& app, int& exit_code);
void add_compile_command(CLI::App& app, int& exit_code);
void add_sample_command(CLI::App& app, int& exit_code);
void add_demo_command(CLI::App& app, int& exit_code);
void add_deadline_command(CLI::App& app, int& exit_code);
void add_replay_command(CLI::App& app, int& exit_code);
void add_scores_command(CLI::App& app, int& exit_code);

// Loads --model (a directory or a compiled file); prints warnings and errors on stderr.
std::shared_ptr<const Model> load_model_or_report(const std::string& path, std::string_view command);

// Reads stdin line by line (without the line end); stops early when `f` returns false.
template <class F>
void for_each_stdin_line(F&& f) {
  std::string line;
  char buffer[1 << 16];
  size_t got;
  std::string pending;
  unsigned long number = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, stdin)) > 0) {
    pending.append(buffer, got);
    size_t start = 0, end;
    while ((end = pending.find('\n', start)) != std::string::npos) {
      std::string_view l(pending.data() + start, end - start);
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      if (!f(++number, l)) return;
      start = end + 1;
    }
    pending.erase(0, start);
  }
  if (!pending.empty()) {
    std::string_view l(pending);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    f(++number, l);
  }
}

// Splits a comma-separated input line into exactly `n` trimmed fields.
bool split_fields(std::string_view line, std::string_view* out, size_t n);
bool parse_double(std::string_view text, double& out);

// Buffered stdout.
class Output {
 public:
  ~Output() { flush(); }
  void append(std::string_view s) {
    buffer_.append(s);
    if (buffer_.size() > (1 << 16)) flush();
  }
  void flush() {
    std::fwrite(buffer_.data(), 1, buffer_.size(), stdout);
    std::fflush(stdout);
    buffer_.clear();
  }

 private:
  std::string buffer_;
};

}  // namespace whistle::cli
