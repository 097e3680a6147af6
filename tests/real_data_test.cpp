// Real data from ../shared/data (skipped when absent): every NYC 311 request located among
// the community districts and every LA 311 request among the neighborhood councils, checked
// against the brute-force reference; agreement with each record's own label is reported.
#include <gtest/gtest.h>

#include <map>

#include "common/csv.hpp"
#include "geo/geojson_reader.hpp"
#include "support/reference.hpp"
#include "whistle/model.hpp"

namespace whistle {
namespace {

struct Layer {
  std::shared_ptr<const Model> model;
  std::vector<geo::Feature> features;  // for the reference
};

Layer load_layer(const std::string& path, const std::string& property) {
  Layer layer;
  auto model = Model::import_layer(path, property);
  EXPECT_TRUE(model.ok()) << model.status().to_string();
  if (model.ok()) layer.model = *model;
  auto text = csv::read_file(path);
  auto features = geo::read_features(*text, path, {property});
  EXPECT_TRUE(features.ok());
  if (features.ok()) layer.features = std::move(features).value();
  return layer;
}

// Locates every record; returns (located, agreeing with label) and checks the reference.
struct Outcome {
  size_t records = 0, located = 0, labelled = 0, agree = 0;
};

template <class Label>
Outcome check_records(const Layer& layer, const csv::Table& t, const char* lat_col, const char* lon_col,
                      Label&& label_of) {
  Outcome o;
  size_t disagreements = 0;
  for (const auto& row : t.rows()) {
    double lat = 0, lon = 0;
    const std::string lat_s(t.get(row, lat_col)), lon_s(t.get(row, lon_col));
    if (lat_s.empty() || lon_s.empty()) continue;
    lat = std::stod(lat_s);
    lon = std::stod(lon_s);
    ++o.records;
    const NodeId got = layer.model->locate_leaf({lon, lat});
    GridPoint q;
    std::string want;  // code of the first feature containing the point
    if (quantize({lon, lat}, q)) {
      for (const auto& f : layer.features) {
        if (testing::reference_inside(std::span<const Edge>(f.edges), q)) {
          want = f.code;
          break;
        }
      }
    }
    const std::string got_code = got == kNoNode ? "" : std::string(layer.model->territory().code(got));
    if (got_code != want && ++disagreements < 5) {
      ADD_FAILURE() << "record on line " << row.line << ": index '" << got_code << "' reference '" << want << "'";
    }
    if (got == kNoNode) continue;
    ++o.located;
    const std::string expected = label_of(row);
    if (expected.empty()) continue;
    ++o.labelled;
    o.agree += layer.model->territory().code(got) == expected;
  }
  EXPECT_EQ(disagreements, 0u);
  return o;
}

TEST(RealData, Nyc311AgainstCommunityDistricts) {
  const std::string data = testing::shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent: real-data test skipped";
  Layer layer = load_layer(data + "/nyc-boundaries/community_districts.geojson", "BoroCD");
  ASSERT_TRUE(layer.model);
  const std::map<std::string, int> boroughs{{"MANHATTAN", 1}, {"BRONX", 2}, {"BROOKLYN", 3}, {"QUEENS", 4}, {"STATEN ISLAND", 5}};
  for (const char* file : {"/nyc311/tuplex_311_subset.micro.csv", "/nyc311/qsv_nyc311-100.csv"}) {
    auto text = csv::read_file(data + file);
    ASSERT_TRUE(text.ok());
    static constexpr std::string_view kCols[] = {"Latitude", "Longitude", "Community Board"};
    auto t = csv::Table::parse(*text, file, kCols);
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    auto o = check_records(layer, *t, "Latitude", "Longitude", [&](const csv::Row& row) -> std::string {
      const std::string board(t->get(row, "Community Board"));  // "07 BRONX"
      if (board.size() < 4 || board[0] < '0' || board[0] > '9') return "";
      auto it = boroughs.find(board.substr(3));
      if (it == boroughs.end()) return "";
      return std::to_string(it->second * 100 + std::stoi(board.substr(0, 2)));
    });
    std::printf("[ real data ] NYC %s: %zu records with coordinates, %zu located, %zu of %zu labelled agree (%.1f%%)\n",
                file, o.records, o.located, o.agree, o.labelled, o.labelled ? 100.0 * o.agree / o.labelled : 0.0);
    EXPECT_GT(o.located, o.records * 9 / 10);
    EXPECT_GT(o.agree, o.labelled * 9 / 10);
  }
}

TEST(RealData, La311AgainstNeighborhoodCouncils) {
  const std::string data = testing::shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent: real-data test skipped";
  Layer layer = load_layer(data + "/la311/nc-boundary-2019.json", "nc_id");
  ASSERT_TRUE(layer.model);
  struct Source { const char* file; const char* lat; const char* lon; const char* nc; };
  for (const Source s : {Source{"/la311/MyLA311_Service_Request_Data_2017_Subset.csv", "Latitude", "Longitude", "NC"},
                         Source{"/la311/la311_2020_test_requests.csv", "latitude", "longitude", "nc"}}) {
    auto text = csv::read_file(data + s.file);
    ASSERT_TRUE(text.ok());
    const std::string_view cols[] = {s.lat, s.lon, s.nc};
    auto t = csv::Table::parse(*text, s.file, cols);
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    auto o = check_records(layer, *t, s.lat, s.lon, [&](const csv::Row& row) {
      std::string nc(t->get(row, s.nc));
      while (nc.size() > 1 && nc[0] == '0') nc.erase(0, 1);
      if (auto dot = nc.find('.'); dot != std::string::npos) nc.resize(dot);
      return nc;
    });
    std::printf("[ real data ] LA %s: %zu records with coordinates, %zu located, %zu of %zu labelled agree (%.1f%%)\n",
                s.file, o.records, o.located, o.agree, o.labelled, o.labelled ? 100.0 * o.agree / o.labelled : 0.0);
    EXPECT_GT(o.located, o.records * 8 / 10);
    EXPECT_GT(o.agree, o.labelled * 8 / 10);
  }
}

}  // namespace
}  // namespace whistle
