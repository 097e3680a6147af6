// rules.csv against the fixed small model, then every matter resolved at every node.
#include "fuzz_context.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace whistle;
  const auto& ctx = fuzzing::context();
  const Territory& t = ctx.territory.territory;
  auto rules = model::load_rules(fuzzing::as_text(data, size), "rules.csv", t, ctx.units, ctx.matters, nullptr);
  if (!rules.ok()) return 0;
  Route route;
  std::vector<NodeId> zones;
  for (NodeId n = 0; n < t.size(); ++n) {
    if (t.is_zone(n)) zones.push_back(n);
  }
  for (MatterId m = 0; m < ctx.matters.size(); ++m) {
    for (NodeId n = 0; n < t.size(); ++n) {
      rules->resolve(m, n, {}, route);
      if (route.routed() && route.primary >= ctx.units.size()) __builtin_trap();
    }
    rules->resolve(m, 0, zones, route);
  }
  return 0;
}
