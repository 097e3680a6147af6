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
#include <type_traits>
#include <utility>
#include <vector>

#include "whistle/detail/huge_pages.hpp"
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
  bool empty() const noexcept { return cells_.empty(); }

  // first_match: the first shape containing p, or kNone.
  uint32_t find_first(GridPoint p) const noexcept;

  // all_matches (works in either mode): calls f(id) for every shape containing p, in build
  // order. In first_match mode, a cell inside a shape reports only the winning shape.
  template <class F>
  void for_each_containing(GridPoint p, F&& f) const;

  size_t memory_bytes() const noexcept;

  // ---- storage, public for serialization (compiled model) ----
  //
  // The top grid has its own cell array. A cell entry is kEmpty, a shape id (tag 0), or the
  // offset in `blob` (in 32-bit words) of a candidate list (tag 1) or of a child grid (tag 2).
  // A list is [n][shape, edge_count << 1 | parity] × n, then each candidate's edges in order,
  // 4 words each (x1, y1, x2, y2): one cell's data is contiguous, so a query touches the cell
  // entry and one short run of memory. A child grid is [x0, y0, shift, nx, ny] then its cells.
  struct GridNode {
    int32_t x0, y0;   // lower-left corner, quantized units
    uint32_t shift;   // cell side = 1 << shift units
    uint32_t nx, ny;  // cells per row and per column
  };
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;
  static constexpr uint32_t kTagShift = 30;
  static constexpr uint32_t kPayloadMask = (1u << kTagShift) - 1;
  enum Tag : uint32_t { kShapeTag = 0, kListTag = 1, kNodeTag = 2 };
  static constexpr uint32_t kNodeHeaderWords = 5;
  static constexpr uint32_t kEdgeWords = 4;

  using Words = HugeVector<uint32_t>;
  struct Storage {
    Mode mode = Mode::first_match;
    GridNode top{};
    Words cells;
    Words blob;
  };
  Storage release() &&;
  // Checks every reference and coordinate; `shape_ok` vets each shape id. On failure returns
  // false with the reason in `error`.
  template <class ShapeOk>
  static bool from_storage(Storage storage, ShapeOk&& shape_ok, GridIndex& out, std::string* error);
  const GridNode& top() const noexcept { return top_; }
  std::span<const uint32_t> cells() const noexcept { return cells_; }
  std::span<const uint32_t> blob() const noexcept { return blob_; }

  struct Stats {
    size_t top_cells = 0, lists = 0, child_grids = 0, candidates = 0, edges = 0;
  };
  Stats stats() const;

  using ShapeCheck = bool (*)(const void* context, uint32_t shape);

 private:
  friend class GridIndexBuilder;
  static bool validate(const Storage& s, ShapeCheck check, const void* context, std::string* error);

  static uint32_t cell_of(const uint32_t* cells, int64_t x0, int64_t y0, uint32_t shift, uint32_t nx,
                          uint32_t ny, GridPoint p) noexcept {
    const int64_t dx = int64_t{p.x} - x0, dy = int64_t{p.y} - y0;
    if (dx < 0 || dy < 0) return kEmpty;
    const uint64_t cx = static_cast<uint64_t>(dx) >> shift, cy = static_cast<uint64_t>(dy) >> shift;
    if (cx >= nx || cy >= ny) return kEmpty;
    return cells[cy * nx + cx];
  }

  // The top cell holding p, or -1 outside the top grid.
  int64_t top_cell(GridPoint p) const noexcept {
    const int64_t dx = int64_t{p.x} - top_.x0, dy = int64_t{p.y} - top_.y0;
    if (dx < 0 || dy < 0) return -1;
    const uint64_t cx = static_cast<uint64_t>(dx) >> top_.shift, cy = static_cast<uint64_t>(dy) >> top_.shift;
    if (cx >= top_.nx || cy >= top_.ny) return -1;
    return static_cast<int64_t>(cy * top_.nx + cx);
  }

  // The cell entry holding p (descending into child grids): kEmpty, a shape, or a list.
  uint32_t entry_at(GridPoint p) const noexcept {
    if (cells_.empty()) return kEmpty;
    const int64_t cell = top_cell(p);
    if (cell < 0) return kEmpty;
    return descend(cells_[static_cast<size_t>(cell)], p);
  }
  uint32_t descend(uint32_t entry, GridPoint p) const noexcept {
    while (entry != kEmpty && (entry >> kTagShift) == kNodeTag) {
      const uint32_t* h = blob_.data() + (entry & kPayloadMask);
      entry = cell_of(h + kNodeHeaderWords, static_cast<int32_t>(h[0]), static_cast<int32_t>(h[1]), h[2],
                      h[3], h[4], p);
    }
    return entry;
  }

  static bool crosses(const uint32_t* edge, GridPoint p) noexcept {
    const Edge e{static_cast<int32_t>(edge[0]), static_cast<int32_t>(edge[1]), static_cast<int32_t>(edge[2]),
                 static_cast<int32_t>(edge[3])};
    return crosses_right(e, p);
  }

  // Fills full_ for the top grid when it is worth it (first_match, ids below 65535).
  void summarize();

  Mode mode_ = Mode::first_match;
  GridNode top_{};
  Words cells_;
  Words blob_;
  HugeVector<uint16_t> full_;  // per top cell: 1 + the shape filling it, else 0 (see find_first)
};

