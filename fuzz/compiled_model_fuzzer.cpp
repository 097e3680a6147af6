// The compiled model reader: any bytes are refused or give a model that answers safely.
#include "fuzz_context.hpp"
#include "whistle/model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace whistle;
  auto model = Model::from_compiled(fuzzing::as_text(data, size));
  if (!model.ok()) return 0;
  const Model& m = **model;
  Location loc;
  Route route;
  for (double lon = -180; lon <= 180; lon += 0.25) {
    for (double lat : {0.0, 0.5, 0.75, 36.8}) {
      m.locate({lon, lat}, loc);
      if (loc.leaf != kNoNode && loc.leaf >= m.territory().size()) __builtin_trap();
      for (MatterId k = 0; k < m.matters().size(); ++k) m.route(k, {lon, lat}, route, loc);
    }
  }
  for (NodeId n = 0; n < m.territory().size(); ++n) {
    for (MatterId k = 0; k < m.matters().size(); ++k) m.route_at(k, n, route);
  }
  return 0;
}
