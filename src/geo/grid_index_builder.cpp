// Builds a GridIndex. Why it is exact:
//  * A cell whose closed box no edge touches has one status for all its points (the crossing
//    number only changes across edges), so one exact test at one point classifies it.
//  * For a point p in a touched cell, an edge can count only if it straddles a height of the
//    cell's row and reaches right of the cell's left side. Of those, an edge lying wholly right
//    of the cell counts for every point of the cell that shares its height, so together they
//    are a function of height alone: a parity bit plus one virtual vertical edge per height
//    where that function flips. The rest are kept and tested.
//  * A crowded cell is split: its candidates (kept edges + parity bits, plus the horizontal
//    edges that touch it, which never count but separate inside from outside) are indexed
//    again on a finer grid over the cell, by the same two rules.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <tuple>

#include "whistle/grid_index.hpp"

namespace whistle {
namespace {

constexpr uint32_t kSplitEdges = 24;   // split a cell whose candidates hold more edges
constexpr uint32_t kSplitBits = 2;     // a split cell becomes 4 × 4 cells
constexpr uint32_t kMinShift = 2;      // never split below 4 × 4 units
constexpr int kMaxDepth = 10;
constexpr uint64_t kMinTopCells = 1u << 10;
constexpr uint64_t kMaxTopCells = 1u << 25;
constexpr uint32_t kNoInput = 0xFFFFFFFFu;
constexpr int64_t kMaxY = 900'000'000;  // 90° in 1e-7° units

bool is_horizontal(const Edge& e) { return e.y1 == e.y2; }

struct Input {
  uint32_t id;
  std::span<const Edge> edges;  // may include horizontal edges (for touch marking only)
  uint32_t base_parity;
  bool always_inside;
};

struct Record {
  uint32_t cell;
  uint32_t input;
  uint32_t first_edge;  // into the node's edge pool
  uint32_t edge_count;
  uint32_t parity;
};

}  // namespace

class GridIndexBuilder {
 public:
  GridIndexBuilder(GridIndex& out, GridIndex::Mode mode, GridIndex::Overlaps* overlaps)
      : out_(out), mode_(mode), overlaps_(overlaps) {}

  void build_top(std::span<const GridIndex::Shape> shapes) {
    int64_t xmin = INT64_MAX, ymin = INT64_MAX, xmax = INT64_MIN, ymax = INT64_MIN;
    uint64_t edge_total = 0;
    std::vector<Input> inputs;
    for (const auto& s : shapes) {
      inputs.push_back({s.id, s.edges, 0, false});
      for (const Edge& e : s.edges) {
        xmin = std::min<int64_t>({xmin, e.x1, e.x2});
        xmax = std::max<int64_t>({xmax, e.x1, e.x2});
        ymin = std::min<int64_t>(ymin, e.y1);
        ymax = std::max<int64_t>(ymax, e.y2);
        ++edge_total;
      }
    }
    if (edge_total == 0) return;
    const uint64_t width = static_cast<uint64_t>(xmax - xmin) + 1;
    const uint64_t height = static_cast<uint64_t>(ymax - ymin) + 1;
    const uint64_t target = std::clamp<uint64_t>(edge_total * 4, kMinTopCells, kMaxTopCells);
    uint32_t shift = 0;
    auto cells_at = [&](uint32_t s) {
      return (((width - 1) >> s) + 1) * (((height - 1) >> s) + 1);
    };
    while (cells_at(shift) > target) ++shift;
    const auto nx = static_cast<uint32_t>(((width - 1) >> shift) + 1);
    const auto ny = static_cast<uint32_t>(((height - 1) >> shift) + 1);
    out_.top_ = {static_cast<int32_t>(xmin), static_cast<int32_t>(ymin), shift, nx, ny};
    out_.cells_.assign(size_t{nx} * ny, GridIndex::kEmpty);
    build_node(kTopGrid, xmin, ymin, shift, nx, ny, inputs, /*complete=*/true, 0);
  }

