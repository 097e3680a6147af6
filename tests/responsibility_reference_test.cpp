// Rule resolution (SPEC §1) against a brute-force reference on random territories: random
// trees with zones (nested, interleaved with tree nodes in the node order), random rules at
// random scopes, random role units. The reference walks parent pointers and scans every rule
// for every query; the index answers from its compressed tables.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/strings.hpp"
#include "sample/tiling.hpp"
#include "whistle/responsibility.hpp"

namespace whistle {
namespace {

struct RandomList {
  std::vector<Territory::NodeData> nodes;
  size_t matters = 0;
  ResponsibilityIndex::Input input;
};

RandomList random_list(uint64_t seed) {
  sample::Random rng(seed);
  RandomList out;
  const size_t node_count = 20 + rng.below(200);
  out.nodes.push_back({"N0", "root", Level::county, kNoNode});
  while (out.nodes.size() < node_count) {
    const auto parent = static_cast<NodeId>(rng.below(out.nodes.size()));
    const Level pl = out.nodes[parent].level;
    Territory::NodeData n{strings::numbered("N", out.nodes.size()), "", Level::zone, parent};
    if (rng.below(5) != 0) {  // a tree node under a tree node
      if (pl == Level::zone || pl == Level::grid) continue;
      n.level = static_cast<Level>(static_cast<int>(pl) + 1);
    }
    out.nodes.push_back(std::move(n));
  }
  const size_t roles = 1 + rng.below(4), units = 30;
  out.matters = 1 + rng.below(12);
  for (size_t r = 0; r < roles; ++r) out.input.role_kinds.push_back("kind" + std::to_string(r));
  out.input.role_units.assign(node_count * roles, kNoUnit);
  for (auto& u : out.input.role_units) {
    if (rng.below(4) == 0) u = static_cast<UnitId>(rng.below(units));
  }
  auto assignee = [&] {
    return rng.below(2) ? Assignee::role(static_cast<uint32_t>(rng.below(roles)))
                        : Assignee::unit(static_cast<UnitId>(rng.below(units)));
  };
  for (MatterId m = 0; m < out.matters; ++m) {
    std::vector<NodeId> scopes;
    if (rng.below(10) < 7) scopes.push_back(kNoNode);
    const size_t scoped = rng.below(3) == 0 ? 0 : rng.below(8);
    for (size_t k = 0; k < scoped; ++k) {
      const auto s = static_cast<NodeId>(rng.below(node_count));
      if (std::find(scopes.begin(), scopes.end(), s) == scopes.end()) scopes.push_back(s);
    }
    for (NodeId s : scopes) {
      Rule rule;
      rule.matter = m;
      rule.scope = s;
      rule.primary = assignee();
      rule.first_cooperating = static_cast<uint32_t>(out.input.cooperating.size());
      rule.cooperating_count = static_cast<uint32_t>(rng.below(3));
      for (uint32_t c = 0; c < rule.cooperating_count; ++c) out.input.cooperating.push_back(assignee());
      out.input.rules.push_back(rule);
    }
  }
  return out;
}

// SPEC §1 read literally: scan the rules, walk the parents.
class BruteForce {
 public:
  explicit BruteForce(const RandomList& list) : list_(list) {}

  Route resolve(MatterId m, NodeId place, const std::vector<NodeId>& zones) const {
    Route out;
    out.place = place;
    if (place == kNoNode) return out;  // outside_territory
    RuleId rule = kNoRule;
    int zone_rules = 0;
    for (NodeId z : zones) {
      const RuleId r = rule_at(m, z);
      if (r != kNoRule) ++zone_rules, rule = r;
    }
    if (zone_rules > 1) {
      out.outcome = RouteOutcome::zone_conflict;
      return out;
    }
    for (NodeId at = place; rule == kNoRule && at != kNoNode; at = list_.nodes[at].parent) rule = rule_at(m, at);
    if (rule == kNoRule) rule = rule_at(m, kNoNode);
    if (rule == kNoRule) {
      out.outcome = RouteOutcome::no_rule;
      return out;
    }
    out.rule = rule;
    const Rule& r = list_.input.rules[rule];
    out.outcome = RouteOutcome::routed;
    out.primary = unit_for(r.primary, place);
    for (uint32_t c = 0; c < r.cooperating_count; ++c) {
      out.cooperating.push_back(unit_for(list_.input.cooperating[r.first_cooperating + c], place));
    }
    const bool unresolved = out.primary == kNoUnit ||
                            std::find(out.cooperating.begin(), out.cooperating.end(), kNoUnit) != out.cooperating.end();
    if (unresolved) {
      out.outcome = RouteOutcome::unresolved_role;
      out.primary = kNoUnit;
      out.cooperating.clear();
    }
    return out;
  }

