#include "sample/sample_model.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "common/strings.hpp"
#include "sample/tiling.hpp"
#include "whistle/time.hpp"

namespace whistle::sample {
namespace {

struct Domain {
  const char* token;
  const char* name;
  const char* platform;
  const char* department;  // lead department
  const char* stationed;   // stationed office kind in townships, or nullptr
  std::vector<const char*> matters;
};

const std::vector<Domain>& domains() {
  static const std::vector<Domain> d = {
      {"traffic", "交通", "enforcement", "交通运输局", "stationed.police",
       {"占道停车", "道路破损", "信号灯故障", "公交站台损坏", "非法营运", "道路积水", "交通标志缺失", "校园周边拥堵", "货车超载"}},
      {"stability", "治安稳定", "zongzhi", "公安局", "stationed.police",
       {"噪音扰民", "治安隐患", "群租房", "可疑人员", "电信诈骗", "聚集上访", "欠薪讨薪", "邻里冲突", "涉黑线索"}},
      {"enforcement", "城管执法", "enforcement", "综合行政执法局", "stationed.enforcement",
       {"违章搭建", "占道经营", "户外广告", "乱贴乱画", "渣土撒漏", "夜市油烟", "违规养犬", "私搭电线", "露天烧烤"}},
      {"cleaning", "环境卫生", "enforcement", "环境卫生服务中心", nullptr,
       {"垃圾清运", "道路保洁", "公厕管理", "垃圾分类", "积存垃圾", "河道漂浮物", "建筑垃圾", "死禽处理", "沟渠清淤"}},
      {"fire", "消防安全", "zongzhi", "消防救援大队", nullptr,
       {"消防通道堵塞", "电动车违规充电", "消防设施损坏", "易燃物堆放", "高层消防隐患", "秸秆焚烧", "燃气泄漏", "九小场所隐患", "烟花爆竹"}},
      {"environment", "生态环境", "enforcement", "生态环境分局", nullptr,
       {"工厂排污", "异味扰民", "扬尘污染", "噪声污染", "水体污染", "固废倾倒", "畜禽污染", "油烟超标", "土壤污染"}},
      {"market", "市场监管", "market", "市场监督管理局", "stationed.market",
       {"食品安全", "价格欺诈", "无证经营", "假冒伪劣", "计量作弊", "特种设备", "药品安全", "虚假广告", "消费纠纷"}},
      {"disputes", "矛盾纠纷", "zongzhi", "司法局", nullptr,
       {"婚姻家庭纠纷", "土地承包纠纷", "物业纠纷", "劳动争议", "宅基地纠纷", "山林水利纠纷", "合同纠纷", "医疗纠纷", "赡养纠纷"}},
      {"housing", "住房建设", "service", "住房和城乡建设局", nullptr,
       {"房屋安全", "电梯故障", "老旧小区改造", "物业服务", "违规施工", "公租房管理", "排水管网", "燃气管网", "危房排查"}},
      {"utilities", "供水供电", "service", "水务局", nullptr,
       {"停水", "水质问题", "停电", "供暖不热", "井盖缺失", "路灯不亮", "管道漏水", "电线老化", "通信线缆"}},
      {"education", "教育", "service", "教育和体育局", nullptr,
       {"校车安全", "违规办学", "招生入学", "课外培训", "校园安全", "学生资助", "教师师德", "食堂卫生", "校舍安全"}},
      {"health", "医疗卫生", "service", "卫生健康局", nullptr,
       {"医疗服务", "非法行医", "疫苗接种", "传染病报告", "病媒生物", "公共场所卫生", "母婴保健", "医保报销", "养老护理"}},
      {"welfare", "民政社保", "service", "民政局", nullptr,
       {"低保救助", "残疾人帮扶", "养老金", "社保缴纳", "流浪乞讨", "殡葬管理", "优抚安置"}},
      {"agriculture", "农业农村", "service", "农业农村局", nullptr,
       {"农资质量", "动物防疫", "农田水利", "土地流转", "农机安全", "秸秆利用", "村容村貌"}},
  };
  return d;
}

const char* kExtraDepartments[] = {
    "发展和改革局", "工业和信息化局", "财政局", "人力资源和社会保障局", "自然资源和规划局",
    "文化和旅游局", "应急管理局", "审计局", "统计局", "医疗保障局", "信访局", "退役军人事务局",
    "行政审批服务局", "商务局", "林业局", "气象局", "供电公司", "燃气公司", "自来水公司",
    "通信公司", "邮政分公司", "税务局", "人民法院", "人民检察院", "总工会", "团县委", "妇联",
    "残联", "红十字会", "科协", "档案馆", "地震局", "粮食和物资储备局", "住房公积金中心",
    "公共资源交易中心", "融媒体中心", "机关事务服务中心", "国有资产服务中心", "城市管理局",
    "园林绿化中心", "公路事业发展中心", "交警大队", "消防大队", "市场监管稽查局", "畜牧兽医中心",
    "水利事业服务中心", "农业技术推广中心", "疾病预防控制中心", "人民医院", "中医院", "妇幼保健院",
    "社会保险事业中心", "就业服务中心", "不动产登记中心", "住房保障中心", "环境监测站", "渔业服务中心",
    "旅游服务中心", "文物保护中心", "图书馆", "体育中心", "老龄工作中心", "慈善总会", "地方金融监管局",
    "数据局", "信用中心", "招商服务中心", "乡村振兴局", "水文站", "公证处", "法律援助中心",
    "网信办", "保密局", "民族宗教事务局", "侨联",
};

std::string rectangle_json(int32_t x0, int32_t y0, int32_t x1, int32_t y1) {
  MultiPolygon shape{Polygon{Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}};
  return geometry_json(shape);
}

}  // namespace

TilingSpec county_tiling(const CountySpec& spec) {
  TilingSpec tiling;
  tiling.cols = spec.grid_cols;
  tiling.rows = spec.grid_rows;
  tiling.x0 = 1'185'000'000;
  tiling.y0 = 366'500'000;
  tiling.cell = 75'000;
  tiling.points_per_side = spec.points_per_side;
  tiling.seed = spec.seed;
  return tiling;
}

ModelFiles make_sample_county(const CountySpec& spec) {
  ModelFiles out;
  const TilingSpec tiling = county_tiling(spec);
  const auto tiles = make_tiling(tiling);

  const std::string county = "370783";
  const uint32_t blocks_x = (spec.grid_cols + 1) / 2, blocks_y = (spec.grid_rows + 1) / 2;
  auto township_of = [&](uint32_t bx, uint32_t by) {
    return (by * spec.townships_y / blocks_y) * spec.townships_x + bx * spec.townships_x / blocks_x;
  };
  const uint32_t township_count = spec.townships_x * spec.townships_y;
  auto township_code = [&](uint32_t t) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%03u", t + 1);
    return county + buf;
  };
  // Communities: 2 × 2 blocks of grids, numbered within their township.
  std::map<std::pair<uint32_t, uint32_t>, std::string> community_code;
  std::vector<uint32_t> community_count(township_count, 0);
  std::vector<std::pair<std::string, uint32_t>> communities;  // code, township
  for (uint32_t by = 0; by < blocks_y; ++by) {
    for (uint32_t bx = 0; bx < blocks_x; ++bx) {
      const uint32_t t = township_of(bx, by);
      char buf[16];
      std::snprintf(buf, sizeof buf, "%03u", ++community_count[t]);
      const std::string code = township_code(t) + buf;
      community_code[{bx, by}] = code;
      communities.emplace_back(code, t);
    }
  }

