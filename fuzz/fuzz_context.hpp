// Shared context for the CSV fuzz targets: the small test territory, its units and matters,
// loaded once, so each input exercises one loader against a fixed, valid rest of the model.
#pragma once

#include "geo/geojson_reader.hpp"
#include "model/loaders.hpp"
#include "support/model_dir.hpp"

namespace whistle::fuzzing {

struct Context {
  model::TerritoryPart territory;
  std::vector<Unit> units;
  std::vector<Matter> matters;
};

inline const Context& context() {
  static const Context ctx = [] {
    Context c;
    auto files = testing::small_model_files();
    auto features = geo::read_features(files["territory.geojson"], "territory.geojson");
    c.territory = std::move(model::build_territory(std::move(features).value(), "territory.geojson", false, nullptr).value());
    c.units = std::move(model::load_units(files["units.csv"], "units.csv", c.territory.territory).value());
    c.matters = std::move(model::load_matters(files["matters.csv"], "matters.csv", {}).value());
    return c;
  }();
  return ctx;
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace whistle::fuzzing
