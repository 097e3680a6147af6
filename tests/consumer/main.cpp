// Built against the installed whistle package: routes one point in a one-grid model.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <whistle/model.hpp>

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "model";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/territory.geojson")
      << R"({"type":"FeatureCollection","features":[)"
         R"({"type":"Feature","properties":{"code":"C","level":"county"},"geometry":null},)"
         R"({"type":"Feature","properties":{"code":"G","level":"grid","parent":"C"},)"
         R"("geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}]})";
  std::ofstream(dir + "/units.csv") << "code,name,kind,territory\nD,Dept,department,C\n";
  std::ofstream(dir + "/matters.csv") << "code,name,domain,category,sla\nm,M,d,c,general\n";
  std::ofstream(dir + "/rules.csv") << "matter,scope,primary,cooperating,note\nm,*,D,,\n";
  auto model = whistle::Model::load(dir);
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().to_string().c_str());
    return 1;
  }
  whistle::Route route;
  whistle::Location scratch;
  (*model)->route((*model)->find_matter("m"), {0.5, 0.5}, route, scratch);
  if (!route.routed() || (*model)->units()[route.primary].code != "D") return 1;
  std::puts("consumer: routed to D");
  return 0;
}
