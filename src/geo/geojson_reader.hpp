// Reads GeoJSON FeatureCollections into features with quantized edges (SPEC §1): the
// territory file (properties code, name, level, parent) or a foreign flat layer whose features
// become root leaves coded by a chosen property. Errors name the file, the feature index (and
// code when known) and the field; nothing is returned on error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "whistle/geo.hpp"
#include "whistle/status.hpp"
#include "whistle/territory.hpp"

namespace whistle::geo {

struct Feature {
  uint32_t index = 0;  // position in the file's feature array
  std::string code;
  std::string name;
  Level level = Level::grid;
  std::string parent;  // empty: no parent
  bool has_geometry = false;
  std::vector<Edge> edges;  // every ring edge (horizontal ones included), y1 <= y2
};

struct ReadOptions {
  // Empty: the territory format. Otherwise a flat layer: this property holds each code.
  std::string code_property;
};

Result<std::vector<Feature>> read_features(std::string_view json, std::string_view file,
                                           const ReadOptions& options = {});

}  // namespace whistle::geo
