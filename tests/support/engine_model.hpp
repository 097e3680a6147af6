// The model the engine tests run on: a county with a centre at every level, so every
// escalation path of SPEC §3 exists, and two SLA classes — `slow` in working days and hours on
// the `cn` calendar, `fast` in minutes on a 24x7 calendar.
//
//   C (county, centre CC) ── T1 (township, centre TC1) ── K1 (community, centre KC1) ── G1 (grid, centre GC1)
//                         │                                                         └─ G2 (grid)
//                         └─ T2 (township, no centre) ── K2 (community) ── G3 (grid)
//   zone Z1 (parent T1) over part of G2
#pragma once

#include <map>
#include <memory>
#include <string>

#include "support/model_dir.hpp"
#include "whistle/model.hpp"

namespace whistle::testing {

inline std::map<std::string, std::string> engine_model_files() {
  auto files = small_model_files();
  files["territory.geojson"] =
      "{\"type\":\"FeatureCollection\",\"features\":[" + feature("C", "county", "", "") + "," +
      feature("T1", "township", "C", "") + "," + feature("T2", "township", "C", "") + "," +
      feature("K1", "community", "T1", "") + "," + feature("K2", "community", "T2", "") + "," +
      feature("G1", "grid", "K1", square(0, 0, 1, 1)) + "," + feature("G2", "grid", "K1", square(1, 0, 2, 1)) + "," +
      feature("G3", "grid", "K2", square(2, 0, 3, 1)) + "," + feature("Z1", "zone", "T1", square(1.5, 0.5, 2, 1)) +
      "]}";
  files["units.csv"] =
      "code,name,kind,territory,platform\n"
      "CC,County centre,center,C,zongzhi\n"
      "TC1,Township 1 centre,center,T1,zongzhi\n"
      "KC1,Community 1 centre,center,K1,zongzhi\n"
      "GC1,Grid 1 centre,center,G1,zongzhi\n"
      "D1,Roads,department,C,enforcement\n"
      "D2,Environment,department,C,enforcement\n"
      "D3,Market regulation,department,C,market\n"
      "SM1,Market office T1,stationed.market,T1,market\n"
      "TW1,Township 1,township,T1,service\n"
      "TW2,Township 2,township,T2,service\n"
      "KU1,Community 1,community,K1,service\n"
      "GT1,Grid team 1,grid_team,G1,zongzhi\n"
      "GT2,Grid team 2,grid_team,G2,zongzhi\n"
      "GT3,Grid team 3,grid_team,G3,zongzhi\n"
      "ZU1,Market zone office,zone_admin,Z1,market\n";
  files["matters.csv"] =
      "code,name,domain,category,sla\n"
      "noise,Noise,env,nuisance,slow\n"
      "road,Pothole,traffic,roads,slow\n"
      "stall,Street stall,market,order,slow\n"
      "litter,Litter,cleaning,order,slow\n"
      "quick,Urgent leak,safety,urgent,fast\n"
      "quickroad,Urgent road,traffic,urgent,fast\n"
      "orphan,No rule,misc,misc,slow\n"
      "nosla,No deadlines,misc,misc,none\n";
  files["rules.csv"] =
      "matter,scope,primary,cooperating,note\n"
      "noise,*,@grid_team,D2;@township,\n"
      "road,*,D1,,\n"
      "stall,*,@stationed.market,D3,\n"
      "stall,Z1,ZU1,SM1,\n"
      "litter,*,KU1,,\n"
      "quick,*,@grid_team,D2,\n"
      "quickroad,*,D1,D2,\n"
      "nosla,*,D1,,\n";
  files["sla.csv"] =
      "class,stage,limit,warn_before,escalate_every,calendar\n"
      "slow,dispatch,1wd,,1wd,cn\n"
      "slow,accept,4wh,1wh,4wh,cn\n"
      "slow,resolve,3wd,1wd,1wd,cn\n"
      "slow,report,4wh,,,cn\n"
      "slow,verify,1wd,,1wd,cn\n"
      "slow,revisit,3wd,,,cn\n"
      "fast,dispatch,30m,10m,30m,24x7\n"
      "fast,accept,60m,20m,60m,24x7\n"
      "fast,resolve,120m,30m,60m,24x7\n"
      "fast,report,30m,,,24x7\n"
      "fast,verify,60m,,60m,24x7\n"
      "fast,revisit,60m,,,24x7\n"
      "none,resolve,,,,\n";
  files["calendars.csv"] = "id,utc_offset,office_hours\ncn,+08:00,08:30-12:00;13:30-17:30\n24x7,+08:00,\n";
  files["calendars/cn/2025.json"] =
      "{\"year\":2025,\"days\":["
      "{\"name\":\"National Day\",\"date\":\"2025-10-01\",\"isOffDay\":true},"
      "{\"name\":\"National Day\",\"date\":\"2025-10-02\",\"isOffDay\":true},"
      "{\"name\":\"National Day\",\"date\":\"2025-10-03\",\"isOffDay\":true},"
      "{\"name\":\"National Day\",\"date\":\"2025-10-06\",\"isOffDay\":true},"
      "{\"name\":\"National Day\",\"date\":\"2025-10-07\",\"isOffDay\":true},"
      "{\"name\":\"National Day\",\"date\":\"2025-10-08\",\"isOffDay\":true},"
      "{\"name\":\"Make-up\",\"date\":\"2025-09-28\",\"isOffDay\":false},"
      "{\"name\":\"Make-up\",\"date\":\"2025-10-11\",\"isOffDay\":false}]}";
  return files;
}

inline std::shared_ptr<const Model> engine_model(std::map<std::string, std::string> files = engine_model_files()) {
  auto m = load_model_files("engine-model", files);
  std::filesystem::remove_all(temp_dir("engine-model"));
  if (!m.ok()) throw std::runtime_error(m.status().to_string());
  return *m;
}

}  // namespace whistle::testing
