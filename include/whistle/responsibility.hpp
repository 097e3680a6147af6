// ResponsibilityIndex: the responsibility list (属地管理清单) compiled for O(1) resolution.
// For a matter and a place (leaf or node) inside some zones it names the lead (primary) unit
// and the cooperating units, following SPEC §1: a zone rule beats any tree node, a deeper
// node beats a shallower one, `*` comes last; roles `@kind` resolve to the unit of that kind
// serving the nearest node of the place's chain. Two applicable zone rules, or a role with no
// unit, leave the case unrouted with that reason.
// Thread model: immutable after build; resolve() may run on any number of threads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "whistle/detail/huge_pages.hpp"
#include "whistle/territory.hpp"

namespace whistle {

using UnitId = uint32_t;
using MatterId = uint32_t;
using RuleId = uint32_t;
inline constexpr UnitId kNoUnit = 0xFFFFFFFFu;
inline constexpr RuleId kNoRule = 0xFFFFFFFFu;
inline constexpr MatterId kNoMatter = 0xFFFFFFFFu;

enum class RouteOutcome : uint8_t {
  routed = 0,
  outside_territory,  // the point is in no leaf
  no_rule,            // no rule for the matter applies here
  zone_conflict,      // rules of two zones containing the point apply
  unresolved_role,    // a role of the winning rule names no unit on the chain
};

// The token printed by `whistle route` after "unrouted,".
std::string_view route_outcome_name(RouteOutcome outcome) noexcept;

struct Route {
  RouteOutcome outcome = RouteOutcome::outside_territory;
  NodeId place = kNoNode;  // the leaf (or the node the case was placed at)
  RuleId rule = kNoRule;   // the winning rule, also set for unresolved_role
  UnitId primary = kNoUnit;
  std::vector<UnitId> cooperating;  // reused between calls: no allocation in steady state
  bool routed() const noexcept { return outcome == RouteOutcome::routed; }
};

// A rule's primary or cooperating entry: a unit, or a role (index into role_kinds()).
struct Assignee {
  static constexpr uint32_t kRoleBit = 0x80000000u;
  uint32_t value = 0;
  static Assignee unit(UnitId u) { return {u}; }
  static Assignee role(uint32_t r) { return {r | kRoleBit}; }
  bool is_role() const noexcept { return (value & kRoleBit) != 0; }
  uint32_t index() const noexcept { return value & ~kRoleBit; }
};

struct Rule {
  MatterId matter = kNoMatter;
  NodeId scope = kNoNode;  // kNoNode: `*`
  Assignee primary;
  uint32_t first_cooperating = 0;
  uint32_t cooperating_count = 0;
  uint32_t line = 0;  // line in rules.csv
  std::string note;
};

class ResponsibilityIndex {
 public:
  struct Input {
    std::vector<Rule> rules;
    std::vector<Assignee> cooperating;   // referenced by rules
    std::vector<std::string> role_kinds; // role index -> unit kind
    // role_units[node * role_kinds.size() + r]: the unit of kind r serving exactly that node.
    std::vector<UnitId> role_units;
  };

  ResponsibilityIndex() = default;
  // Input must be checked (one rule per (matter, scope), ids in range, roles unambiguous).
  ResponsibilityIndex(const Territory& territory, size_t matter_count, Input input);

  // Resolves matter m at `place` (a leaf, or any node for cases placed by code) inside
  // `zones` (zone node ids, as locate reports them).
  void resolve(MatterId m, NodeId place, std::span<const NodeId> zones, Route& out) const;

  const std::vector<Rule>& rules() const noexcept { return rules_; }
  std::span<const Assignee> cooperating(const Rule& r) const {
    return {cooperating_.data() + r.first_cooperating, r.cooperating_count};
  }
  const std::vector<std::string>& role_kinds() const noexcept { return role_kinds_; }
  const std::vector<UnitId>& role_units() const noexcept { return direct_role_units_; }
  size_t memory_bytes() const noexcept;

 private:
  UnitId unit_for(Assignee a, NodeId place) const noexcept {
    if (!a.is_role()) return a.index();
    return role_unit_[size_t{place} * role_kinds_.size() + a.index()];
  }

  size_t node_count_ = 0;
  size_t matter_count_ = 0;
  std::vector<Rule> rules_;
  std::vector<Assignee> cooperating_;
  std::vector<std::string> role_kinds_;
  std::vector<UnitId> direct_role_units_;  // as given (serialized in the compiled model)
  HugeVector<UnitId> role_unit_;           // [node * roles + r]: resolved along the chain
  std::vector<RuleId> star_;               // per matter: its `*` rule
  std::vector<RuleId> effective_row_;      // per matter: its row in effective_, or kNoRule (then star_)
  HugeVector<RuleId> effective_;           // [row * nodes + node]: the deepest rule on the chain, else `*`
  std::vector<uint32_t> zone_slot_;        // node -> zone slot, or kNoRule
  std::vector<uint64_t> zone_bits_;        // bit per node: is a zone
  HugeVector<RuleId> zone_rule_;           // [matter * zones + slot]: the zone's own rule
  HugeVector<RuleId> zone_place_rule_;     // [matter * zones + slot]: for a case placed at the zone
  size_t zone_count_ = 0;
};

}  // namespace whistle
