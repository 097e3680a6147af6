// Directory: what the engine asks about units and the territory on every operation, answered
// from flat tables built once from the model: which units are centres, each node's ladder
// (the centres serving its chain, lowest first), a case's owner, the next centre up.
// Territory and units are the same in every model version of an engine (reload checks), so
// one Directory serves all cases. Thread model: immutable after construction.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "whistle/model.hpp"

namespace whistle::engine {

class Directory {
 public:
  explicit Directory(const Model& model);

  size_t unit_count() const noexcept { return unit_node_.size(); }
  bool valid_unit(UnitId u) const noexcept { return u < unit_node_.size(); }
  bool is_center(UnitId u) const noexcept { return is_center_[u] != 0; }
  NodeId unit_node(UnitId u) const noexcept { return unit_node_[u]; }

  // The ladder of a case at `place` (kNoNode: outside the territory, which the root's
  // centres handle).
  std::span<const UnitId> ladder(NodeId place) const noexcept {
    const NodeId n = place == kNoNode ? root_ : place;
    return {ladder_units_.data() + ladder_start_[n], ladder_start_[n + 1] - ladder_start_[n]};
  }
  bool on_ladder(NodeId place, UnitId unit) const noexcept;
  // The lowest centre on the ladder whose node is an ancestor (or self) of the primary's
  // node; the highest centre when there is none or no primary. kNoUnit for an empty ladder.
  UnitId owner(NodeId place, UnitId primary) const noexcept;
  UnitId highest(NodeId place) const noexcept;
  // The next centre above `supervisor` on the ladder; kNoUnit when it is the highest.
  UnitId above(NodeId place, UnitId supervisor) const noexcept;

 private:
  // The lowest node on both chains (a zone's chain is the zone, then its parent's).
  NodeId common_ancestor(NodeId a, NodeId b) const noexcept;

  const Territory& territory_;
  std::vector<UnitId> first_centre_;    // per node: the lowest centre serving its chain
  NodeId root_ = 0;
  std::vector<uint8_t> is_center_;
  std::vector<NodeId> unit_node_;
  std::vector<uint32_t> ladder_start_;  // per node, + one past the end
  std::vector<UnitId> ladder_units_;
};

}  // namespace whistle::engine