 private:
  RuleId rule_at(MatterId m, NodeId scope) const {
    for (RuleId id = 0; id < list_.input.rules.size(); ++id) {
      const Rule& r = list_.input.rules[id];
      if (r.matter == m && r.scope == scope) return id;
    }
    return kNoRule;
  }
  UnitId unit_for(Assignee a, NodeId place) const {
    if (!a.is_role()) return a.index();
    const size_t roles = list_.input.role_kinds.size();
    for (NodeId at = place; at != kNoNode; at = list_.nodes[at].parent) {
      const UnitId u = list_.input.role_units[at * roles + a.index()];
      if (u != kNoUnit) return u;
    }
    return kNoUnit;
  }

  const RandomList& list_;
};

std::string describe(const Route& r) {
  std::string s = std::string(route_outcome_name(r.outcome)) + " place=" + std::to_string(r.place) +
                  " rule=" + std::to_string(r.rule) + " primary=" + std::to_string(r.primary) + " coop=";
  for (UnitId u : r.cooperating) s += std::to_string(u) + ";";
  return s;
}

std::string compare(const Route& got, const Route& want) {
  bool same = got.outcome == want.outcome && got.place == want.place;
  if (same && (want.outcome == RouteOutcome::routed || want.outcome == RouteOutcome::unresolved_role)) {
    same = got.rule == want.rule;
  }
  if (same && want.outcome == RouteOutcome::routed) {
    same = got.primary == want.primary && got.cooperating == want.cooperating;
  }
  return same ? "" : "got " + describe(got) + ", want " + describe(want);
}

TEST(ResponsibilityReference, RandomListsAgreeWithBruteForce) {
  size_t queries = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    const RandomList list = random_list(seed);
    const Territory territory(list.nodes);
    const ResponsibilityIndex index(territory, list.matters, list.input);
    const BruteForce reference(list);
    std::vector<NodeId> zones, leaves;
    for (NodeId n = 0; n < territory.size(); ++n) {
      if (territory.is_zone(n)) zones.push_back(n);
      if (territory.is_leaf(n)) leaves.push_back(n);
    }
    sample::Random rng(seed * 7919);
    Route got;
    for (MatterId m = 0; m < list.matters; ++m) {
      // Placed by code at every node (zones included), with no zones.
      for (NodeId place = 0; place < territory.size(); ++place) {
        index.resolve(m, place, {}, got);
        const std::string diff = compare(got, reference.resolve(m, place, {}));
        ASSERT_EQ(diff, "") << "seed " << seed << " matter " << m << " at node " << place;
        ++queries;
      }
      // Located: a leaf inside a few zones, and outside the territory.
      for (int k = 0; k < 40; ++k) {
        const NodeId leaf = leaves[rng.below(leaves.size())];
        std::vector<NodeId> in;
        for (size_t z = rng.below(4); z > 0 && !zones.empty(); --z) {
          const NodeId pick = zones[rng.below(zones.size())];
          if (std::find(in.begin(), in.end(), pick) == in.end()) in.push_back(pick);
        }
        std::sort(in.begin(), in.end());
        index.resolve(m, leaf, in, got);
        const std::string diff = compare(got, reference.resolve(m, leaf, in));
        ASSERT_EQ(diff, "") << "seed " << seed << " matter " << m << " leaf " << leaf << " in " << in.size() << " zones";
        ++queries;
      }
      index.resolve(m, kNoNode, {}, got);
      ASSERT_EQ(got.outcome, RouteOutcome::outside_territory);
    }
  }
  EXPECT_GT(queries, 100'000u);
}

}  // namespace
}  // namespace whistle
