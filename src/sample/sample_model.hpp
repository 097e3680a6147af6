// The embedded sample county (SPEC §7): a deterministic generator for a county shaped like
// the field reports — 14 townships, ~1,000 communities and villages, ~3,900 grids with
// irregular polygons, overlay zones, departments, stationed offices, centres at each level,
// ~125 matters in 14 domains with lead and cooperating units, SLA classes and calendars.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sample/tiling.hpp"
#include "whistle/status.hpp"

namespace whistle::sample {

struct ModelFiles {
  std::string territory_geojson;
  std::string units_csv;
  std::string matters_csv;
  std::string rules_csv;
  std::string sla_csv;
  std::string calendars_csv;
  // Further files by path relative to the model directory (holiday files).
  std::vector<std::pair<std::string, std::string>> extra_files;
};

// The official 2025 and 2026 days off and make-up working days (国务院办公厅 notices), in the
// holiday-cn file format, keyed by year.
std::vector<std::pair<int, std::string>> cn_holiday_files();

struct CountySpec {
  uint32_t grid_cols = 64, grid_rows = 61;  // 3,904 grids
  uint32_t townships_x = 7, townships_y = 2;
  uint32_t points_per_side = 5;             // grid polygons have 4 + 4 × this vertices
  uint64_t seed = 2025;
};

ModelFiles make_sample_county(const CountySpec& spec = {});

// The tiling whose tiles are the county's grids, in file order.
TilingSpec county_tiling(const CountySpec& spec);

// A province-sized model over `tiling`: province -> 16 cities -> 256 counties -> one leaf per
// tile, a centre per city and county, a few matters with `*` rules. For benchmarks.
ModelFiles make_tiled_province(const TilingSpec& tiling);

// Writes the files into `dir` (created if missing).
Status write_model_files(const ModelFiles& files, const std::string& dir);

}  // namespace whistle::sample
