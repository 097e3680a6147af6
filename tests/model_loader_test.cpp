// Model loading: every bad input gives an error naming the file, the line or feature, and the
// field, and no model.
#include <gtest/gtest.h>

#include "support/model_dir.hpp"
#include "whistle/model.hpp"

namespace whistle {
namespace {

using testing::feature;
using testing::square;

// Loads the small model with one file replaced; expects failure mentioning every `parts`.
void expect_load_error(const std::string& file, const std::string& text,
                       std::initializer_list<std::string> parts) {
  auto files = testing::small_model_files();
  files[file] = text;
  auto model = testing::load_model_files("bad", files);
  ASSERT_FALSE(model.ok()) << "loaded despite bad " << file;
  EXPECT_EQ(model.status().code(), StatusCode::invalid_argument);
  for (const auto& part : parts) {
    EXPECT_NE(model.status().message().find(part), std::string::npos)
        << "message '" << model.status().message() << "' lacks '" << part << "'";
  }
}

std::string collection(std::initializer_list<std::string> features) {
  std::string s = "{\"type\":\"FeatureCollection\",\"features\":[";
  bool first = true;
  for (const auto& f : features) {
    s += (first ? "" : ",") + f;
    first = false;
  }
  return s + "]}";
}

TEST(ModelLoader, LoadsTheSmallModel) {
  auto model = testing::load_model_files("ok", testing::small_model_files());
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_EQ((*model)->territory().size(), 10u);
  EXPECT_EQ((*model)->units().size(), 10u);
  EXPECT_EQ((*model)->matters().size(), 6u);
}

TEST(ModelLoader, MissingFileNamesThePath) {
  auto model = Model::load_directory("/nonexistent/whistle-model");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::io_error);
  EXPECT_NE(model.status().message().find("territory.geojson"), std::string::npos);
}

TEST(GeoJsonErrors, Syntax) {
  expect_load_error("territory.geojson", "{\"type\":\"FeatureCollection\",", {"territory.geojson", "invalid JSON"});
  expect_load_error("territory.geojson", "[]", {"territory.geojson", "not a JSON object"});
  expect_load_error("territory.geojson", "{\"type\":\"Feature\"}", {"FeatureCollection"});
  expect_load_error("territory.geojson", "{\"type\":\"FeatureCollection\",\"features\":[]}", {"no features"});
  expect_load_error("territory.geojson", "{\"type\":\"FeatureCollection\",\"features\":[1]}", {"feature 0"});
  expect_load_error("territory.geojson", collection({feature("C", "county", "", "") + "x"}), {"invalid JSON"});
}

TEST(GeoJsonErrors, Properties) {
  expect_load_error("territory.geojson",
                    collection({"{\"type\":\"Feature\",\"properties\":{\"level\":\"county\"},\"geometry\":null}"}),
                    {"feature 0", "properties.code", "missing"});
  expect_load_error("territory.geojson", collection({feature("C", "town", "", "")}),
                    {"feature 0", "(code 'C')", "properties.level", "unknown level 'town'"});
  expect_load_error("territory.geojson", collection({feature(std::string(33, 'x'), "county", "", "")}),
                    {"feature 0", "longer than 32 bytes"});
  expect_load_error("territory.geojson",
                    collection({feature("C", "county", "", ""), feature("C", "grid", "C", square(0, 0, 1, 1))}),
                    {"feature 1", "duplicate code", "feature 0"});
  expect_load_error("territory.geojson",
                    collection({feature("C", "county", "", ""), feature("G", "grid", "X", square(0, 0, 1, 1))}),
                    {"feature 1", "properties.parent", "unknown code 'X'"});
  expect_load_error("territory.geojson",
                    collection({feature("C", "county", "", ""), feature("D", "county", "", square(0, 0, 1, 1))}),
                    {"feature 1", "only the root"});
}

TEST(GeoJsonErrors, TreeShape) {
  expect_load_error("territory.geojson",
                    collection({feature("C", "county", "", ""), feature("A", "grid", "B", square(0, 0, 1, 1)),
                                feature("B", "grid", "A", square(1, 0, 2, 1))}),
                    {"cycle", "A -> B -> A"});
  expect_load_error("territory.geojson",
                    collection({feature("C", "county", "", ""), feature("G", "grid", "C", "")}),
                    {"feature 1", "(code 'G')", "geometry", "leaf of the tree needs a geometry"});
  expect_load_error("territory.geojson",
                    collection({feature("C", "county", "", ""), feature("G", "grid", "C", square(0, 0, 1, 1)),
                                feature("Z", "zone", "C", "")}),
                    {"feature 2", "a zone needs a geometry"});
  expect_load_error("territory.geojson",
                    collection({feature("C", "county", "", square(0, 0, 1, 1)), feature("Z", "zone", "", square(0, 0, 1, 1))}),
                    {"feature 1", "a zone needs a parent"});
  expect_load_error("territory.geojson",
                    collection({feature("C", "county", "", ""), feature("Z", "zone", "C", square(0, 0, 1, 1)),
                                feature("G", "grid", "Z", square(0, 0, 1, 1))}),
                    {"feature 2", "a zone cannot be the parent"});
}

TEST(GeoJsonErrors, Geometry) {
  auto one = [](const std::string& geometry) {
    return collection({feature("C", "county", "", ""), feature("G", "grid", "C", geometry)});
  };
  expect_load_error("territory.geojson", one("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}"),
                    {"feature 1", "geometry.coordinates[0]", "at least 4 positions, found 3"});
  expect_load_error("territory.geojson", one("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1]]]}"),
                    {"not closed"});
  expect_load_error("territory.geojson", one("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,91],[0,0]]]}"),
                    {"geometry.coordinates[0][2]", "out of range"});
  expect_load_error("territory.geojson", one("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1e999,1],[0,0]]]}"),
                    {"territory.geojson"});
  expect_load_error("territory.geojson", one("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[NaN,1],[0,0]]]}"),
                    {"invalid JSON"});
  expect_load_error("territory.geojson",
                    one("{\"type\":\"Polygon\",\"coordinates\":[[[179,0],[-179,0],[-179,1],[179,1],[179,0]]]}"),
                    {"geometry.coordinates[0][1]", "antimeridian"});
  expect_load_error("territory.geojson", one("{\"type\":\"Point\",\"coordinates\":[0,0]}"),
                    {"geometry.type", "'Point' is not Polygon or MultiPolygon"});
  expect_load_error("territory.geojson", one("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[\"a\",1],[0,0]]]}"),
                    {"geometry.coordinates[0][2]", "expected a position"});
  expect_load_error("territory.geojson", one("{\"type\":\"MultiPolygon\",\"coordinates\":[]}"),
                    {"MultiPolygon with no polygon"});
  expect_load_error("territory.geojson", one("{\"type\":\"Polygon\",\"coordinates\":[]}"), {"polygon with no ring"});
}

TEST(GeoJsonWarnings, OverlappingLeavesAreReportedFirstInFileWins) {
  auto files = testing::small_model_files();
  files["territory.geojson"] = collection({feature("C", "county", "", ""), feature("A", "grid", "C", square(0, 0, 2, 2)),
                                           feature("B", "grid", "C", square(1, 1, 3, 3))});
  files["units.csv"] = "code,name,kind,territory\nU,U,center,C\n";
  files["rules.csv"] = "matter,scope,primary,cooperating,note\n";
  LoadReport report;
  auto model = testing::load_model_files("overlap", files, &report);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_TRUE(testing::has_warning(report, "'A' and 'B' overlap"));
  EXPECT_EQ((*model)->territory().code((*model)->locate_leaf({1.5, 1.5})), "A");
  EXPECT_EQ((*model)->territory().code((*model)->locate_leaf({2.5, 2.5})), "B");
}

TEST(CsvErrors, Units) {
  const std::string h = "code,name,kind,territory,platform\n";
  expect_load_error("units.csv", "code,name,territory\n", {"units.csv:1", "missing column 'kind'"});
  expect_load_error("units.csv", h + "U,U,center,NOPE,\n", {"units.csv:2", "field 'territory'", "unknown territory code 'NOPE'"});
  expect_load_error("units.csv", h + "U,U,center,C,\nU,V,center,C,\n", {"units.csv:3", "field 'code'", "duplicate unit 'U'", "line 2"});
  expect_load_error("units.csv", h + "U,U,Center Unit,C,\n", {"units.csv:2", "field 'kind'", "not a token"});
  expect_load_error("units.csv", h + "U,U,center,C,police\n", {"units.csv:2", "field 'platform'", "unknown platform"});
  expect_load_error("units.csv", h + "U,U,center,C\n", {"units.csv:2", "expected 5 fields, found 4"});
  expect_load_error("units.csv", h + "\"U,U,center,C,\n", {"units.csv:2", "unterminated"});
  expect_load_error("units.csv", h + "@U,U,center,C,\n", {"units.csv:2", "field 'code'"});
  expect_load_error("units.csv", h + "U,\xff,center,C,\n", {"units.csv", "UTF-8"});
}

TEST(CsvErrors, Matters) {
  const std::string h = "code,name,domain,category,sla\n";
  expect_load_error("matters.csv", h + "m,M,d,c,nosuch\n", {"matters.csv:2", "field 'sla'", "unknown SLA class 'nosuch'"});
  expect_load_error("matters.csv", h + "m,M,d,c,\n", {"matters.csv:2", "field 'sla'", "empty"});
  expect_load_error("matters.csv", h + "m,M,d,c,general\nm,M,d,c,general\n", {"matters.csv:3", "duplicate matter 'm'"});
}

TEST(CsvErrors, Rules) {
  const std::string h = "matter,scope,primary,cooperating,note\n";
  expect_load_error("rules.csv", h + "m_star,*,D1,,\nm_star,*,D2,,\n",
                    {"rules.csv:3", "field 'scope'", "second rule", "m_star", "line 2"});
  expect_load_error("rules.csv", h + "nosuch,*,D1,,\n", {"rules.csv:2", "field 'matter'", "unknown matter 'nosuch'"});
  expect_load_error("rules.csv", h + "m_star,NOPE,D1,,\n", {"rules.csv:2", "field 'scope'", "unknown territory or zone code 'NOPE'"});
  expect_load_error("rules.csv", h + "m_star,*,NOPE,,\n", {"rules.csv:2", "field 'primary'", "unknown unit 'NOPE'"});
  expect_load_error("rules.csv", h + "m_star,*,D1,D2;NOPE,\n", {"rules.csv:2", "field 'cooperating'", "unknown unit 'NOPE'"});
  expect_load_error("rules.csv", h + "m_star,*,@,,\n", {"rules.csv:2", "field 'primary'", "'@' needs a unit kind"});
  // Two centres serve T1: @center becomes ambiguous once a rule uses it.
  auto files = testing::small_model_files();
  expect_load_error("rules.csv", h + "m_star,*,D1,,\nm_role,*,@department,,\n",
                    {"rules.csv:3", "role '@department' is ambiguous", "'D1' and 'D2'", "'C'"});
}

TEST(ModelLoader, NothingIsLoadedOnError) {
  // A bad rules file after good territory and units: load_directory returns no model at all.
  auto files = testing::small_model_files();
  files["rules.csv"] += "m_star,*,D1,,\n";  // duplicate of line 2
  LoadReport report;
  report.warnings.push_back("untouched");
  auto model = testing::load_model_files("atomic", files, &report);
  EXPECT_FALSE(model.ok());
  ASSERT_EQ(report.warnings.size(), 1u);  // the report is only replaced on success
}

TEST(FlatLayer, ImportsFeaturesAsRootLeavesByProperty) {
  const std::string dir = testing::temp_dir("flat");
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/layer.geojson";
  std::ofstream(path) << "{\"type\":\"FeatureCollection\",\"features\":["
                         "{\"type\":\"Feature\",\"properties\":{\"BoroCD\":101},\"geometry\":" + square(0, 0, 1, 1) + "},"
                         "{\"type\":\"Feature\",\"properties\":{\"BoroCD\":\"x2\"},\"geometry\":" + square(1, 0, 2, 1) + "}]}";
  auto model = Model::import_layer(path, "BoroCD");
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_EQ((*model)->territory().code((*model)->locate_leaf({0.5, 0.5})), "101");
  EXPECT_EQ((*model)->territory().code((*model)->locate_leaf({1.5, 0.5})), "x2");
  EXPECT_EQ((*model)->locate_leaf({2.5, 0.5}), kNoNode);
  auto missing = Model::import_layer(path, "nc_id");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("feature 0: field 'properties.nc_id': missing"), std::string::npos)
      << missing.status().message();
}

}  // namespace
}  // namespace whistle