 private:
  // Builds a grid over the given rectangle from `inputs`: the top grid (grid == kTopGrid,
  // cells in out_.cells_) or a child grid whose header and cells start at blob offset `grid`.
  // `complete` means every input holds whole rings with parity 0, so cells outside an input's
  // bounding box are outside it and need no visit.
  void build_node(uint32_t grid, int64_t x0, int64_t y0, uint32_t shift, uint32_t nx,
                  uint32_t ny, std::span<const Input> inputs, bool complete, int depth) {

    NodeState st{x0, y0, shift, nx, ny, {}, {}, {}};
    st.first_full.assign(size_t{nx} * ny, kNoInput);
    for (uint32_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i].always_inside) {
        for (uint32_t c = 0; c < nx * ny; ++c) mark_full(st, c, i, inputs);
      } else {
        add_shape(st, i, inputs, complete);
      }
    }
    finish_cells(st, grid, inputs, depth);
  }

  static constexpr uint32_t kTopGrid = 0xFFFFFFFFu;

  uint32_t& cell_entry(uint32_t grid, uint32_t cell) {
    return grid == kTopGrid ? out_.cells_[cell] : out_.blob_[grid + GridIndex::kNodeHeaderWords + cell];
  }

  uint32_t blob_offset() const {
    if (out_.blob_.size() > GridIndex::kPayloadMask) throw std::length_error("grid index larger than 4 GiB");
    return static_cast<uint32_t>(out_.blob_.size());
  }

  struct NodeState {
    int64_t x0, y0;
    uint32_t shift, nx, ny;
    std::vector<uint32_t> first_full;  // first_match: first input wholly containing the cell
    std::vector<Record> records;       // touched cells (and, all_matches, full cells)
    std::vector<Edge> pool;            // candidate edges of the records
  };

  void mark_full(NodeState& st, uint32_t cell, uint32_t input, std::span<const Input> inputs) {
    if (mode_ == GridIndex::Mode::all_matches) {
      st.records.push_back({cell, input, 0, 0, 1});
      return;
    }
    uint32_t& first = st.first_full[cell];
    if (first == kNoInput) {
      first = input;
    } else if (overlaps_) {
      overlaps_->emplace_back(inputs[first].id, inputs[input].id);
    }
  }

  void add_shape(NodeState& st, uint32_t input_index, std::span<const Input> inputs,
                 bool complete) {
    const Input& in = inputs[input_index];
    const int64_t side = int64_t{1} << st.shift;
    // Row and column ranges to visit.
    uint32_t r0 = 0, r1 = st.ny - 1, c0 = 0, c1 = st.nx - 1;
    if (complete) {
      if (in.edges.empty()) return;
      int64_t xmin = INT64_MAX, xmax = INT64_MIN, ymin = INT64_MAX, ymax = INT64_MIN;
      for (const Edge& e : in.edges) {
        xmin = std::min<int64_t>({xmin, e.x1, e.x2});
        xmax = std::max<int64_t>({xmax, e.x1, e.x2});
        ymin = std::min<int64_t>(ymin, e.y1);
        ymax = std::max<int64_t>(ymax, e.y2);
      }
      c0 = col_of(st, xmin);
      c1 = col_of(st, xmax);
      r0 = row_of(st, ymin);
      r1 = row_of(st, ymax);
    }
    // Bucket edges by the rows their closed y-range overlaps.
    const uint32_t rows = r1 - r0 + 1;
    row_start_.assign(rows + 1, 0);
    for (const Edge& e : in.edges) {
      if (e.y2 < st.y0 + int64_t{r0} * side || e.y1 > st.y0 + (int64_t{r1} + 1) * side - 1) continue;
      const uint32_t a = std::max(row_of(st, e.y1), r0), b = std::min(row_of(st, e.y2), r1);
      for (uint32_t r = a; r <= b; ++r) ++row_start_[r - r0 + 1];
    }
    std::partial_sum(row_start_.begin(), row_start_.end(), row_start_.begin());
    row_edges_.resize(row_start_.back());
    row_fill_.assign(row_start_.begin(), row_start_.end() - 1);
    for (const Edge& e : in.edges) {
      if (e.y2 < st.y0 + int64_t{r0} * side || e.y1 > st.y0 + (int64_t{r1} + 1) * side - 1) continue;
      const uint32_t a = std::max(row_of(st, e.y1), r0), b = std::min(row_of(st, e.y2), r1);
      for (uint32_t r = a; r <= b; ++r) row_edges_[row_fill_[r - r0]++] = &e;
    }

    const uint32_t cols = c1 - c0 + 1;
    touched_.assign(cols, 0);
    for (uint32_t r = r0; r <= r1; ++r) {
      const int64_t ry0 = st.y0 + int64_t{r} * side, ry1 = ry0 + side - 1;
      const std::span<const Edge* const> edges(row_edges_.data() + row_start_[r - r0],
                                               row_start_[r - r0 + 1] - row_start_[r - r0]);
      // Mark cells whose closed box an edge may touch (a superset: a margin of one unit).
      for (const Edge* e : edges) {
        const int64_t ylo = std::max<int64_t>(e->y1, ry0), yhi = std::min<int64_t>(e->y2, ry1);
        if (ylo > yhi) continue;
        int64_t xa, xb;
        if (is_horizontal(*e)) {
          xa = std::min(e->x1, e->x2);
          xb = std::max(e->x1, e->x2);
        } else {
          const double dx = double(e->x2) - e->x1, dy = double(e->y2) - e->y1;
          const double xl = e->x1 + dx * (double(ylo) - e->y1) / dy;
          const double xh = e->x1 + dx * (double(yhi) - e->y1) / dy;
          xa = static_cast<int64_t>(std::floor(std::min(xl, xh))) - 1;
          xb = static_cast<int64_t>(std::ceil(std::max(xl, xh))) + 1;
          xa = std::max<int64_t>(xa, std::min(e->x1, e->x2));
          xb = std::min<int64_t>(xb, std::max(e->x1, e->x2));
        }
        if (xb < st.x0 + int64_t{c0} * side || xa > st.x0 + (int64_t{c1} + 1) * side - 1) continue;
        const uint32_t a = std::max(col_of(st, xa), c0), b = std::min(col_of(st, xb), c1);
        for (uint32_t c = a; c <= b; ++c) touched_[c - c0] = 1;
      }
      // Touched cells become records; runs of untouched cells are classified by one point.
      uint32_t c = c0;
      while (c <= c1) {
        if (touched_[c - c0]) {
          touched_[c - c0] = 0;
          add_record(st, r * st.nx + c, input_index, in.base_parity, edges, ry0, ry1,
                     st.x0 + int64_t{c} * side, st.x0 + int64_t{c} * side + side - 1, inputs);
          ++c;
          continue;
        }
        uint32_t end = c;
        while (end + 1 <= c1 && !touched_[end + 1 - c0]) ++end;
        const GridPoint probe{static_cast<int32_t>(st.x0 + int64_t{c} * side),
                              static_cast<int32_t>(ry0)};
        uint32_t parity = in.base_parity;
        for (const Edge* e : edges) parity ^= crosses_right(*e, probe) ? 1u : 0u;
        if (parity) {
          for (uint32_t k = c; k <= end; ++k) mark_full(st, r * st.nx + k, input_index, inputs);
        }
        c = end + 1;
      }
    }
  }

  void add_record(NodeState& st, uint32_t cell, uint32_t input_index, uint32_t base_parity,
                  std::span<const Edge* const> edges, int64_t ry0, int64_t ry1, int64_t cx0,
                  int64_t cx1, std::span<const Input> inputs) {
    uint32_t parity = base_parity;
    const auto first = static_cast<uint32_t>(st.pool.size());
    bool counting_edge = false;
    // Edges wholly right of the cell count for every point of the cell whenever they straddle
    // its height: they are gathered here and replaced below.
    far_right_.clear();
    far_heights_.clear();
    for (const Edge* e : edges) {
      if (is_horizontal(*e)) {
        const int64_t exmin = std::min(e->x1, e->x2), exmax = std::max(e->x1, e->x2);
        if (e->y1 >= ry0 && e->y1 <= ry1 && exmax >= cx0 && exmin <= cx1) st.pool.push_back(*e);
        continue;
      }
      if (e->y1 > ry1 || e->y2 <= ry0) continue;  // never straddles a height of this row
      // Where the edge crosses the row's heights it is a straight piece between its x at
      // ylo and at yhi: compare both ends with the cell's sides, exactly.
      const int64_t ylo = std::max<int64_t>(e->y1, ry0), yhi = std::min<int64_t>(e->y2, ry1);
      if (!right_of(*e, ylo, cx0) && !right_of(*e, yhi, cx0)) continue;  // never right of a point here
      if (right_of(*e, ylo, cx1) && right_of(*e, yhi, cx1)) {
        far_right_.push_back(e);
        if (e->y1 > ry0 && e->y1 <= ry1) far_heights_.push_back(e->y1);
        if (e->y2 > ry0 && e->y2 <= ry1) far_heights_.push_back(e->y2);
        continue;
      }
      st.pool.push_back(*e);
      counting_edge = true;
    }
    // f(y) = the number of far-right edges straddling y, mod 2, is all they contribute. It is
    // f(ry0) at the row's bottom and flips at each height holding an odd number of their
    // endpoints: one virtual vertical edge just right of the cell, from that height up past
    // the row, flips it the same way. So they fold into the parity bit plus one virtual edge
    // per such height (usually none, rarely more than one).
    for (const Edge* e : far_right_) parity ^= (e->y1 <= ry0 && ry0 < e->y2) ? 1u : 0u;
    std::sort(far_heights_.begin(), far_heights_.end());
    const auto virtual_x = static_cast<int32_t>(cx1 + 1);  // <= any far-right x, so in range
    const auto virtual_top = static_cast<int32_t>(std::min<int64_t>(ry1 + 1, kMaxY + 1));
    for (size_t k = 0; k < far_heights_.size();) {
      size_t run = k;
      while (run < far_heights_.size() && far_heights_[run] == far_heights_[k]) ++run;
      if ((run - k) % 2 != 0) {
        st.pool.push_back({virtual_x, static_cast<int32_t>(far_heights_[k]), virtual_x, virtual_top});
        counting_edge = true;
      }
      k = run;
    }
    if (!counting_edge) {
      // Only horizontal or no edges left: the status is the same for every point.
      st.pool.resize(first);
      if (parity) mark_full(st, cell, input_index, inputs);
      return;
    }
    st.records.push_back({cell, input_index, first, static_cast<uint32_t>(st.pool.size()) - first,
                          parity});
  }

  // True iff the edge's x at height y (y1 <= y <= y2) is greater than x.
  static bool right_of(const Edge& e, int64_t y, int64_t x) {
    __extension__ typedef __int128 wide;
    return wide{e.x1 - x} * (e.y2 - e.y1) + wide{int64_t{e.x2} - e.x1} * (y - e.y1) > 0;
  }

  void finish_cells(NodeState& st, uint32_t grid, std::span<const Input> inputs, int depth) {
    std::stable_sort(st.records.begin(), st.records.end(),
                     [](const Record& a, const Record& b) {
                       return a.cell != b.cell ? a.cell < b.cell : a.input < b.input;
                     });
    const uint32_t cell_count = st.nx * st.ny;
    size_t ri = 0;
    std::vector<Record> cands;
    for (uint32_t cell = 0; cell < cell_count; ++cell) {
      uint32_t full = st.first_full[cell];
      cands.clear();
      while (ri < st.records.size() && st.records[ri].cell == cell) {
        const Record& rec = st.records[ri++];
        if (mode_ == GridIndex::Mode::first_match && full != kNoInput && rec.input > full) continue;
        cands.push_back(rec);
      }
      if (mode_ == GridIndex::Mode::first_match && !cands.empty()) {
        const int64_t side = int64_t{1} << st.shift;
        if (overlaps_) {
          sample_overlap(st, cands, full, inputs, st.x0 + int64_t{cell % st.nx} * side + side / 2,
                         st.y0 + int64_t{cell / st.nx} * side + side / 2);
        }
        drop_implied_candidates(st, cands, full);
      }
      if (cands.empty()) {
        cell_entry(grid, cell) = full == kNoInput ? GridIndex::kEmpty : inputs[full].id;
        continue;
      }
      if (mode_ == GridIndex::Mode::all_matches && cands.size() == 1 && cands[0].edge_count == 0) {
        cell_entry(grid, cell) = inputs[cands[0].input].id;
        continue;
      }
      const int64_t side = int64_t{1} << st.shift;
      const int64_t cx0 = st.x0 + int64_t{cell % st.nx} * side;
      const int64_t cy0 = st.y0 + int64_t{cell / st.nx} * side;
      uint32_t edge_total = 0;
      for (const Record& rec : cands) edge_total += rec.edge_count;
      if (edge_total > kSplitEdges && st.shift >= kMinShift + kSplitBits && depth < kMaxDepth) {
        std::vector<Input> sub;
        for (const Record& rec : cands) {
          sub.push_back({inputs[rec.input].id,
                         std::span<const Edge>(st.pool.data() + rec.first_edge, rec.edge_count),
                         rec.parity, rec.edge_count == 0});
        }
        if (full != kNoInput) sub.push_back({inputs[full].id, {}, 1, true});
        const uint32_t child = blob_offset();
        const uint32_t n = 1u << kSplitBits;
        const uint32_t child_shift = st.shift - kSplitBits;
        out_.blob_.insert(out_.blob_.end(), {static_cast<uint32_t>(static_cast<int32_t>(cx0)),
                                             static_cast<uint32_t>(static_cast<int32_t>(cy0)), child_shift, n, n});
        out_.blob_.resize(out_.blob_.size() + n * n, GridIndex::kEmpty);
        build_node(child, cx0, cy0, child_shift, n, n, sub, false, depth + 1);
        cell_entry(grid, cell) = (GridIndex::kNodeTag << GridIndex::kTagShift) | child;
        continue;
      }
      cell_entry(grid, cell) = (GridIndex::kListTag << GridIndex::kTagShift) | write_list(st, cands, full, inputs);
    }
  }

  // First-match lists are read in order and stop at the first candidate containing the point,
  // so candidate k is only reached where every earlier one answered "outside". If k's edges
  // equal, counted mod 2, the symmetric difference of the earlier candidates' edges, then its
  // crossing count equals theirs, and where it is reached its answer is the constant
  // parity_k ^ (xor of their parity bits): k becomes "always inside" (and ends the list) or
  // is dropped. In a partition this removes the last polygon of nearly every boundary cell.
  void drop_implied_candidates(const NodeState& st, std::vector<Record>& cands, uint32_t& full) {
    if (cands.size() < 2 && full == kNoInput) return;
    running_.clear();
    uint32_t running_parity = 0;
    size_t kept = 0;
    for (size_t k = 0; k < cands.size(); ++k) {
      const Record& rec = cands[k];
      mine_.clear();
      for (uint32_t i = 0; i < rec.edge_count; ++i) {
        const Edge& e = st.pool[rec.first_edge + i];
        if (!is_horizontal(e)) mine_.push_back(e);
      }
      reduce_mod2(mine_);
      if (k > 0 && mine_ == running_) {
        if ((rec.parity ^ running_parity) != 0) {
          full = rec.input;  // always inside where reached: later candidates are unreachable
          break;
        }
        continue;  // never inside where reached
      }
      symmetric_difference(running_, mine_);
      running_parity ^= rec.parity;
      cands[kept++] = rec;
    }
    cands.resize(kept);
  }

  static bool edge_less(const Edge& a, const Edge& b) {
    return std::tie(a.x1, a.y1, a.x2, a.y2) < std::tie(b.x1, b.y1, b.x2, b.y2);
  }
  static bool edge_equal(const Edge& a, const Edge& b) {
    return a.x1 == b.x1 && a.y1 == b.y1 && a.x2 == b.x2 && a.y2 == b.y2;
  }
  // Sorts and removes pairs of equal edges.
  static void reduce_mod2(std::vector<Edge>& v) {
    std::sort(v.begin(), v.end(), edge_less);
    size_t out = 0;
    for (size_t i = 0; i < v.size();) {
      size_t j = i;
      while (j < v.size() && edge_equal(v[j], v[i])) ++j;
      if ((j - i) % 2) v[out++] = v[i];
      i = j;
    }
    v.resize(out);
  }
  // into = into xor add (both sorted, reduced).
  void symmetric_difference(std::vector<Edge>& into, const std::vector<Edge>& add) {
    merged_.clear();
    size_t a = 0, b = 0;
    while (a < into.size() || b < add.size()) {
      if (b == add.size() || (a < into.size() && edge_less(into[a], add[b]))) {
        merged_.push_back(into[a++]);
      } else if (a == into.size() || edge_less(add[b], into[a])) {
        merged_.push_back(add[b++]);
      } else {
        ++a, ++b;  // equal edges cancel
      }
    }
    into.swap(merged_);
  }

  // Appends one cell's list: header, candidates, then their edges (horizontal ones dropped:
  // they never count).
  uint32_t write_list(const NodeState& st, const std::vector<Record>& cands, uint32_t full,
                      std::span<const Input> inputs) {
    const uint32_t offset = blob_offset();
    auto& blob = out_.blob_;
    const uint32_t n = static_cast<uint32_t>(cands.size()) + (full != kNoInput ? 1 : 0);
    blob.push_back(n);
    for (const Record& rec : cands) {
      uint32_t counted = 0;
      for (uint32_t k = 0; k < rec.edge_count; ++k) counted += is_horizontal(st.pool[rec.first_edge + k]) ? 0 : 1;
      blob.push_back(inputs[rec.input].id);
      blob.push_back(counted << 1 | rec.parity);
    }
    if (full != kNoInput) {
      blob.push_back(inputs[full].id);
      blob.push_back(1);  // no edges, parity 1: always inside
    }
    for (const Record& rec : cands) {
      for (uint32_t k = 0; k < rec.edge_count; ++k) {
        const Edge& e = st.pool[rec.first_edge + k];
        if (is_horizontal(e)) continue;
        blob.insert(blob.end(), {static_cast<uint32_t>(e.x1), static_cast<uint32_t>(e.y1),
                                 static_cast<uint32_t>(e.x2), static_cast<uint32_t>(e.y2)});
      }
    }
    return offset;
  }

  // Reports shapes that both contain the centre of a touched cell.
  void sample_overlap(const NodeState& st, const std::vector<Record>& cands, uint32_t full,
                      std::span<const Input> inputs, int64_t x, int64_t y) {
    const GridPoint p{static_cast<int32_t>(x), static_cast<int32_t>(y)};
    uint32_t first = full;
    for (const Record& rec : cands) {
      uint32_t parity = rec.parity;
      for (uint32_t k = 0; k < rec.edge_count; ++k) {
        parity ^= crosses_right(st.pool[rec.first_edge + k], p) ? 1u : 0u;
      }
      if (!parity) continue;
      if (first == kNoInput || first == rec.input) {
        first = rec.input;
      } else {
        overlaps_->emplace_back(inputs[std::min(first, rec.input)].id,
                                inputs[std::max(first, rec.input)].id);
      }
    }
  }

  static uint32_t col_of(const NodeState& st, int64_t x) {
    const int64_t c = (x - st.x0) >> st.shift;
    return static_cast<uint32_t>(std::clamp<int64_t>(c, 0, int64_t{st.nx} - 1));
  }
  static uint32_t row_of(const NodeState& st, int64_t y) {
    const int64_t r = (y - st.y0) >> st.shift;
    return static_cast<uint32_t>(std::clamp<int64_t>(r, 0, int64_t{st.ny} - 1));
  }

  GridIndex& out_;
  GridIndex::Mode mode_;
  GridIndex::Overlaps* overlaps_;
  // Scratch reused across shapes of one node (never across a recursive call's use).
  std::vector<uint32_t> row_start_, row_fill_;
  std::vector<const Edge*> row_edges_;
  std::vector<uint8_t> touched_;
  std::vector<const Edge*> far_right_;
  std::vector<Edge> running_, mine_, merged_;
  std::vector<int64_t> far_heights_;
};

GridIndex GridIndex::build(std::span<const Shape> shapes, Mode mode, Overlaps* overlaps) {
  GridIndex index;
  index.mode_ = mode;
  GridIndexBuilder(index, mode, overlaps).build_top(shapes);
  index.cells_.shrink_to_fit();
  index.blob_.shrink_to_fit();
  index.summarize();
  if (overlaps) {
    std::sort(overlaps->begin(), overlaps->end());
    overlaps->erase(std::unique(overlaps->begin(), overlaps->end()), overlaps->end());
  }
  return index;
}

}  // namespace whistle
