// Geometry primitives of the exact point-location rule (SPEC §1): coordinates quantized to
// integer units of 1e-7 degree, polygon edges, and the crossing-number test evaluated exactly
// in 64-bit integer arithmetic. Plain values; thread-safe.
#pragma once

#include <cmath>
#include <cstdint>

namespace whistle {

struct LonLat {
  double lon = 0;
  double lat = 0;
};

// A quantized point: x = llround(lon * 1e7), y = llround(lat * 1e7).
struct GridPoint {
  int32_t x = 0;
  int32_t y = 0;
  friend bool operator==(GridPoint, GridPoint) = default;
};

inline constexpr double kUnitsPerDegree = 1e7;

// Quantizes a longitude/latitude. Returns false for NaN, infinities and values outside
// [-180, 180] × [-90, 90]: no polygon can contain such a point.
// llround (half away from zero) for |x| < 2^52, inline: the truncation is exact there, and so
// is x minus it (its fractional part), so the comparison decides exactly as llround does.
inline int64_t round_half_away(double x) noexcept {
  auto t = static_cast<int64_t>(x);
  const double fraction = x - static_cast<double>(t);
  if (fraction >= 0.5) {
    ++t;
  } else if (fraction <= -0.5) {
    --t;
  }
  return t;
}

inline bool quantize(LonLat p, GridPoint& out) noexcept {
  if (!(p.lon >= -180.0 && p.lon <= 180.0 && p.lat >= -90.0 && p.lat <= 90.0)) return false;
  out.x = static_cast<int32_t>(round_half_away(p.lon * kUnitsPerDegree));
  out.y = static_cast<int32_t>(round_half_away(p.lat * kUnitsPerDegree));
  return true;
}

// A non-horizontal polygon edge with its endpoints ordered so that y1 < y2. The rule of §1 is
// symmetric in the two endpoints and never counts horizontal edges, so this loses nothing.
struct Edge {
  int32_t x1, y1, x2, y2;
  friend bool operator==(const Edge&, const Edge&) = default;
};

// Builds the canonical edge of segment a–b; returns false for a horizontal segment.
inline bool make_edge(GridPoint a, GridPoint b, Edge& out) noexcept {
  if (a.y == b.y) return false;
  if (a.y < b.y) {
    out = {a.x, a.y, b.x, b.y};
  } else {
    out = {b.x, b.y, a.x, a.y};
  }
  return true;
}

// True iff the edge counts for point p under the crossing-number rule: it straddles the
// horizontal line through p ((y1 > y) != (y2 > y)) and crosses it strictly right of p.
// Exact: |x - x1| < 2^32 and |y2 - y1| < 2^31, so each product fits in int64.
inline bool crosses_right(const Edge& e, GridPoint p) noexcept {
  if (p.y < e.y1 || p.y >= e.y2) return false;
  const int64_t lhs = (int64_t{p.x} - e.x1) * (int64_t{e.y2} - e.y1);
  const int64_t rhs = (int64_t{e.x2} - e.x1) * (int64_t{p.y} - e.y1);
  return lhs < rhs;
}

}  // namespace whistle
