#include <string>

#include "whistle/grid_index.hpp"

namespace whistle {
namespace {

constexpr int64_t kMaxX = 1'800'000'000;  // 180° in 1e-7° units
constexpr int64_t kMaxY = 900'000'000;
constexpr int kMaxChildDepth = 16;

struct Validator {
  const GridIndex::Storage& s;
  GridIndex::ShapeCheck check;
  const void* context;
  std::string* error;
  std::vector<uint8_t> seen;  // blob offsets already checked

  bool fail(std::string what) {
    if (error) *error = std::move(what);
    return false;
  }

  bool grid_shape(uint32_t shift, uint32_t nx, uint32_t ny) {
    return nx > 0 && ny > 0 && shift <= 31 && uint64_t{nx} * ny <= (uint64_t{1} << 32);
  }

  bool entry(uint32_t e, uint32_t parent_offset, int depth) {
    if (e == GridIndex::kEmpty) return true;
    const uint32_t off = e & GridIndex::kPayloadMask;
    switch (e >> GridIndex::kTagShift) {
      case GridIndex::kShapeTag:
        return check(context, e) || fail("cell refers to a missing or wrong shape");
      case GridIndex::kListTag: return list(off);
      case GridIndex::kNodeTag: return child(off, parent_offset, depth);
      default: return fail("cell entry has an unknown tag");
    }
  }

  bool list(uint32_t off) {
    if (off >= s.blob.size()) return fail("list offset out of range");
    if (seen[off]) return true;
    const uint64_t n = s.blob[off];
    uint64_t end = uint64_t{off} + 1 + 2 * n;
    if (end > s.blob.size()) return fail("list header out of range");
    uint64_t edges = 0;
    for (uint64_t i = 0; i < n; ++i) {
      if (!check(context, s.blob[off + 1 + 2 * i])) return fail("list refers to a missing or wrong shape");
      edges += s.blob[off + 2 + 2 * i] >> 1;
    }
    if (end + edges * GridIndex::kEdgeWords > s.blob.size()) return fail("list edges out of range");
    for (uint64_t k = 0; k < edges; ++k) {
      const auto* w = &s.blob[end + k * GridIndex::kEdgeWords];
      const int64_t x1 = static_cast<int32_t>(w[0]), y1 = static_cast<int32_t>(w[1]);
      const int64_t x2 = static_cast<int32_t>(w[2]), y2 = static_cast<int32_t>(w[3]);
      // crosses_right() is exact in int64 when the edge spans less than 2^31 in y and the
      // query lies within ±180°, ±90° (GridPoint quantization guarantees that).
      if (x1 < -kMaxX || x1 > kMaxX || x2 < -kMaxX || x2 > kMaxX || y1 < -kMaxY || y2 > kMaxY + 1 || y1 >= y2) {
        return fail("edge coordinates out of range");
      }
    }
    seen[off] = 1;
    return true;
  }

  bool child(uint32_t off, uint32_t parent_offset, int depth) {
    if (depth >= kMaxChildDepth) return fail("child grids nested too deep");
    if (off <= parent_offset && parent_offset != UINT32_MAX) return fail("child grid does not follow its parent");
    if (uint64_t{off} + GridIndex::kNodeHeaderWords > s.blob.size()) return fail("child grid out of range");
    if (seen[off]) return true;
    const uint32_t* h = &s.blob[off];
    if (!grid_shape(h[2], h[3], h[4])) return fail("child grid has a bad shape");
    const uint64_t cells = uint64_t{h[3]} * h[4];
    if (uint64_t{off} + GridIndex::kNodeHeaderWords + cells > s.blob.size()) return fail("child grid cells out of range");
    for (uint64_t c = 0; c < cells; ++c) {
      if (!entry(s.blob[off + GridIndex::kNodeHeaderWords + c], off, depth + 1)) return false;
    }
    seen[off] = 1;
    return true;
  }
};

}  // namespace

bool GridIndex::validate(const Storage& s, ShapeCheck check, const void* context, std::string* error) {
  Validator v{s, check, context, error, std::vector<uint8_t>(s.blob.size(), 0)};
  if (s.mode != Mode::first_match && s.mode != Mode::all_matches) return v.fail("bad index mode");
  if (s.blob.size() > kPayloadMask) return v.fail("blob too large");
  if (s.cells.empty()) return s.blob.empty() || v.fail("blob without cells");
  if (!v.grid_shape(s.top.shift, s.top.nx, s.top.ny) || uint64_t{s.top.nx} * s.top.ny != s.cells.size()) {
    return v.fail("top grid shape does not match its cells");
  }
  for (uint32_t e : s.cells) {
    if (!v.entry(e, UINT32_MAX, 0)) return false;
  }
  return true;
}

GridIndex::Storage GridIndex::release() && {
  Storage s;
  s.mode = mode_;
  s.top = top_;
  s.cells = std::move(cells_);
  s.blob = std::move(blob_);
  full_ = {};
  return s;
}

size_t GridIndex::memory_bytes() const noexcept {
  return (cells_.capacity() + blob_.capacity()) * sizeof(uint32_t) + full_.capacity() * sizeof(uint16_t);
}

void GridIndex::summarize() {
  full_.clear();
  // Worth it while the summary is small enough to stay cached (at most 4 MiB).
  if (mode_ != Mode::first_match || cells_.size() > (size_t{1} << 21)) return;
  full_.assign(cells_.size(), 0);
  bool any = false;
  for (size_t i = 0; i < cells_.size(); ++i) {
    const uint32_t e = cells_[i];
    if (e != kEmpty && (e >> kTagShift) == kShapeTag && e < 0xFFFFu) {
      full_[i] = static_cast<uint16_t>(e + 1);
      any = true;
    }
  }
  if (!any) full_ = {};
}

GridIndex::Stats GridIndex::stats() const {
  Stats st;
  st.top_cells = cells_.size();
  std::vector<uint32_t> pending(cells_.begin(), cells_.end());
  std::vector<uint8_t> seen(blob_.size(), 0);
  while (!pending.empty()) {
    const uint32_t e = pending.back();
    pending.pop_back();
    if (e == kEmpty || (e >> kTagShift) == kShapeTag) continue;
    const uint32_t off = e & kPayloadMask;
    if (seen[off]) continue;
    seen[off] = 1;
    if ((e >> kTagShift) == kListTag) {
      ++st.lists;
      st.candidates += blob_[off];
      for (uint32_t i = 0; i < blob_[off]; ++i) st.edges += blob_[off + 2 + 2 * i] >> 1;
    } else {
      ++st.child_grids;
      const uint32_t n = blob_[off + 3] * blob_[off + 4];
      for (uint32_t c = 0; c < n; ++c) pending.push_back(blob_[off + kNodeHeaderWords + c]);
    }
  }
  return st;
}

}  // namespace whistle
