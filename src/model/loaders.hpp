// The model loaders, one per source file. Each checks its input completely and returns
// either the parsed part or the first error (naming file, line or feature, field).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "geo/geojson_reader.hpp"
#include "whistle/model.hpp"

namespace whistle::model {

struct TerritoryPart {
  Territory territory;
  GridIndex leaf_index;
  GridIndex zone_index;
};

// Checks the tree (unique codes, known parents, one root unless `flat`, no cycles, leaves and
// zones with geometry) and builds the grid indexes. Overlapping leaves become warnings.
Result<TerritoryPart> build_territory(std::vector<geo::Feature> features, std::string_view file,
                                      bool flat, LoadReport* report);

Result<std::vector<Unit>> load_units(std::string_view text, std::string_view file,
                                     const Territory& territory);

// `sla_classes`: the classes of sla.csv; empty means sla.csv is absent and not checked.
Result<std::vector<Matter>> load_matters(std::string_view text, std::string_view file,
                                         const std::vector<std::string>& sla_classes);

Result<ResponsibilityIndex> load_rules(std::string_view text, std::string_view file,
                                       const Territory& territory, const std::vector<Unit>& units,
                                       const std::vector<Matter>& matters, LoadReport* report);

// The unit code -> id and matter code -> id lookups shared by loaders and Model.
template <class T>
std::unordered_map<std::string_view, uint32_t> index_by_code(const std::vector<T>& items) {
  std::unordered_map<std::string_view, uint32_t> map;
  map.reserve(items.size());
  for (uint32_t i = 0; i < items.size(); ++i) map.emplace(items[i].code, i);
  return map;
}

}  // namespace whistle::model

namespace whistle::model {

// The first node found on a cycle of parent links, or kNoNode. Parents must be < size or kNoNode.
NodeId find_cycle(const std::vector<NodeId>& parents);

}  // namespace whistle::model
