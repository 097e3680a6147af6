#include "fuzz_context.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace whistle;
  const auto& ctx = fuzzing::context();
  auto units = model::load_units(fuzzing::as_text(data, size), "units.csv", ctx.territory.territory);
  if (units.ok()) {
    for (const Unit& u : *units) {
      if (u.territory >= ctx.territory.territory.size()) __builtin_trap();
    }
  }
  return 0;
}
