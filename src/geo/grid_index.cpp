#include <string>

#include "whistle/grid_index.hpp"

namespace whistle {
namespace {

constexpr int64_t kMaxX = 1'800'000'000;  // 180° in 1e-7° units
constexpr int64_t kMaxY = 900'000'000;

bool in_range(const Edge& e) {
  return e.x1 >= -kMaxX && e.x1 <= kMaxX && e.x2 >= -kMaxX && e.x2 <= kMaxX &&
         e.y1 >= -kMaxY && e.y2 <= kMaxY && e.y1 < e.y2;
}

}  // namespace

GridIndex::Storage GridIndex::release() && {
  Storage s;
  s.mode = mode_;
  s.nodes = std::move(nodes_);
  s.cells = std::move(cells_);
  s.lists = std::move(lists_);
  s.candidates = std::move(candidates_);
  s.edges = std::move(edges_);
  return s;
}

bool GridIndex::from_storage(Storage s, GridIndex& out, std::string* error) {
  auto fail = [&](std::string what) {
    if (error) *error = std::move(what);
    return false;
  };
  if (s.mode != Mode::first_match && s.mode != Mode::all_matches) return fail("bad index mode");
  for (size_t i = 0; i < s.nodes.size(); ++i) {
    const GridNode& n = s.nodes[i];
    if (n.nx == 0 || n.ny == 0 || n.shift > 31) return fail("grid node " + std::to_string(i) + ": bad shape");
    if (uint64_t{n.first_cell} + uint64_t{n.nx} * n.ny > s.cells.size()) {
      return fail("grid node " + std::to_string(i) + ": cells out of range");
    }
    for (uint64_t c = 0; c < uint64_t{n.nx} * n.ny; ++c) {
      const uint32_t entry = s.cells[n.first_cell + c];
      if (entry == kEmpty) continue;
      const uint32_t payload = entry & kPayloadMask;
      switch (entry >> kTagShift) {
        case kShapeTag: break;
        case kListTag:
          if (payload >= s.lists.size()) return fail("cell refers to a missing list");
          break;
        case kNodeTag:
          if (payload <= i || payload >= s.nodes.size()) return fail("cell refers to a bad child grid");
          break;
        default: return fail("cell has an unknown tag");
      }
    }
  }
  for (const CellList& l : s.lists) {
    if (uint64_t{l.first_candidate} + l.count > s.candidates.size()) return fail("list out of range");
  }
  for (const Candidate& c : s.candidates) {
    if (uint64_t{c.first_edge} + c.edge_count > s.edges.size()) return fail("candidate edges out of range");
  }
  for (const Edge& e : s.edges) {
    if (!in_range(e)) return fail("edge coordinates out of range");
  }
  out.mode_ = s.mode;
  out.nodes_ = std::move(s.nodes);
  out.cells_ = std::move(s.cells);
  out.lists_ = std::move(s.lists);
  out.candidates_ = std::move(s.candidates);
  out.edges_ = std::move(s.edges);
  return true;
}

size_t GridIndex::memory_bytes() const noexcept {
  return nodes_.capacity() * sizeof(GridNode) + cells_.capacity() * sizeof(uint32_t) +
         lists_.capacity() * sizeof(CellList) + candidates_.capacity() * sizeof(Candidate) +
         edges_.capacity() * sizeof(Edge);
}

}  // namespace whistle
