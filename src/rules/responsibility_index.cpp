#include "whistle/responsibility.hpp"

namespace whistle {

std::string_view route_outcome_name(RouteOutcome outcome) noexcept {
  switch (outcome) {
    case RouteOutcome::routed: return "routed";
    case RouteOutcome::outside_territory: return "outside_territory";
    case RouteOutcome::no_rule: return "no_rule";
    case RouteOutcome::zone_conflict: return "zone_conflict";
    case RouteOutcome::unresolved_role: return "unresolved_role";
  }
  return "unknown";
}

ResponsibilityIndex::ResponsibilityIndex(const Territory& territory, size_t matter_count,
                                         Input input)
    : node_count_(territory.size()),
      matter_count_(matter_count),
      rules_(std::move(input.rules)),
      cooperating_(std::move(input.cooperating)),
      role_kinds_(std::move(input.role_kinds)),
      direct_role_units_(std::move(input.role_units)) {
  const size_t n = node_count_, roles = role_kinds_.size();
  // Roles: the unit serving the nearest node of each node's chain.
  role_unit_.assign(n * roles, kNoUnit);
  for (NodeId node = 0; node < n; ++node) {
    for (size_t r = 0; r < roles; ++r) {
      for (NodeId at : territory.chain(node)) {
        const UnitId u = direct_role_units_[size_t{at} * roles + r];
        if (u != kNoUnit) {
          role_unit_[size_t{node} * roles + r] = u;
          break;
        }
      }
    }
  }
  // Zones get slots for the zone-rule table.
  zone_slot_.assign(n, kNoRule);
  for (NodeId node = 0; node < n; ++node) {
    if (territory.is_zone(node)) zone_slot_[node] = static_cast<uint32_t>(zone_count_++);
  }
  zone_rule_.assign(matter_count_ * zone_count_, kNoRule);
  // Direct rules per (matter, node), then the deepest one along each chain, else `*`.
  std::vector<RuleId> direct(matter_count_ * n, kNoRule);
  std::vector<RuleId> star(matter_count_, kNoRule);
  for (RuleId id = 0; id < rules_.size(); ++id) {
    const Rule& rule = rules_[id];
    if (rule.scope == kNoNode) {
      star[rule.matter] = id;
      continue;
    }
    direct[rule.matter * n + rule.scope] = id;
    if (territory.is_zone(rule.scope)) {
      zone_rule_[rule.matter * zone_count_ + zone_slot_[rule.scope]] = id;
    }
  }
  // A row of the node table only for matters with a rule scoped to a tree node below `*`
  // (most lists name a lead by role, county-wide): the others answer from star_, and the table
  // stays small enough to stay in cache. Cases placed at a zone answer from zone_place_rule_.
  star_ = std::move(star);
  effective_row_.assign(matter_count_, kNoRule);
  zone_place_rule_.assign(matter_count_ * zone_count_, kNoRule);
  zone_bits_.assign((n + 63) / 64, 0);
  std::vector<RuleId> row(n);
  for (size_t m = 0; m < matter_count_; ++m) {
    bool differs = false;
    for (NodeId node = 0; node < n; ++node) {
      RuleId found = star_[m];
      for (NodeId at : territory.chain(node)) {
        if (direct[m * n + at] != kNoRule) {
          found = direct[m * n + at];
          break;
        }
      }
      row[node] = found;
      if (zone_slot_[node] != kNoRule) {
        zone_place_rule_[m * zone_count_ + zone_slot_[node]] = found;
        zone_bits_[node / 64] |= uint64_t{1} << (node % 64);
      } else {
        differs |= found != star_[m];
      }
    }
    if (!differs) continue;
    effective_row_[m] = static_cast<RuleId>(effective_.size() / n);
    effective_.insert(effective_.end(), row.begin(), row.end());
  }
}

void ResponsibilityIndex::resolve(MatterId m, NodeId place, std::span<const NodeId> zones,
                                  Route& out) const {
  out.place = place;
  out.rule = kNoRule;
  out.primary = kNoUnit;
  out.cooperating.clear();
  if (place == kNoNode) {
    out.outcome = RouteOutcome::outside_territory;
    return;
  }
  RuleId rule = kNoRule;
  for (NodeId z : zones) {
    const RuleId zr = zone_rule_[m * zone_count_ + zone_slot_[z]];
    if (zr == kNoRule) continue;
    if (rule != kNoRule) {
      out.outcome = RouteOutcome::zone_conflict;
      return;
    }
    rule = zr;
  }
  if (rule == kNoRule) {
    if (zone_count_ != 0 && (zone_bits_[place / 64] >> (place % 64) & 1) != 0) {
      rule = zone_place_rule_[m * zone_count_ + zone_slot_[place]];
    } else {
      const RuleId row = effective_row_[m];
      rule = row == kNoRule ? star_[m] : effective_[size_t{row} * node_count_ + place];
    }
  }
  if (rule == kNoRule) {
    out.outcome = RouteOutcome::no_rule;
    return;
  }
  out.rule = rule;
  const Rule& r = rules_[rule];
  out.primary = unit_for(r.primary, place);
  if (out.primary == kNoUnit) {
    out.outcome = RouteOutcome::unresolved_role;
    return;
  }
  for (const Assignee a : cooperating(r)) {
    const UnitId u = unit_for(a, place);
    if (u == kNoUnit) {
      out.outcome = RouteOutcome::unresolved_role;
      out.cooperating.clear();
      return;
    }
    out.cooperating.push_back(u);
  }
  out.outcome = RouteOutcome::routed;
}

size_t ResponsibilityIndex::memory_bytes() const noexcept {
  return rules_.capacity() * sizeof(Rule) + cooperating_.capacity() * sizeof(Assignee) +
         (role_unit_.capacity() + direct_role_units_.capacity()) * sizeof(UnitId) +
         (effective_.capacity() + effective_row_.capacity() + star_.capacity() + zone_rule_.capacity() +
          zone_place_rule_.capacity() + zone_slot_.capacity()) *
             sizeof(RuleId) +
         zone_bits_.capacity() * sizeof(uint64_t);
}

}  // namespace whistle
