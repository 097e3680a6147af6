#include "fuzz_context.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace whistle;
  static const std::vector<std::string> classes{"general", "complex"};
  auto matters = model::load_matters(fuzzing::as_text(data, size), "matters.csv", classes);
  if (matters.ok()) {
    for (const Matter& m : *matters) {
      if (m.sla != "general" && m.sla != "complex") __builtin_trap();
    }
  }
  return 0;
}
