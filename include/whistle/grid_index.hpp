// GridIndex: exact point location over a set of polygons ("shapes"), each given as its edges.
//
// A hierarchy of uniform grids with power-of-two cells over the quantized plane. A cell lying
// wholly inside one shape stores that shape (one load answers the query); a cell some edge
// touches stores its candidate shapes with only the edges that can cross a rightward ray from a
// point of that cell, plus a parity bit for the edges right of the cell that cross every such
// ray alike. Crowded cells are split again. The answer is always the §1 crossing-number rule
// evaluated exactly; the grid only chooses which edges to test.
//
// Two modes: first_match returns the first shape (in build order) containing the point, as
// leaves of a territory partition need; all_matches reports every containing shape, as
// overlapping zones need.
//
// Thread model: immutable after build; any number of threads may query concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "whistle/geo.hpp"

namespace whistle {

class GridIndex {
 public:
  enum class Mode : uint8_t { first_match = 0, all_matches = 1 };
  static constexpr uint32_t kNone = 0xFFFFFFFFu;

  struct Shape {
    uint32_t id;                  // returned by queries (e.g. a territory node id)
    std::span<const Edge> edges;  // every non-horizontal edge of every ring
  };

  // Pairs of shape ids found to overlap while building (first_match mode only); detection
  // is by sampled cells, so small overlaps can go unreported.
  using Overlaps = std::vector<std::pair<uint32_t, uint32_t>>;

  // Shapes earlier in `shapes` win overlaps in first_match mode.
  static GridIndex build(std::span<const Shape> shapes, Mode mode, Overlaps* overlaps = nullptr);

  GridIndex() = default;

  Mode mode() const noexcept { return mode_; }
  bool empty() const noexcept { return nodes_.empty(); }

  // first_match: the first shape containing p, or kNone.
  uint32_t find_first(GridPoint p) const noexcept;

  // all_matches (works in either mode): calls f(id) for every shape containing p, in build
  // order. In first_match mode, a cell inside a shape reports only the winning shape.
  template <class F>
  void for_each_containing(GridPoint p, F&& f) const;

  size_t memory_bytes() const noexcept;

  // ---- storage, public for serialization (compiled model) ----
  struct GridNode {
    int32_t x0, y0;   // lower-left corner, quantized units
    uint32_t shift;   // cell side = 1 << shift units
    uint32_t nx, ny;  // cells per row and per column
    uint32_t first_cell;
  };
  struct CellList {
    uint32_t first_candidate;
    uint32_t count;
  };
  struct Candidate {
    uint32_t shape;
    uint32_t first_edge;
    uint32_t edge_count : 31;
    uint32_t parity : 1;  // crossings by edges folded away (always inside: parity 1, no edges)
  };
  // Cell entries: kEmpty, a shape id (tag 0), a CellList index (tag 1) or a child GridNode
  // index (tag 2), the tag in the two high bits.
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;
  static constexpr uint32_t kTagShift = 30;
  static constexpr uint32_t kPayloadMask = (1u << kTagShift) - 1;
  enum Tag : uint32_t { kShapeTag = 0, kListTag = 1, kNodeTag = 2 };

  struct Storage {
    Mode mode = Mode::first_match;
    std::vector<GridNode> nodes;
    std::vector<uint32_t> cells;
    std::vector<CellList> lists;
    std::vector<Candidate> candidates;
    std::vector<Edge> edges;
  };
  Storage release() &&;
  // Checks every internal reference; the error text says what is wrong.
  static bool from_storage(Storage storage, GridIndex& out, std::string* error);
  const std::vector<GridNode>& grid_nodes() const { return nodes_; }
  const std::vector<uint32_t>& cells() const { return cells_; }
  const std::vector<CellList>& lists() const { return lists_; }
  const std::vector<Candidate>& candidates() const { return candidates_; }
  const std::vector<Edge>& edges() const { return edges_; }

 private:
  friend class GridIndexBuilder;

  // The cell entry holding p (descending into child grids), or kEmpty.
  uint32_t entry_at(GridPoint p) const noexcept;
  bool candidate_contains(const Candidate& c, GridPoint p) const noexcept {
    uint32_t parity = c.parity;
    const Edge* e = edges_.data() + c.first_edge;
    for (uint32_t i = 0; i < c.edge_count; ++i) parity ^= crosses_right(e[i], p) ? 1u : 0u;
    return parity != 0;
  }

  Mode mode_ = Mode::first_match;
  std::vector<GridNode> nodes_;
  std::vector<uint32_t> cells_;
  std::vector<CellList> lists_;
  std::vector<Candidate> candidates_;
  std::vector<Edge> edges_;
};

inline uint32_t GridIndex::entry_at(GridPoint p) const noexcept {
  if (nodes_.empty()) return kEmpty;
  const GridNode* node = &nodes_[0];
  for (;;) {
    const int64_t dx = int64_t{p.x} - node->x0;
    const int64_t dy = int64_t{p.y} - node->y0;
    if (dx < 0 || dy < 0) return kEmpty;
    const uint64_t cx = static_cast<uint64_t>(dx) >> node->shift;
    const uint64_t cy = static_cast<uint64_t>(dy) >> node->shift;
    if (cx >= node->nx || cy >= node->ny) return kEmpty;
    const uint32_t entry = cells_[node->first_cell + cy * node->nx + cx];
    if (entry == kEmpty || (entry >> kTagShift) != kNodeTag) return entry;
    node = &nodes_[entry & kPayloadMask];
  }
}

inline uint32_t GridIndex::find_first(GridPoint p) const noexcept {
  const uint32_t entry = entry_at(p);
  if (entry == kEmpty) return kNone;
  if ((entry >> kTagShift) == kShapeTag) return entry;
  const CellList& list = lists_[entry & kPayloadMask];
  const Candidate* c = candidates_.data() + list.first_candidate;
  for (uint32_t i = 0; i < list.count; ++i) {
    if (candidate_contains(c[i], p)) return c[i].shape;
  }
  return kNone;
}

template <class F>
void GridIndex::for_each_containing(GridPoint p, F&& f) const {
  const uint32_t entry = entry_at(p);
  if (entry == kEmpty) return;
  if ((entry >> kTagShift) == kShapeTag) {
    f(entry);
    return;
  }
  const CellList& list = lists_[entry & kPayloadMask];
  const Candidate* c = candidates_.data() + list.first_candidate;
  for (uint32_t i = 0; i < list.count; ++i) {
    if (candidate_contains(c[i], p)) {
      f(c[i].shape);
      if (mode_ == Mode::first_match) return;
    }
  }
}

}  // namespace whistle
