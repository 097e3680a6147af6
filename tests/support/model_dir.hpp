// A small hand-written model directory for tests, with any file replaceable.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <unistd.h>

#include "whistle/model.hpp"

namespace whistle::testing {

inline std::string square(double x0, double y0, double x1, double y1) {
  // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "[" + std::string&&.
  auto p = [](double x, double y) {
    std::string point = "[";
    point += std::to_string(x);
    point += ',';
    point += std::to_string(y);
    point += ']';
    return point;
  };
  return "{\"type\":\"Polygon\",\"coordinates\":[[" + p(x0, y0) + "," + p(x1, y0) + "," + p(x1, y1) +
         "," + p(x0, y1) + "," + p(x0, y0) + "]]}";
}

inline std::string feature(const std::string& code, const std::string& level, const std::string& parent,
                           const std::string& geometry) {
  std::string f = "{\"type\":\"Feature\",\"properties\":{\"code\":\"" + code + "\",\"name\":\"" + code +
                  "\",\"level\":\"" + level + "\"";
  if (!parent.empty()) f += ",\"parent\":\"" + parent + "\"";
  return f + "},\"geometry\":" + (geometry.empty() ? "null" : geometry) + "}";
}

// County C -> townships T1, T2 -> communities K1 (T1), K2 (T2) -> grids G1, G2 (K1), G3 (K2);
// zones Z1 (parent C) and Z2 (parent T1) overlap over x in [1.2, 1.5].
inline std::string small_territory() {
  return "{\"type\":\"FeatureCollection\",\"features\":[" + feature("C", "county", "", "") + "," +
         feature("T1", "township", "C", "") + "," + feature("T2", "township", "C", "") + "," +
         feature("K1", "community", "T1", "") + "," + feature("K2", "community", "T2", "") + "," +
         feature("G1", "grid", "K1", square(0, 0, 1, 1)) + "," + feature("G2", "grid", "K1", square(1, 0, 2, 1)) +
         "," + feature("G3", "grid", "K2", square(2, 0, 3, 1)) + "," +
         feature("Z1", "zone", "C", square(0.5, 0.2, 1.5, 0.8)) + "," +
         feature("Z2", "zone", "T1", square(1.2, 0.1, 1.8, 0.9)) + "]}";
}

inline std::map<std::string, std::string> small_model_files() {
  return {
      {"territory.geojson", small_territory()},
      {"units.csv",
       "code,name,kind,territory,platform\n"
       "CC,County centre,center,C,zongzhi\n"
       "TC1,Township centre,center,T1,zongzhi\n"
       "TW1,Township 1,township,T1,service\n"
       "TW2,Township 2,township,T2,\n"
       "GT1,Grid team 1,grid_team,G1,zongzhi\n"
       "GT2,Grid team 2,grid_team,G2,zongzhi\n"
       "D1,Department 1,department,C,enforcement\n"
       "D2,Department 2,department,C,market\n"
       "ZA,Zone admin A,zone_admin,Z1,\n"
       "ZB,Zone admin B,zone_admin,Z2,\n"},
      {"matters.csv",
       "code,name,domain,category,sla\n"
       "m_star,Star only,d,c,general\n"
       "m_deep,Deep,d,c,general\n"
       "m_zone,Zone,d,c,general\n"
       "m_conflict,Conflict,d,c,general\n"
       "m_role,Role,d,c,general\n"
       "m_none,No rule,d,c,general\n"},
      {"rules.csv",
       "matter,scope,primary,cooperating,note\n"
       "m_star,*,D1,,\n"
       "m_deep,*,D1,D2,\n"
       "m_deep,T1,D2,\"D1;@township\",\"note, with comma\"\n"
       "m_deep,G1,GT1,,\n"
       "m_zone,*,D1,,\n"
       "m_zone,G1,GT1,,\n"
       "m_zone,Z1,ZA,@township,\n"
       "m_conflict,Z1,ZA,,\n"
       "m_conflict,Z2,ZB,,\n"
       "m_role,*,@grid_team,@township,\n"},
      {"sla.csv", "class,stage,limit,warn_before,escalate_every,calendar\ngeneral,resolve,3wd,1wd,1wd,cn\n"},
      {"calendars.csv", "id,utc_offset,office_hours\ncn,+08:00,08:30-12:00;13:30-17:30\n"},
  };
}

inline void write_model_dir(const std::string& dir, const std::map<std::string, std::string>& files) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (const auto& [name, text] : files) {
    const auto path = std::filesystem::path(dir) / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
}

inline std::string temp_dir(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("whistle-test-" + name + "-" + std::to_string(::getpid()))).string();
}

// Writes `files` into a fresh directory named after `name` and loads it (warnings in `report`).
inline Result<std::shared_ptr<const Model>> load_model_files(const std::string& name,
                                                            const std::map<std::string, std::string>& files,
                                                            LoadReport* report = nullptr) {
  const std::string dir = temp_dir(name);
  write_model_dir(dir, files);
  return Model::load_directory(dir, report);
}

// True when one of the report's warnings contains `text`.
inline bool has_warning(const LoadReport& report, std::string_view text) {
  return std::any_of(report.warnings.begin(), report.warnings.end(),
                     [&](const std::string& w) { return w.find(text) != std::string::npos; });
}

}  // namespace whistle::testing
