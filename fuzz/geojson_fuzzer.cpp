// territory.geojson and flat layers: read, check the tree, build both grid indexes, locate.
#include "fuzz_context.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace whistle;
  if (size == 0) return 0;
  const bool flat = data[0] & 1;
  auto text = fuzzing::as_text(data + 1, size - 1);
  geo::ReadOptions options;
  if (flat) options.code_property = "code";
  auto features = geo::read_features(text, "fuzz.geojson", options);
  if (!features.ok()) return 0;
  LoadReport report;
  auto part = model::build_territory(std::move(features).value(), "fuzz.geojson", flat, &report);
  if (!part.ok()) return 0;
  for (int32_t x = -1'800'000'000; x < 1'800'000'000; x += 150'000'000) {
    for (int32_t y = -900'000'000; y < 900'000'000; y += 150'000'000) {
      const uint32_t leaf = part->leaf_index.find_first({x, y});
      if (leaf != GridIndex::kNone && !part->territory.is_leaf(leaf)) __builtin_trap();
      part->zone_index.for_each_containing({x, y}, [&](uint32_t z) {
        if (!part->territory.is_zone(z)) __builtin_trap();
      });
    }
  }
  return 0;
}
