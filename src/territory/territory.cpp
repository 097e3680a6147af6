#include "whistle/territory.hpp"

namespace whistle {

namespace {
constexpr std::string_view kLevelNames[] = {"province", "city",  "county",  "township",
                                            "community", "grid", "subgrid", "zone"};
}

std::string_view level_name(Level level) noexcept {
  return kLevelNames[static_cast<size_t>(level)];
}

std::optional<Level> parse_level(std::string_view text) noexcept {
  for (size_t i = 0; i < std::size(kLevelNames); ++i) {
    if (kLevelNames[i] == text) return static_cast<Level>(i);
  }
  return std::nullopt;
}

Territory::Territory(std::vector<NodeData> nodes) : nodes_(std::move(nodes)) {
  const size_t n = nodes_.size();
  leaf_.assign(n, 1);
  for (size_t i = 0; i < n; ++i) {
    if (nodes_[i].level == Level::zone) leaf_[i] = 0;
    const NodeId p = nodes_[i].parent;
    if (p != kNoNode && nodes_[i].level != Level::zone) leaf_[p] = 0;
  }
  chain_start_.reserve(n + 1);
  for (size_t i = 0; i < n; ++i) {
    chain_start_.push_back(static_cast<uint32_t>(chains_.size()));
    for (NodeId at = static_cast<NodeId>(i); at != kNoNode; at = nodes_[at].parent) {
      chains_.push_back(at);
    }
  }
  chain_start_.push_back(static_cast<uint32_t>(chains_.size()));
  for (const NodeData& node : nodes_) {
    code_at_.push_back(static_cast<uint32_t>(codes_.size()));
    codes_ += node.code;
  }
  code_at_.push_back(static_cast<uint32_t>(codes_.size()));
  by_code_.reserve(n);
  for (size_t i = 0; i < n; ++i) by_code_.emplace(nodes_[i].code, static_cast<NodeId>(i));
}

NodeId Territory::find(std::string_view code) const {
  auto it = by_code_.find(code);
  return it == by_code_.end() ? kNoNode : it->second;
}

}  // namespace whistle