  std::string& g = out.territory_geojson;
  g = "{\"type\":\"FeatureCollection\",\"features\":[\n";
  auto feature = [&](const std::string& code, const std::string& name, const char* level,
                     const std::string& parent, const std::string& geometry) {
    g += "{\"type\":\"Feature\",\"properties\":{\"code\":\"" + code + "\",\"name\":\"" + name +
         "\",\"level\":\"" + level + "\"";
    if (!parent.empty()) g += ",\"parent\":\"" + parent + "\"";
    g += "},\"geometry\":" + (geometry.empty() ? std::string("null") : geometry) + "},\n";
  };
  feature(county, "寿光示例县", "county", "", "");
  for (uint32_t t = 0; t < township_count; ++t) {
    feature(township_code(t), (t < 4 ? "街道" : "镇") + std::to_string(t + 1), "township", county, "");
  }
  for (size_t c = 0; c < communities.size(); ++c) {
    const bool urban = c % 27 == 0;  // ~36 urban communities, the rest villages
    feature(communities[c].first, (urban ? "社区" : "村") + std::to_string(c + 1), "community",
            township_code(communities[c].second), "");
  }
  std::map<std::string, uint32_t> grids_in;
  std::vector<std::string> grid_codes;
  for (const auto& tile : tiles) {
    const std::string& community = community_code[{tile.col / 2, tile.row / 2}];
    char buf[8];
    std::snprintf(buf, sizeof buf, "G%02u", ++grids_in[community]);
    const std::string code = community + buf;
    grid_codes.push_back(code);
    feature(code, "网格" + code.substr(6), "grid", community, geometry_json(tile.shape));
  }
  // Zones (专属网格): a development zone with a market inside it, a school, a scenic area.
  const int32_t cell = tiling.cell;
  auto at = [&](double cx, double cy) {
    return std::pair{tiling.x0 + static_cast<int32_t>(cx * cell), tiling.y0 + static_cast<int32_t>(cy * cell)};
  };
  const auto [dx0, dy0] = at(40.3, 30.2);
  const auto [dx1, dy1] = at(52.7, 41.6);
  const auto [mx0, my0] = at(44.1, 33.3);
  const auto [mx1, my1] = at(47.9, 36.8);
  const auto [sx0, sy0] = at(10.4, 12.2);
  const auto [sx1, sy1] = at(11.6, 13.1);
  const auto [vx0, vy0] = at(20.5, 48.5);
  const auto [vx1, vy1] = at(26.5, 55.5);
  const std::string zone_dev = county + "Z01", zone_market = county + "Z02",
                    zone_school = county + "Z03", zone_scenic = county + "Z04";
  feature(zone_dev, "经济开发区", "zone", county, rectangle_json(dx0, dy0, dx1, dy1));
  feature(zone_market, "农产品物流园", "zone", county, rectangle_json(mx0, my0, mx1, my1));
  feature(zone_school, "第一中学", "zone", township_code(0), rectangle_json(sx0, sy0, sx1, sy1));
  feature(zone_scenic, "弥河风景区", "zone", county, rectangle_json(vx0, vy0, vx1, vy1));
  g.erase(g.size() - 2);  // the last ",\n"
  g += "\n]}\n";

