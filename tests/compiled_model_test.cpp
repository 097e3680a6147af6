// The compiled (FlatBuffers) model: same answers as the sources, damage refused.
#include <gtest/gtest.h>

#include "sample/sample_model.hpp"
#include "sample/tiling.hpp"
#include "support/model_dir.hpp"
#include "whistle/model.hpp"

namespace whistle {
namespace {

std::shared_ptr<const Model> sample_county() {
  static std::shared_ptr<const Model> model = [] {
    const std::string dir = testing::temp_dir("county");
    EXPECT_TRUE(sample::write_model_files(sample::make_sample_county(), dir).ok());
    LoadReport report;
    auto m = Model::load_directory(dir, &report);
    EXPECT_TRUE(m.ok()) << m.status().to_string();
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
    return m.ok() ? *m : nullptr;
  }();
  return model;
}

TEST(SampleCounty, HasTheShapeOfTheFieldReports) {
  auto model = sample_county();
  ASSERT_TRUE(model);
  size_t townships = 0, communities = 0, grids = 0, zones = 0;
  for (NodeId n = 0; n < model->territory().size(); ++n) {
    switch (model->territory().level(n)) {
      case Level::township: ++townships; break;
      case Level::community: ++communities; break;
      case Level::grid: ++grids; break;
      case Level::zone: ++zones; break;
      default: break;
    }
  }
  EXPECT_EQ(townships, 14u);
  EXPECT_GT(communities, 950u);
  EXPECT_GT(grids, 3800u);
  EXPECT_GE(zones, 3u);
  EXPECT_GE(model->matters().size(), 120u);
  size_t departments = 0;
  for (const auto& u : model->units()) departments += u.kind == "department";
  EXPECT_GE(departments, 85u);
}

TEST(SampleCounty, EveryMatterRoutesInsideTheCounty) {
  auto model = sample_county();
  ASSERT_TRUE(model);
  sample::Random rng(5);
  Route route;
  Location scratch;
  size_t routed = 0, total = 0;
  for (int i = 0; i < 20000; ++i) {
    const LonLat p{118.5 + rng.uniform() * 0.48, 36.65 + rng.uniform() * 0.45};
    const MatterId m = static_cast<MatterId>(rng.below(model->matters().size()));
    model->route(m, p, route, scratch);
    if (route.outcome == RouteOutcome::outside_territory) continue;
    ++total;
    routed += route.routed();
  }
  EXPECT_GT(total, 15000u);
  EXPECT_EQ(routed, total);
}

TEST(CompiledModel, RoundTripGivesIdenticalAnswers) {
  auto model = sample_county();
  ASSERT_TRUE(model);
  const std::string bytes = model->to_compiled();
  auto loaded = Model::from_compiled(bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  const Model& copy = **loaded;
  ASSERT_EQ(copy.territory().size(), model->territory().size());
  ASSERT_EQ(copy.units().size(), model->units().size());
  sample::Random rng(8);
  Route a, b;
  Location sa, sb;
  for (int i = 0; i < 20000; ++i) {
    const LonLat p{118.45 + rng.uniform() * 0.6, 36.6 + rng.uniform() * 0.55};
    const MatterId m = static_cast<MatterId>(rng.below(model->matters().size()));
    model->route(m, p, a, sa);
    copy.route(m, p, b, sb);
    ASSERT_EQ(sa.leaf, sb.leaf);
    ASSERT_EQ(sa.zones, sb.zones);
    ASSERT_EQ(a.outcome, b.outcome);
    ASSERT_EQ(a.primary, b.primary);
    ASSERT_EQ(a.cooperating, b.cooperating);
  }
  // And through a file.
  const std::string file = testing::temp_dir("compiled") + ".wmodel";
  ASSERT_TRUE(model->save_compiled(file).ok());
  auto from_file = Model::load(file);
  ASSERT_TRUE(from_file.ok()) << from_file.status().to_string();
  EXPECT_EQ((*from_file)->territory().size(), model->territory().size());
  std::filesystem::remove(file);
}

TEST(CompiledModel, DamageIsRefusedWithECorrupt) {
  auto model = sample_county();
  ASSERT_TRUE(model);
  const std::string bytes = model->to_compiled();
  for (size_t cut : {size_t{0}, size_t{4}, size_t{100}, bytes.size() / 2, bytes.size() - 1}) {
    auto r = Model::from_compiled(std::string_view(bytes).substr(0, cut));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::corrupt);
  }
  std::string wrong_id = bytes;
  wrong_id[4] = 'X';
  EXPECT_FALSE(Model::from_compiled(wrong_id).ok());
  // Flipped bytes anywhere: refused or loaded, never a crash (the fuzzer goes further).
  sample::Random rng(4);
  for (int i = 0; i < 25; ++i) {
    std::string damaged = bytes;
    damaged[rng.below(damaged.size())] ^= static_cast<char>(1 + rng.below(255));
    auto r = Model::from_compiled(damaged);
    if (r.ok()) {
      Location loc;
      (*r)->locate({118.7, 36.8}, loc);
    }
  }
}

}  // namespace
}  // namespace whistle
