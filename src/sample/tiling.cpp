#include "sample/tiling.hpp"

#include <cmath>
#include <cstdio>

namespace whistle::sample {
namespace {

struct Lattice {
  const TilingSpec& spec;
  std::vector<GridPoint> corners;                 // (cols+1) × (rows+1)
  std::vector<std::vector<GridPoint>> h_sides;    // side from corner (i,j) to (i+1,j)
  std::vector<std::vector<GridPoint>> v_sides;    // side from corner (i,j) to (i,j+1)

  GridPoint corner(uint32_t i, uint32_t j) const { return corners[j * (spec.cols + 1) + i]; }
  const std::vector<GridPoint>& h(uint32_t i, uint32_t j) const { return h_sides[j * spec.cols + i]; }
  const std::vector<GridPoint>& v(uint32_t i, uint32_t j) const { return v_sides[j * (spec.cols + 1) + i]; }
};

int32_t jittered(int32_t base, double amount, Random& rng) {
  return base + static_cast<int32_t>(std::lround((rng.uniform() * 2 - 1) * amount));
}

// Interior points of a side from a to b, wiggled perpendicular to it.
std::vector<GridPoint> side_points(GridPoint a, GridPoint b, const TilingSpec& spec, Random& rng,
                                   bool horizontal, bool on_hull) {
  std::vector<GridPoint> pts;
  const uint32_t k = spec.points_per_side;
  const double wiggle = spec.cell * 0.08;
  for (uint32_t m = 1; m <= k; ++m) {
    const double t = static_cast<double>(m) / (k + 1);
    GridPoint p{static_cast<int32_t>(std::lround(a.x + (double(b.x) - a.x) * t)),
                static_cast<int32_t>(std::lround(a.y + (double(b.y) - a.y) * t))};
    if (on_hull) {
      // The hull stays a straight line.
    } else if (horizontal) {
      p.y = jittered(p.y, wiggle, rng);
    } else {
      p.x = jittered(p.x, wiggle, rng);
    }
    pts.push_back(p);
  }
  return pts;
}

Lattice make_lattice(const TilingSpec& spec, Random& rng) {
  Lattice l{spec, {}, {}, {}};
  const double amount = spec.cell * spec.jitter;
  for (uint32_t j = 0; j <= spec.rows; ++j) {
    for (uint32_t i = 0; i <= spec.cols; ++i) {
      GridPoint p{spec.x0 + static_cast<int32_t>(i) * spec.cell, spec.y0 + static_cast<int32_t>(j) * spec.cell};
      // Keep the outer boundary straight on its own axis so the tiling's hull stays simple.
      if (i != 0 && i != spec.cols) p.x = jittered(p.x, amount, rng);
      if (j != 0 && j != spec.rows) p.y = jittered(p.y, amount, rng);
      l.corners.push_back(p);
    }
  }
  for (uint32_t j = 0; j <= spec.rows; ++j) {
    for (uint32_t i = 0; i < spec.cols; ++i) {
      l.h_sides.push_back(side_points(l.corner(i, j), l.corner(i + 1, j), spec, rng, true,
                                      j == 0 || j == spec.rows));
    }
  }
  for (uint32_t j = 0; j < spec.rows; ++j) {
    for (uint32_t i = 0; i <= spec.cols; ++i) {
      l.v_sides.push_back(side_points(l.corner(i, j), l.corner(i, j + 1), spec, rng, false,
                                      i == 0 || i == spec.cols));
    }
  }
  return l;
}

// The tile's outer ring, counter-clockwise: bottom, right, top (reversed), left (reversed).
Ring tile_ring(const Lattice& l, uint32_t i, uint32_t j) {
  Ring r;
  r.push_back(l.corner(i, j));
  for (auto p : l.h(i, j)) r.push_back(p);
  r.push_back(l.corner(i + 1, j));
  for (auto p : l.v(i + 1, j)) r.push_back(p);
  r.push_back(l.corner(i + 1, j + 1));
  const auto& top = l.h(i, j + 1);
  for (auto it = top.rbegin(); it != top.rend(); ++it) r.push_back(*it);
  r.push_back(l.corner(i, j + 1));
  const auto& left = l.v(i, j);
  for (auto it = left.rbegin(); it != left.rend(); ++it) r.push_back(*it);
  r.push_back(l.corner(i, j));
  return r;
}

// A small star-shaped ring around the middle of the cell.
Ring island_ring(const TilingSpec& spec, uint32_t i, uint32_t j, Random& rng) {
  const double cx = spec.x0 + (i + 0.5) * spec.cell, cy = spec.y0 + (j + 0.5) * spec.cell;
  Ring r;
  const int n = 7;
  for (int k = 0; k < n; ++k) {
    const double a = 2 * M_PI * k / n;
    const double rad = spec.cell * (0.08 + 0.05 * rng.uniform());
    r.push_back({static_cast<int32_t>(std::lround(cx + rad * std::cos(a))),
                 static_cast<int32_t>(std::lround(cy + rad * std::sin(a)))});
  }
  r.push_back(r.front());
  return r;
}

}  // namespace

std::vector<Tile> make_tiling(const TilingSpec& spec) {
  Random rng(spec.seed);
  const Lattice lattice = make_lattice(spec, rng);
  std::vector<Tile> tiles;
  std::vector<uint8_t> absorbed(size_t{spec.cols} * spec.rows, 0);
  uint32_t n = 0;
  for (uint32_t j = 0; j < spec.rows; ++j) {
    for (uint32_t i = 0; i < spec.cols; ++i, ++n) {
      if (absorbed[j * spec.cols + i]) continue;
      Tile t;
      t.col = i;
      t.row = j;
      Polygon poly{tile_ring(lattice, i, j)};
      std::vector<Tile> extra;
      if (spec.island_every && n % spec.island_every == spec.island_every - 1) {
        Ring island = island_ring(spec, i, j, rng);
        Ring hole(island.rbegin(), island.rend());
        poly.push_back(hole);
        Tile it;
        it.col = i;
        it.row = j;
        it.island = true;
        it.shape = {Polygon{island}};
        extra.push_back(std::move(it));
      }
      t.shape.push_back(std::move(poly));
      if (spec.merge_every && n % spec.merge_every == 0 && i + 2 < spec.cols) {
        absorbed[j * spec.cols + i + 2] = 1;
        t.shape.push_back(Polygon{tile_ring(lattice, i + 2, j)});
      }
      tiles.push_back(std::move(t));
      for (auto& e : extra) tiles.push_back(std::move(e));
    }
  }
  return tiles;
}

std::vector<Edge> edges_of(const MultiPolygon& shape) {
  std::vector<Edge> edges;
  for (const auto& poly : shape) {
    for (const auto& ring : poly) {
      for (size_t k = 0; k + 1 < ring.size(); ++k) {
        const GridPoint a = ring[k], b = ring[k + 1];
        if (a == b) continue;
        edges.push_back(a.y <= b.y ? Edge{a.x, a.y, b.x, b.y} : Edge{b.x, b.y, a.x, a.y});
      }
    }
  }
  return edges;
}

namespace {
void append_degrees(std::string& out, int32_t v) {
  char buf[32];
  const int64_t a = v < 0 ? -int64_t{v} : int64_t{v};
  std::snprintf(buf, sizeof buf, "%s%lld.%07lld", v < 0 ? "-" : "", static_cast<long long>(a / 10'000'000),
                static_cast<long long>(a % 10'000'000));
  out += buf;
}
void append_polygon(std::string& out, const Polygon& poly) {
  out += '[';
  for (size_t r = 0; r < poly.size(); ++r) {
    if (r) out += ',';
    out += '[';
    for (size_t k = 0; k < poly[r].size(); ++k) {
      if (k) out += ',';
      out += '[';
      append_degrees(out, poly[r][k].x);
      out += ',';
      append_degrees(out, poly[r][k].y);
      out += ']';
    }
    out += ']';
  }
  out += ']';
}
}  // namespace

std::string geometry_json(const MultiPolygon& shape) {
  std::string out;
  if (shape.size() == 1) {
    out = "{\"type\":\"Polygon\",\"coordinates\":";
    append_polygon(out, shape[0]);
  } else {
    out = "{\"type\":\"MultiPolygon\",\"coordinates\":[";
    for (size_t p = 0; p < shape.size(); ++p) {
      if (p) out += ',';
      append_polygon(out, shape[p]);
    }
    out += ']';
  }
  out += '}';
  return out;
}

}  // namespace whistle::sample
