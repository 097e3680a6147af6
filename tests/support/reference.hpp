// Reference models for tests: slow, obviously correct, written apart from the library code.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "sample/tiling.hpp"
#include "whistle/geo.hpp"

namespace whistle::testing {

__extension__ typedef __int128 int128;  // exact products of any two 33-bit differences

// PNPOLY over the rings exactly as SPEC §1 states it, in 128-bit integers: for every edge
// (xi, yi)-(xj, yj) of every ring, (yi > y) != (yj > y) and x < xi + (xj-xi)(y-yi)/(yj-yi).
inline bool reference_inside(const sample::MultiPolygon& shape, GridPoint p) {
  bool inside = false;
  for (const auto& poly : shape) {
    for (const auto& ring : poly) {
      const size_t n = ring.size() - 1;  // closed ring: last == first
      for (size_t i = 0, j = n - 1; i < n; j = i++) {
        const int128 xi = ring[i].x, yi = ring[i].y, xj = ring[j].x, yj = ring[j].y;
        if ((yi > p.y) == (yj > p.y)) continue;
        const int128 lhs = (p.x - xi) * (yj - yi), rhs = (xj - xi) * (p.y - yi);
        if (yj - yi > 0 ? lhs < rhs : lhs > rhs) inside = !inside;
      }
    }
  }
  return inside;
}

// The same rule over an edge list (for shapes read from GeoJSON).
inline bool reference_inside(std::span<const Edge> edges, GridPoint p) {
  bool inside = false;
  for (const Edge& e : edges) {
    const int128 xi = e.x1, yi = e.y1, xj = e.x2, yj = e.y2;
    if ((yi > p.y) == (yj > p.y)) continue;
    const int128 lhs = (p.x - xi) * (yj - yi), rhs = (xj - xi) * (p.y - yi);
    if (yj - yi > 0 ? lhs < rhs : lhs > rhs) inside = !inside;
  }
  return inside;
}

// Directory of ../shared/data, or "" when absent.
inline std::string shared_data_dir() {
#ifdef WHISTLE_SHARED_DATA
  const std::string dir = WHISTLE_SHARED_DATA;
  if (FILE* f = std::fopen((dir + "/MANIFEST.md").c_str(), "r")) {
    std::fclose(f);
    return dir;
  }
#endif
  return "";
}

}  // namespace whistle::testing
