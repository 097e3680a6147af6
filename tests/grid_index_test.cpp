// GridIndex against the brute-force reference: every shape tested for every point.
#include <gtest/gtest.h>

#include <cmath>
#include <iomanip>

#include <cmath>
#include <numeric>

#include "sample/tiling.hpp"
#include "support/reference.hpp"
#include "whistle/grid_index.hpp"

namespace whistle {
namespace {

using sample::MultiPolygon;
using testing::reference_inside;

struct Indexed {
  std::vector<sample::Tile> tiles;
  std::vector<std::vector<Edge>> edges;
  std::vector<GridIndex::Shape> shapes;
  GridIndex index;
};

Indexed index_tiles(std::vector<sample::Tile> tiles, GridIndex::Mode mode) {
  Indexed x;
  x.tiles = std::move(tiles);
  for (const auto& t : x.tiles) x.edges.push_back(sample::edges_of(t.shape));
  for (uint32_t i = 0; i < x.tiles.size(); ++i) x.shapes.push_back({i, x.edges[i]});
  x.index = GridIndex::build(x.shapes, mode);
  return x;
}

uint32_t reference_first(const Indexed& x, GridPoint p) {
  for (uint32_t i = 0; i < x.tiles.size(); ++i) {
    if (reference_inside(x.tiles[i].shape, p)) return i;
  }
  return GridIndex::kNone;
}

int reference_count(const Indexed& x, GridPoint p) {
  int n = 0;
  for (const auto& t : x.tiles) n += reference_inside(t.shape, p) ? 1 : 0;
  return n;
}

// Query points: vertices, points exactly on edges, neighbours of both, random points in and
// around the bounding box, and far outside.
std::vector<GridPoint> query_points(const std::vector<sample::Tile>& tiles, uint64_t seed, size_t random_count) {
  std::vector<GridPoint> pts;
  int64_t xmin = INT32_MAX, xmax = INT32_MIN, ymin = INT32_MAX, ymax = INT32_MIN;
  sample::Random rng(seed);
  for (const auto& t : tiles) {
    for (const auto& poly : t.shape) {
      for (const auto& ring : poly) {
        for (size_t k = 0; k + 1 < ring.size(); ++k) {
          const GridPoint a = ring[k], b = ring[k + 1];
          xmin = std::min<int64_t>(xmin, a.x), xmax = std::max<int64_t>(xmax, a.x);
          ymin = std::min<int64_t>(ymin, a.y), ymax = std::max<int64_t>(ymax, a.y);
          pts.push_back(a);
          for (int dx = -1; dx <= 1; ++dx)
            for (int dy = -1; dy <= 1; ++dy) pts.push_back({a.x + dx, a.y + dy});
          // Lattice points exactly on the segment a-b.
          const int64_t dx = int64_t{b.x} - a.x, dy = int64_t{b.y} - a.y;
          const int64_t g = std::gcd(std::abs(dx), std::abs(dy));
          if (g > 1) {
            const int64_t steps = std::min<int64_t>(g - 1, 3);
            for (int64_t s = 1; s <= steps; ++s) {
              const int64_t k2 = 1 + static_cast<int64_t>(rng.below(static_cast<uint64_t>(g - 1)));
              pts.push_back({static_cast<int32_t>(a.x + dx / g * k2), static_cast<int32_t>(a.y + dy / g * k2)});
            }
          }
          // Midpoint, rounded (on or next to the edge).
          pts.push_back({static_cast<int32_t>((int64_t{a.x} + b.x) / 2), static_cast<int32_t>((int64_t{a.y} + b.y) / 2)});
        }
      }
    }
  }
  const int64_t mx = (xmax - xmin) / 10 + 1, my = (ymax - ymin) / 10 + 1;
  for (size_t i = 0; i < random_count; ++i) {
    pts.push_back({static_cast<int32_t>(xmin - mx + static_cast<int64_t>(rng.below(static_cast<uint64_t>(xmax - xmin + 2 * mx)))),
                   static_cast<int32_t>(ymin - my + static_cast<int64_t>(rng.below(static_cast<uint64_t>(ymax - ymin + 2 * my))))});
  }
  for (GridPoint far : {GridPoint{-1'800'000'000, -900'000'000}, GridPoint{1'800'000'000, 900'000'000},
                        GridPoint{0, 0}, GridPoint{static_cast<int32_t>(xmin), -900'000'000},
                        GridPoint{1'800'000'000, static_cast<int32_t>(ymin)}}) {
    pts.push_back(far);
  }
  return pts;
}

void expect_first_match_agrees(const Indexed& x, const std::vector<GridPoint>& pts) {
  size_t disagreements = 0;
  for (const GridPoint p : pts) {
    const uint32_t want = reference_first(x, p);
    const uint32_t got = x.index.find_first(p);
    if (got != want && ++disagreements <= 5) {
      ADD_FAILURE() << "point (" << p.x << ", " << p.y << "): index " << got << ", reference " << want;
    }
  }
  EXPECT_EQ(disagreements, 0u) << "of " << pts.size() << " points";
}

TEST(GridIndex, TilingAgreesWithBruteForce) {
  sample::TilingSpec spec;
  spec.cols = 12;
  spec.rows = 9;
  spec.points_per_side = 6;
  auto x = index_tiles(sample::make_tiling(spec), GridIndex::Mode::first_match);
  expect_first_match_agrees(x, query_points(x.tiles, 7, 20000));
}

TEST(GridIndex, EveryInteriorVertexAndEdgePointLandsInExactlyOneTile) {
  sample::TilingSpec spec;
  spec.cols = 10;
  spec.rows = 10;
  spec.points_per_side = 5;
  spec.island_every = 7;
  auto x = index_tiles(sample::make_tiling(spec), GridIndex::Mode::first_match);
  // Points strictly inside the lattice hull (the hull sides are straight lines at x0, y0, …).
  const int32_t lo_x = spec.x0, hi_x = spec.x0 + static_cast<int32_t>(spec.cols) * spec.cell;
  const int32_t lo_y = spec.y0, hi_y = spec.y0 + static_cast<int32_t>(spec.rows) * spec.cell;
  size_t checked = 0;
  for (const GridPoint p : query_points(x.tiles, 11, 5000)) {
    if (p.x <= lo_x || p.x >= hi_x || p.y <= lo_y || p.y >= hi_y) continue;
    ASSERT_EQ(reference_count(x, p), 1) << "point (" << p.x << ", " << p.y << ")";
    ASSERT_NE(x.index.find_first(p), GridIndex::kNone);
    ++checked;
  }
  EXPECT_GT(checked, 10000u);
}

TEST(GridIndex, HolesIslandsAndMultiPolygons) {
  sample::TilingSpec spec;
  spec.cols = 9;
  spec.rows = 7;
  spec.island_every = 5;
  spec.merge_every = 4;
  spec.seed = 3;
  auto tiles = sample::make_tiling(spec);
  size_t islands = 0, multi = 0;
  for (const auto& t : tiles) {
    islands += t.island;
    multi += t.shape.size() > 1;
  }
  ASSERT_GT(islands, 5u);
  ASSERT_GT(multi, 5u);
  auto x = index_tiles(std::move(tiles), GridIndex::Mode::first_match);
  expect_first_match_agrees(x, query_points(x.tiles, 5, 20000));
}

TEST(GridIndex, DenseBoundariesAreSplitAndStayExact) {
  // A 2,000-point star inside a coarse tiling: its cells hold far more edges than the grid
  // was sized for, so they are split into child grids. It comes first, so it wins overlaps.
  sample::TilingSpec spec;
  spec.cols = 4;
  spec.rows = 4;
  spec.points_per_side = 2;
  auto tiling = sample::make_tiling(spec);
  sample::Ring star;
  const double cx = spec.x0 + 1.5 * spec.cell, cy = spec.y0 + 1.5 * spec.cell;
  for (int k = 0; k < 2000; ++k) {
    const double a = 2 * M_PI * k / 2000, r = spec.cell * (k % 2 ? 0.05 : 0.12);
    star.push_back({static_cast<int32_t>(std::lround(cx + r * std::cos(a))), static_cast<int32_t>(std::lround(cy + r * std::sin(a)))});
  }
  star.push_back(star.front());
  std::vector<sample::Tile> tiles(1);
  tiles[0].shape = {sample::Polygon{star}};
  for (auto& t : tiling) tiles.push_back(std::move(t));
  auto x = index_tiles(std::move(tiles), GridIndex::Mode::first_match);
  EXPECT_GT(x.index.stats().child_grids, 0u);
  expect_first_match_agrees(x, query_points(x.tiles, 9, 20000));
}

TEST(GridIndex, OverlapsGoToTheFirstShapeAndAreReported) {
  sample::TilingSpec a;
  a.cols = 4;
  a.rows = 4;
  sample::TilingSpec b = a;
  b.x0 += a.cell / 3;  // a shifted copy overlapping everything
  b.seed = 99;
  auto tiles = sample::make_tiling(a);
  for (auto& t : sample::make_tiling(b)) tiles.push_back(std::move(t));
  std::vector<std::vector<Edge>> edges;
  for (const auto& t : tiles) edges.push_back(sample::edges_of(t.shape));
  std::vector<GridIndex::Shape> shapes;
  for (uint32_t i = 0; i < tiles.size(); ++i) shapes.push_back({i, edges[i]});
  GridIndex::Overlaps overlaps;
  Indexed x;
  x.tiles = tiles;
  x.index = GridIndex::build(shapes, GridIndex::Mode::first_match, &overlaps);
  EXPECT_FALSE(overlaps.empty());
  for (auto [p, q] : overlaps) EXPECT_LT(p, q);
  expect_first_match_agrees(x, query_points(tiles, 13, 20000));
}

TEST(GridIndex, AllMatchesReportsEveryContainingShape) {
  // Zones: overlapping tiles of three different tilings.
  std::vector<sample::Tile> tiles;
  for (uint64_t seed : {21, 22, 23}) {
    sample::TilingSpec spec;
    spec.cols = 3;
    spec.rows = 2;
    spec.cell = 300'000 + static_cast<int32_t>(seed) * 10'000;
    spec.x0 += static_cast<int32_t>(seed) * 37'000;
    spec.seed = seed;
    spec.island_every = 4;
    for (auto& t : sample::make_tiling(spec)) tiles.push_back(std::move(t));
  }
  auto x = index_tiles(tiles, GridIndex::Mode::all_matches);
  size_t multi_hits = 0;
  for (const GridPoint p : query_points(x.tiles, 17, 30000)) {
    std::vector<uint32_t> want, got;
    for (uint32_t i = 0; i < x.tiles.size(); ++i) {
      if (reference_inside(x.tiles[i].shape, p)) want.push_back(i);
    }
    x.index.for_each_containing(p, [&](uint32_t id) { got.push_back(id); });
    ASSERT_EQ(got, want) << "point (" << p.x << ", " << p.y << ")";
    multi_hits += want.size() > 1;
  }
  EXPECT_GT(multi_hits, 100u);
}

TEST(GridIndex, EmptyAndDegenerateInputs) {
  GridIndex empty = GridIndex::build({}, GridIndex::Mode::first_match);
  EXPECT_EQ(empty.find_first({0, 0}), GridIndex::kNone);
  // A shape with only horizontal edges (zero area) contains nothing.
  std::vector<Edge> flat{{0, 0, 10, 0}, {10, 0, 0, 0}};
  GridIndex::Shape s{0, flat};
  GridIndex g = GridIndex::build({&s, 1}, GridIndex::Mode::first_match);
  EXPECT_EQ(g.find_first({5, 0}), GridIndex::kNone);
}

TEST(GridIndex, StorageRoundTripAndValidation) {
  sample::TilingSpec spec;
  auto x = index_tiles(sample::make_tiling(spec), GridIndex::Mode::first_match);
  const auto pts = query_points(x.tiles, 3, 2000);
  std::vector<uint32_t> before;
  for (auto p : pts) before.push_back(x.index.find_first(p));
  GridIndex::Storage s = std::move(x.index).release();
  auto any_shape = [](uint32_t) { return true; };
  GridIndex out;
  std::string error;
  GridIndex::Storage broken = s;
  broken.cells[0] = (GridIndex::kListTag << GridIndex::kTagShift) | 0x3FFFFFF;
  EXPECT_FALSE(GridIndex::from_storage(broken, any_shape, out, &error));
  EXPECT_NE(error.find("list offset out of range"), std::string::npos) << error;
  broken = s;
  broken.top.nx += 1;
  EXPECT_FALSE(GridIndex::from_storage(broken, any_shape, out, &error));
  EXPECT_FALSE(GridIndex::from_storage(s, [](uint32_t id) { return id != 3; }, out, &error));
  EXPECT_NE(error.find("wrong shape"), std::string::npos) << error;
  ASSERT_TRUE(GridIndex::from_storage(std::move(s), any_shape, out, &error)) << error;
  for (size_t i = 0; i < pts.size(); ++i) EXPECT_EQ(out.find_first(pts[i]), before[i]);
}

}  // namespace
}  // namespace whistle

namespace whistle {
namespace {

TEST(Quantize, InlineRoundingIsLlroundExactly) {
  sample::Random rng(17);
  std::vector<double> xs = {0.5, -0.5, 1.5, -1.5, 2.5, 0.49999999999999994, -0.49999999999999994,
                            1.8e9, -1.8e9, 1'799'999'999.5, -1'799'999'999.5, 0.0, -0.0};
  for (int i = 0; i < 200'000; ++i) {
    const double half = std::floor(rng.uniform() * 3.6e9 - 1.8e9) + 0.5;
    xs.push_back(half);
    xs.push_back(std::nextafter(half, 0.0));
    xs.push_back(std::nextafter(half, 1e10));
    xs.push_back(rng.uniform() * 3.6e9 - 1.8e9);
    xs.push_back((rng.uniform() * 360 - 180) * kUnitsPerDegree);
  }
  for (double x : xs) ASSERT_EQ(round_half_away(x), std::llround(x)) << std::setprecision(20) << x;
}

}  // namespace
}  // namespace whistle
