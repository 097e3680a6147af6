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
  first_centre_.assign(territory_.size(), kNoUnit);
  for (NodeId n = 0; n < territory_.size(); ++n) {
    if (ladder_start_[n] != ladder_start_[n + 1]) first_centre_[n] = ladder_units_[ladder_start_[n]];
  }
}

NodeId Directory::common_ancestor(NodeId a, NodeId b) const noexcept {
  const auto x = territory_.chain(a), y = territory_.chain(b);
  // Chains end at the root: walk both from there while they agree.
  NodeId common = kNoNode;
  for (size_t i = 1; i <= x.size() && i <= y.size() && x[x.size() - i] == y[y.size() - i]; ++i) common = x[x.size() - i];
  return common;
}

bool Directory::on_ladder(NodeId place, UnitId unit) const noexcept {
  const auto l = ladder(place);
  return std::find(l.begin(), l.end(), unit) != l.end();
}

UnitId Directory::highest(NodeId place) const noexcept {
  const auto l = ladder(place);
  return l.empty() ? kNoUnit : l.back();
}

// The centres on the ladder whose node is also on the primary's chain are exactly those on the
// chain of the two chains' lowest common node; the lowest of them is that node's first centre.
UnitId Directory::owner(NodeId place, UnitId primary) const noexcept {
  if (primary != kNoUnit && valid_unit(primary) && unit_node_[primary] != kNoNode) {
    const NodeId common = common_ancestor(place == kNoNode ? root_ : place, unit_node_[primary]);
    if (common != kNoNode && first_centre_[common] != kNoUnit) return first_centre_[common];
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