inline uint32_t GridIndex::find_first(GridPoint p) const noexcept {
  if (cells_.empty()) return kNone;
  const int64_t cell = top_cell(p);
  if (cell < 0) return kNone;
  // Most queries land in a cell wholly inside one shape: the compact summary answers them
  // from a quarter of the memory, which stays in cache where the full cells would not.
  if (!full_.empty()) {
    // Start the full cell's load now: when the summary says "boundary", its miss overlaps.
    __builtin_prefetch(cells_.data() + cell);
    const uint16_t full = full_[static_cast<size_t>(cell)];
    if (full != 0) return full - 1u;
  }
  const uint32_t entry = descend(cells_[static_cast<size_t>(cell)], p);
  if (entry == kEmpty) return kNone;
  if ((entry >> kTagShift) == kShapeTag) return entry;
  const uint32_t* list = blob_.data() + (entry & kPayloadMask);
  const uint32_t n = list[0];
  const uint32_t* edge = list + 1 + 2 * n;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t meta = list[2 + 2 * i];
    uint32_t parity = meta & 1u;
    for (uint32_t k = 0; k < (meta >> 1); ++k, edge += kEdgeWords) parity ^= crosses(edge, p) ? 1u : 0u;
    if (parity) return list[1 + 2 * i];
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
  const uint32_t* list = blob_.data() + (entry & kPayloadMask);
  const uint32_t n = list[0];
  const uint32_t* edge = list + 1 + 2 * n;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t meta = list[2 + 2 * i];
    uint32_t parity = meta & 1u;
    for (uint32_t k = 0; k < (meta >> 1); ++k, edge += kEdgeWords) parity ^= crosses(edge, p) ? 1u : 0u;
    if (parity) {
      f(list[1 + 2 * i]);
      if (mode_ == Mode::first_match) return;
    }
  }
}

template <class ShapeOk>
bool GridIndex::from_storage(Storage storage, ShapeOk&& shape_ok, GridIndex& out, std::string* error) {
  auto check = [](const void* context, uint32_t shape) {
    return (*static_cast<const std::remove_reference_t<ShapeOk>*>(context))(shape);
  };
  if (!validate(storage, check, &shape_ok, error)) return false;
  out.mode_ = storage.mode;
  out.top_ = storage.top;
  out.cells_ = std::move(storage.cells);
  out.blob_ = std::move(storage.blob);
  out.summarize();
  return true;
}

}  // namespace whistle
