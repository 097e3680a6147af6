// Deterministic generated tilings: a jittered lattice of cells whose sides are wiggly chains
// of points shared bit for bit between neighbours, so the tiles form an exact partition.
// Options add holes (an island tile inside a tile) and multi-part tiles. Coordinates are made
// as integer 1e-7° units, so quantizing them again gives the same integers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "whistle/geo.hpp"

namespace whistle::sample {

using Ring = std::vector<GridPoint>;       // closed: front() == back()
using Polygon = std::vector<Ring>;         // outer ring, then holes
using MultiPolygon = std::vector<Polygon>;

struct TilingSpec {
  uint32_t cols = 8, rows = 8;
  int32_t x0 = 1'180'000'000, y0 = 368'000'000;  // lower-left corner (118.0°E, 36.8°N)
  int32_t cell = 100'000;                         // cell side, 1e-7° units
  uint32_t points_per_side = 4;                   // intermediate points on each side
  double jitter = 0.2;                            // corner jitter, fraction of a cell
  uint32_t island_every = 0;                      // every n-th tile gets an island (0: none)
  uint32_t merge_every = 0;                       // every n-th tile absorbs the tile two to its right
  uint64_t seed = 1;
};

struct Tile {
  MultiPolygon shape;
  uint32_t col = 0, row = 0;  // lattice cell (for islands: the cell holding them)
  bool island = false;
};

std::vector<Tile> make_tiling(const TilingSpec& spec);

// Every edge of a shape in the form GridIndex wants.
std::vector<Edge> edges_of(const MultiPolygon& shape);

// "[[[lon,lat],...]...]" GeoJSON geometry object text for a shape (Polygon or MultiPolygon).
std::string geometry_json(const MultiPolygon& shape);

// A small fast deterministic generator (splitmix64).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  uint64_t below(uint64_t n) { return next() % n; }

 private:
  uint64_t state_;
};

}  // namespace whistle::sample
