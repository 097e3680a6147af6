#include "engine/directory.hpp"

#include <algorithm>

namespace whistle::engine {

Directory::Directory(const Model& model) : territory_(model.territory()) {
  const auto& units = model.units();
  is_center_.resize(units.size());
  unit_node_.resize(units.size());
  std::vector<std::vector<UnitId>> centers(territory_.size());
  for (UnitId u = 0; u < units.size(); ++u) {
    is_center_[u] = units[u].kind == "center";
    unit_node_[u] = units[u].territory;
    if (is_center_[u] && units[u].territory != kNoNode) centers[units[u].territory].push_back(u);
  }
  for (NodeId n = 0; n < territory_.size(); ++n) {
    ladder_start_.push_back(static_cast<uint32_t>(ladder_units_.size()));
    for (NodeId at : territory_.chain(n)) {
      ladder_units_.insert(ladder_units_.end(), centers[at].begin(), centers[at].end());
    }
  }
  ladder_start_.push_back(static_cast<uint32_t>(ladder_units_.size()));
  if (territory_.size() > 0) root_ = territory_.chain(0).back();
}

bool Directory::is_ancestor_or_self(NodeId ancestor, NodeId node) const noexcept {
  if (node == kNoNode) return false;
  const auto chain = territory_.chain(node);
  return std::find(chain.begin(), chain.end(), ancestor) != chain.end();
}

bool Directory::on_ladder(NodeId place, UnitId unit) const noexcept {
  const auto l = ladder(place);
  return std::find(l.begin(), l.end(), unit) != l.end();
}

UnitId Directory::highest(NodeId place) const noexcept {
  const auto l = ladder(place);
  return l.empty() ? kNoUnit : l.back();
}

UnitId Directory::owner(NodeId place, UnitId primary) const noexcept {
  if (primary != kNoUnit && valid_unit(primary)) {
    const NodeId node = unit_node_[primary];
    for (UnitId c : ladder(place)) {
      if (is_ancestor_or_self(unit_node_[c], node)) return c;
    }
  }
  return highest(place);
}

UnitId Directory::above(NodeId place, UnitId supervisor) const noexcept {
  const auto l = ladder(place);
  const auto it = std::find(l.begin(), l.end(), supervisor);
  if (it == l.end()) return l.empty() || supervisor == l.back() ? kNoUnit : l.back();
  return it + 1 == l.end() ? kNoUnit : *(it + 1);
}

}  // namespace whistle::engine
