// GEOS as a point-location peer (built only when CMake finds GEOS; scripts/bench.sh installs
// libgeos-dev): the tiles as multipolygons in GEOS's STR-tree, each prepared once, and a query
// as a platform would write it with the C API — a point geometry, the tree's candidates whose
// envelope holds it, then a prepared `contains` on each until one answers.
#pragma once

#include <geos_c.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "sample/tiling.hpp"
#include "whistle/model.hpp"

namespace whistle::bench {

class GeosIndex {
 public:
  explicit GeosIndex(const std::vector<sample::Tile>& tiles) : ctx_(GEOS_init_r()) {
    tree_ = GEOSSTRtree_create_r(ctx_, 10);
    shapes_.reserve(tiles.size());
    prepared_.reserve(tiles.size());
    ids_.reserve(tiles.size());
    for (uint32_t i = 0; i < tiles.size(); ++i) {
      std::vector<GEOSGeometry*> parts;
      for (const auto& polygon : tiles[i].shape) {
        GEOSGeometry* shell = ring(polygon[0]);
        std::vector<GEOSGeometry*> holes;
        for (size_t r = 1; r < polygon.size(); ++r) holes.push_back(ring(polygon[r]));
        parts.push_back(GEOSGeom_createPolygon_r(ctx_, shell, holes.data(), static_cast<unsigned>(holes.size())));
      }
      GEOSGeometry* multi =
          GEOSGeom_createCollection_r(ctx_, GEOS_MULTIPOLYGON, parts.data(), static_cast<unsigned>(parts.size()));
      if (multi == nullptr) {
        std::fprintf(stderr, "GEOS refused tile %u\n", i);
        std::abort();
      }
      shapes_.push_back(multi);
      prepared_.push_back(GEOSPrepare_r(ctx_, multi));
      ids_.push_back(i);
    }
    for (uint32_t i = 0; i < shapes_.size(); ++i) GEOSSTRtree_insert_r(ctx_, tree_, shapes_[i], &ids_[i]);
    // The tree is built on the first query; do it now, outside the timed loops.
    (void)locate({0, 0});
  }
  ~GeosIndex() {
    GEOSSTRtree_destroy_r(ctx_, tree_);
    for (auto* p : prepared_) GEOSPreparedGeom_destroy_r(ctx_, p);
    for (auto* g : shapes_) GEOSGeom_destroy_r(ctx_, g);
    GEOS_finish_r(ctx_);
  }
  GeosIndex(const GeosIndex&) = delete;
  GeosIndex& operator=(const GeosIndex&) = delete;

  uint32_t locate(LonLat p) {
    GEOSGeometry* point = GEOSGeom_createPointFromXY_r(ctx_, p.lon, p.lat);
    candidates_.clear();
    GEOSSTRtree_query_r(ctx_, tree_, point, &GeosIndex::collect, this);
    uint32_t found = GridIndex::kNone;
    for (const uint32_t c : candidates_) {
      if (GEOSPreparedContains_r(ctx_, prepared_[c], point) == 1) {
        found = c;
        break;
      }
    }
    GEOSGeom_destroy_r(ctx_, point);
    return found;
  }

 private:
  static void collect(void* item, void* self) {
    static_cast<GeosIndex*>(self)->candidates_.push_back(*static_cast<const uint32_t*>(item));
  }
  GEOSGeometry* ring(const std::vector<GridPoint>& points) {
    GEOSCoordSequence* seq = GEOSCoordSeq_create_r(ctx_, static_cast<unsigned>(points.size()), 2);
    for (unsigned k = 0; k < points.size(); ++k) {
      GEOSCoordSeq_setXY_r(ctx_, seq, k, points[k].x / kUnitsPerDegree, points[k].y / kUnitsPerDegree);
    }
    return GEOSGeom_createLinearRing_r(ctx_, seq);
  }

  GEOSContextHandle_t ctx_;
  GEOSSTRtree* tree_ = nullptr;
  std::vector<GEOSGeometry*> shapes_;
  std::vector<const GEOSPreparedGeometry*> prepared_;
  std::vector<uint32_t> ids_;  // stable addresses: the tree's items
  std::vector<uint32_t> candidates_;
};

}  // namespace whistle::bench
