// Territory: the tree of administrative nodes (province … grid, subgrid) plus overlay zones,
// with dense NodeIds. Codes (strings) are for the edges of the system; everything inside uses
// NodeIds. A node's chain is the node itself, then its parent, up to the root (a zone's chain
// is the zone, then its parent's chain).
// Thread model: immutable after construction; safe to read from any number of threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace whistle {

using NodeId = uint32_t;
inline constexpr NodeId kNoNode = 0xFFFFFFFFu;

enum class Level : uint8_t { province, city, county, township, community, grid, subgrid, zone };

std::string_view level_name(Level level) noexcept;
std::optional<Level> parse_level(std::string_view text) noexcept;

class Territory {
 public:
  struct NodeData {
    std::string code;
    std::string name;
    Level level = Level::grid;
    NodeId parent = kNoNode;
  };

  Territory() = default;
  // `nodes` must already be checked (unique codes, parents exist, no cycles); see model loading.
  explicit Territory(std::vector<NodeData> nodes);

  size_t size() const noexcept { return nodes_.size(); }
  // From a packed copy: code lookups on hot paths touch a small array, not the node records.
  std::string_view code(NodeId n) const { return {codes_.data() + code_at_[n], code_at_[n + 1] - code_at_[n]}; }
  std::string_view name(NodeId n) const { return nodes_[n].name; }
  Level level(NodeId n) const { return nodes_[n].level; }
  NodeId parent(NodeId n) const { return nodes_[n].parent; }
  bool is_zone(NodeId n) const { return nodes_[n].level == Level::zone; }
  // True for a non-zone node without non-zone children (it must carry a geometry).
  bool is_leaf(NodeId n) const { return leaf_[n] != 0; }
  std::span<const NodeId> chain(NodeId n) const {
    return {chains_.data() + chain_start_[n], chain_start_[n + 1] - chain_start_[n]};
  }
  uint32_t depth(NodeId n) const { return chain_start_[n + 1] - chain_start_[n] - 1; }
  NodeId find(std::string_view code) const;
  const std::vector<NodeData>& nodes() const noexcept { return nodes_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::vector<NodeData> nodes_;
  std::string codes_;              // every code, back to back
  std::vector<uint32_t> code_at_;  // per node, + one past the end
  std::vector<uint8_t> leaf_;
  std::vector<NodeId> chains_;
  std::vector<uint32_t> chain_start_;
  std::unordered_map<std::string, NodeId, Hash, std::equal_to<>> by_code_;
};

}  // namespace whistle