  // Units.
  std::string& u = out.units_csv;
  u = "code,name,kind,territory,platform\n";
  u += "CTR-" + county + ",县社会治理服务中心,center," + county + ",zongzhi\n";
  u += "CTR-" + zone_dev + ",开发区综合服务中心,center," + zone_dev + ",zongzhi\n";
  u += "ADM-" + zone_dev + ",开发区管委会,zone_admin," + zone_dev + ",service\n";
  u += "ADM-" + zone_market + ",物流园管理办公室,zone_admin," + zone_market + ",market\n";
  u += "ADM-" + zone_school + ",第一中学安保处,zone_admin," + zone_school + ",service\n";
  u += "ADM-" + zone_scenic + ",风景区管理处,zone_admin," + zone_scenic + ",service\n";
  std::vector<std::string> dept_code;
  for (size_t d = 0; d < domains().size(); ++d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "D%02zu", d + 1);
    dept_code.emplace_back(buf);
    u += dept_code.back() + "," + domains()[d].department + ",department," + county + "," +
         domains()[d].platform + "\n";
  }
  const size_t extra = std::size(kExtraDepartments);
  for (size_t d = 0; d < extra; ++d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "D%02zu", domains().size() + d + 1);
    u += std::string(buf) + "," + kExtraDepartments[d] + ",department," + county + ",service\n";
  }
  for (uint32_t t = 0; t < township_count; ++t) {
    const std::string tc = township_code(t);
    u += "CTR-" + tc + ",镇街综治中心" + std::to_string(t + 1) + ",center," + tc + ",zongzhi\n";
    u += "TWN-" + tc + ",镇街政府" + std::to_string(t + 1) + ",township," + tc + ",service\n";
    u += "POL-" + tc + ",派出所" + std::to_string(t + 1) + ",stationed.police," + tc + ",zongzhi\n";
    u += "MKT-" + tc + ",市场监管所" + std::to_string(t + 1) + ",stationed.market," + tc + ",market\n";
    u += "ENF-" + tc + ",执法中队" + std::to_string(t + 1) + ",stationed.enforcement," + tc + ",enforcement\n";
  }
  for (const auto& [code, t] : communities) {
    u += "COM-" + code + ",村居委会" + code.substr(6) + ",community," + code + ",zongzhi\n";
    u += "SVC-" + code + ",网格服务站" + code.substr(6) + ",center," + code + ",zongzhi\n";
  }
  for (const auto& code : grid_codes) {
    u += "GT-" + code + ",网格员" + code.substr(6) + ",grid_team," + code + ",zongzhi\n";
  }

  // Matters, SLA classes and rules.
  out.sla_csv =
      "class,stage,limit,warn_before,escalate_every,calendar\n"
      "general,dispatch,1wd,,1wd,cn\n"
      "general,accept,4wh,1wh,4wh,cn\n"
      "general,resolve,3wd,1wd,1wd,cn\n"
      "general,report,4wh,,,cn\n"
      "general,verify,1wd,,1wd,cn\n"
      "general,revisit,3wd,,,cn\n"
      "complex,dispatch,1wd,,1wd,cn\n"
      "complex,accept,8wh,2wh,8wh,cn\n"
      "complex,resolve,5wd,2wd,2wd,cn\n"
      "complex,report,1wd,,,cn\n"
      "complex,verify,2wd,,1wd,cn\n"
      "complex,revisit,5wd,,,cn\n"
      "urgent,dispatch,30m,10m,30m,24x7\n"
      "urgent,accept,60m,30m,60m,24x7\n"
      "urgent,resolve,24h,4h,4h,24x7\n"
      "urgent,report,2h,,,24x7\n"
      "urgent,verify,4h,,4h,24x7\n"
      "urgent,revisit,3wd,,,cn\n";
  out.calendars_csv =
      "id,utc_offset,office_hours\n"
      "cn,+08:00,08:30-12:00;13:30-17:30\n"
      "24x7,+08:00,\n";
  for (auto& [year, json] : cn_holiday_files()) {
    out.extra_files.emplace_back("calendars/cn/" + std::to_string(year) + ".json", std::move(json));
  }
  std::string& m = out.matters_csv;
  std::string& r = out.rules_csv;
  m = "code,name,domain,category,sla\n";
  r = "matter,scope,primary,cooperating,note\n";
  for (size_t d = 0; d < domains().size(); ++d) {
    const Domain& dom = domains()[d];
    for (size_t k = 0; k < dom.matters.size(); ++k) {
      char code[32];
      std::snprintf(code, sizeof code, "%s.%02zu", dom.token, k + 1);
      const char* sla = k % 4 == 3 ? "complex" : (k % 9 == 5 && d < 5 ? "urgent" : "general");
      m += std::string(code) + "," + dom.matters[k] + "," + dom.token + "," + dom.name + "," + sla + "\n";
      // The county-wide rule: the domain's department leads, the township (and the stationed
      // office, where the domain has one) cooperate; neighbourhood matters go to the grid.
      std::string primary = dept_code[d], coop = "@township";
      if (dom.stationed && k % 3 == 0) coop += std::string(";@") + dom.stationed;
      if (std::string(dom.token) == "cleaning" || std::string(dom.token) == "disputes") {
        primary = k % 2 ? "@township" : "@community";
        coop = "@grid_team;" + dept_code[d];
      }
      r += std::string(code) + ",*," + primary + "," + coop + ",县级清单\n";
      // Township overrides: townships 1-4 are streets whose enforcement office leads.
      if (std::string(dom.token) == "enforcement" && k < 4) {
        for (uint32_t t = 0; t < 4; ++t) {
          r += std::string(code) + "," + township_code(t) + ",@stationed.enforcement,@community,街道属地\n";
        }
      }
      // Zones: the development zone runs enforcement and environment itself, the logistics
      // park runs market matters, the school and the scenic area take traffic.
      const std::string token = dom.token;
      if (token == "enforcement" || token == "environment") {
        r += std::string(code) + "," + zone_dev + ",ADM-" + zone_dev + "," + dept_code[d] + ",开发区托管\n";
      }
      if (token == "market") {
        r += std::string(code) + "," + zone_market + ",ADM-" + zone_market + ",@stationed.market,园区专属网格\n";
      }
      if (token == "traffic" && k < 3) {
        r += std::string(code) + "," + zone_school + ",ADM-" + zone_school + ",@stationed.police,校园周边\n";
        r += std::string(code) + "," + zone_scenic + ",ADM-" + zone_scenic + "," + dept_code[d] + ",景区专属网格\n";
      }
    }
  }
  return out;
}

