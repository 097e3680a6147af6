// Rule resolution (SPEC §1), one case per branch, on the small hand-written model.
#include <gtest/gtest.h>

#include "support/model_dir.hpp"
#include "whistle/model.hpp"

namespace whistle {
namespace {

class Responsibility : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto m = testing::load_model_files("rules", testing::small_model_files(), &report_);
    ASSERT_TRUE(m.ok()) << m.status().to_string();
    model_ = *m;
  }
  static void TearDownTestSuite() { model_.reset(); }

  // "leaf,primary,coop;coop" or "unrouted,<reason>", as `whistle route` prints.
  static std::string route(const char* matter, double lon, double lat) {
    Route r;
    Location scratch;
    const MatterId m = model_->find_matter(matter);
    EXPECT_NE(m, kNoMatter);
    model_->route(m, {lon, lat}, r, scratch);
    return format(r);
  }
  static std::string route_at(const char* matter, const char* node) {
    Route r;
    model_->route_at(model_->find_matter(matter), model_->territory().find(node), r);
    return format(r);
  }
  static std::string format(const Route& r) {
    if (!r.routed()) return "unrouted," + std::string(route_outcome_name(r.outcome));
    std::string s = std::string(model_->territory().code(r.place)) + "," + model_->units()[r.primary].code + ",";
    for (size_t i = 0; i < r.cooperating.size(); ++i) s += (i ? ";" : "") + model_->units()[r.cooperating[i]].code;
    return s;
  }

  static inline std::shared_ptr<const Model> model_;
  static inline LoadReport report_;
};

TEST_F(Responsibility, StarRuleAppliesEverywhere) {
  EXPECT_EQ(route("m_star", 0.25, 0.5), "G1,D1,");
  EXPECT_EQ(route("m_star", 2.5, 0.5), "G3,D1,");
}

TEST_F(Responsibility, DeeperNodeBeatsShallowerAndStarIsLast) {
  EXPECT_EQ(route("m_deep", 0.25, 0.5), "G1,GT1,");        // grid rule
  EXPECT_EQ(route("m_deep", 1.9, 0.5), "G2,D2,D1;TW1");    // township rule, role resolved
  EXPECT_EQ(route("m_deep", 2.5, 0.5), "G3,D1,D2");        // `*`
}

TEST_F(Responsibility, ZoneBeatsAnyTreeNode) {
  EXPECT_EQ(route("m_zone", 0.7, 0.5), "G1,ZA,TW1");  // Z1 rule over the G1 rule
  EXPECT_EQ(route("m_zone", 0.25, 0.5), "G1,GT1,");   // outside the zone: the grid rule
}

TEST_F(Responsibility, TwoApplicableZoneRulesLeaveTheCaseUnrouted) {
  EXPECT_EQ(route("m_conflict", 1.3, 0.5), "unrouted,zone_conflict");
  EXPECT_EQ(route("m_conflict", 0.7, 0.5), "G1,ZA,");
  EXPECT_EQ(route("m_conflict", 1.7, 0.5), "G2,ZB,");
}

TEST_F(Responsibility, RolesResolveAlongTheChainOrLeaveTheCaseUnrouted) {
  EXPECT_EQ(route("m_role", 0.25, 0.5), "G1,GT1,TW1");
  EXPECT_EQ(route("m_role", 1.9, 0.5), "G2,GT2,TW1");
  EXPECT_EQ(route("m_role", 2.5, 0.5), "unrouted,unresolved_role");  // no grid team at G3
}

TEST_F(Responsibility, NoRuleAndOutside) {
  EXPECT_EQ(route("m_none", 0.25, 0.5), "unrouted,no_rule");
  EXPECT_EQ(route("m_star", 5, 5), "unrouted,outside_territory");
  EXPECT_EQ(route("m_star", std::nan(""), 0), "unrouted,outside_territory");
  EXPECT_EQ(route("m_star", 500, 0), "unrouted,outside_territory");
}

TEST_F(Responsibility, CasesPlacedByCodeUseThatNode) {
  EXPECT_EQ(route_at("m_deep", "T1"), "T1,D2,D1;TW1");
  EXPECT_EQ(route_at("m_deep", "K2"), "K2,D1,D2");
  EXPECT_EQ(route_at("m_conflict", "Z1"), "Z1,ZA,");  // a zone's chain: the zone, then its parent
  // @township at Z1: Z1's parent is the county, which has no township unit.
  EXPECT_EQ(route_at("m_zone", "Z1"), "unrouted,unresolved_role");
  EXPECT_EQ(route_at("m_role", "T2"), "unrouted,unresolved_role");
}

TEST_F(Responsibility, MatterWithoutRuleIsAWarning) {
  EXPECT_TRUE(testing::has_warning(report_, "'m_none' has no rule"));
}

TEST_F(Responsibility, LocateReportsLeafAndZones) {
  Location loc;
  model_->locate({1.3, 0.5}, loc);
  ASSERT_NE(loc.leaf, kNoNode);
  EXPECT_EQ(model_->territory().code(loc.leaf), "G2");
  ASSERT_EQ(loc.zones.size(), 2u);
  EXPECT_EQ(model_->territory().code(loc.zones[0]), "Z1");
  EXPECT_EQ(model_->territory().code(loc.zones[1]), "Z2");
  const auto chain = model_->territory().chain(loc.leaf);
  ASSERT_EQ(chain.size(), 4u);
  EXPECT_EQ(model_->territory().code(chain[3]), "C");
  // On the shared edge x = 1 the point belongs to exactly one grid: the rule's choice is G2.
  model_->locate({1.0, 0.5}, loc);
  EXPECT_EQ(model_->territory().code(loc.leaf), "G2");
}

}  // namespace
}  // namespace whistle