std::vector<std::pair<int, std::string>> cn_holiday_files() {
  struct Span {
    const char* name;
    const char* first;
    int days;  // consecutive days off from `first`
    std::vector<const char*> makeup;
  };
  const std::vector<std::pair<int, std::vector<Span>>> years = {
      {2025,
       {{"元旦", "2025-01-01", 1, {}},
        {"春节", "2025-01-28", 8, {"2025-01-26", "2025-02-08"}},
        {"清明节", "2025-04-04", 3, {}},
        {"劳动节", "2025-05-01", 5, {"2025-04-27"}},
        {"端午节", "2025-05-31", 3, {}},
        {"国庆节、中秋节", "2025-10-01", 8, {"2025-09-28", "2025-10-11"}}}},
      {2026,
       {{"元旦", "2026-01-01", 3, {"2026-01-04"}},
        {"春节", "2026-02-15", 9, {"2026-02-14", "2026-02-28"}},
        {"清明节", "2026-04-04", 3, {}},
        {"劳动节", "2026-05-01", 5, {"2026-05-09"}},
        {"端午节", "2026-06-19", 3, {}},
        {"中秋节", "2026-09-25", 3, {}},
        {"国庆节", "2026-10-01", 7, {"2026-09-20", "2026-10-10"}}}},
  };
  std::vector<std::pair<int, std::string>> out;
  for (const auto& [year, spans] : years) {
    std::vector<std::pair<int64_t, std::string>> days;  // day, entry
    for (const Span& s : spans) {
      int y;
      unsigned mo, d;
      std::sscanf(s.first, "%d-%u-%u", &y, &mo, &d);
      const int64_t first = days_from_civil(y, mo, d);
      auto entry = [&](int64_t day, bool off) {
        const CivilDate c = civil_from_days(day);
        char buf[160];
        std::snprintf(buf, sizeof buf, "{\"name\":\"%s\",\"date\":\"%04d-%02u-%02u\",\"isOffDay\":%s}", s.name,
                      c.year, c.month, c.day, off ? "true" : "false");
        days.emplace_back(day, buf);
      };
      for (int k = 0; k < s.days; ++k) entry(first + k, true);
      for (const char* m : s.makeup) {
        std::sscanf(m, "%d-%u-%u", &y, &mo, &d);
        entry(days_from_civil(y, mo, d), false);
      }
    }
    std::sort(days.begin(), days.end());
    std::string json = "{\"year\":" + std::to_string(year) + ",\"papers\":[],\"days\":[";
    for (size_t i = 0; i < days.size(); ++i) json += (i ? ",\n" : "\n") + days[i].second;
    json += "\n]}\n";
    out.emplace_back(year, std::move(json));
  }
  return out;
}

ModelFiles make_tiled_province(const TilingSpec& tiling) {
  ModelFiles out;
  const auto tiles = make_tiling(tiling);
  auto county = [&](const Tile& t) {
    return strings::numbered("K", t.row * 16 / tiling.rows * 16 + t.col * 16 / tiling.cols);
  };
  std::string& g = out.territory_geojson;
  g.reserve(tiles.size() * (tiling.points_per_side * 4 + 5) * 26);
  g = "{\"type\":\"FeatureCollection\",\"features\":[\n";
  auto node = [&](const std::string& code, const char* level, const std::string& parent) {
    g += "{\"type\":\"Feature\",\"properties\":{\"code\":\"" + code + "\",\"level\":\"" + level + "\"";
    if (!parent.empty()) g += ",\"parent\":\"" + parent + "\"";
    g += "},\"geometry\":null},\n";
  };
  node("P", "province", "");
  for (int c = 0; c < 16; ++c) node(strings::numbered("C", c), "city", "P");
  for (int k = 0; k < 256; ++k) {
    const int row = k / 16, col = k % 16;
    node(strings::numbered("K", k), "county", strings::numbered("C", row / 4 * 4 + col / 4));
  }
  out.units_csv = "code,name,kind,territory,platform\nCTR-P,Province centre,center,P,zongzhi\n";
  for (int c = 0; c < 16; ++c) out.units_csv += "CTR-C" + std::to_string(c) + ",City centre,center,C" + std::to_string(c) + ",zongzhi\n";
  for (int k = 0; k < 256; ++k) {
    out.units_csv += "CTR-K" + std::to_string(k) + ",County centre,center,K" + std::to_string(k) + ",zongzhi\n";
  }
  out.units_csv += "D1,Department,department,P,service\n";
  for (size_t i = 0; i < tiles.size(); ++i) {
    g += "{\"type\":\"Feature\",\"properties\":{\"code\":\"G" + std::to_string(i) +
         "\",\"level\":\"grid\",\"parent\":\"" + county(tiles[i]) + "\"},\"geometry\":" +
         geometry_json(tiles[i].shape) + "}" + (i + 1 < tiles.size() ? ",\n" : "\n");
  }
  g += "]}\n";
  out.matters_csv = "code,name,domain,category,sla\n";
  out.rules_csv = "matter,scope,primary,cooperating,note\n";
  for (int m = 0; m < 10; ++m) {
    out.matters_csv += strings::numbered("m", m) + ",Matter,d,c,general\n";
    out.rules_csv += strings::numbered("m", m) + ",*,D1,@center,\n";
  }
  out.sla_csv = "class,stage,limit,warn_before,escalate_every,calendar\ngeneral,resolve,3wd,1wd,1wd,cn\n";
  out.calendars_csv = "id,utc_offset,office_hours\ncn,+08:00,08:30-12:00;13:30-17:30\n";
  return out;
}

Status write_model_files(const ModelFiles& files, const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::io(dir + ": cannot create: " + ec.message());
  const std::pair<const char*, const std::string*> items[] = {
      {"territory.geojson", &files.territory_geojson}, {"units.csv", &files.units_csv},
      {"matters.csv", &files.matters_csv},             {"rules.csv", &files.rules_csv},
      {"sla.csv", &files.sla_csv},                     {"calendars.csv", &files.calendars_csv}};
  auto write = [&](const std::string& name, const std::string& text) {
    const fs::path path = fs::path(dir) / name;
    std::error_code mk;
    fs::create_directories(path.parent_path(), mk);
    std::ofstream f(path, std::ios::binary);
    f << text;
    return f ? Status{} : Status::io(path.string() + ": write failed");
  };
  for (const auto& [name, text] : items) WHISTLE_RETURN_IF_ERROR(write(name, *text));
  for (const auto& [name, text] : files.extra_files) WHISTLE_RETURN_IF_ERROR(write(name, text));
  return {};
}

}  // namespace whistle::sample
