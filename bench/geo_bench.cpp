// Point location and routing: whistle's grid index against Boost.Geometry (R-tree of
// bounding boxes + `within`) and, when installed, GEOS (STR-tree + prepared `contains`) on the
// same points in the same run; route = locate + resolve;
// province-scale build time, compiled-model load time and index memory.
#include <boost/geometry.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <filesystem>
#include <memory>

#include "bench_support.hpp"
#ifdef WHISTLE_BENCH_GEOS
#include "geos_peer.hpp"
#endif
#include "sample/sample_model.hpp"
#include "whistle/model.hpp"

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

namespace whistle::bench {
namespace {

using BoostPoint = bg::model::d2::point_xy<double>;
using BoostPolygon = bg::model::polygon<BoostPoint>;
using BoostMulti = bg::model::multi_polygon<BoostPolygon>;
using BoostBox = bg::model::box<BoostPoint>;

struct BoostIndex {
  std::vector<BoostMulti> shapes;
  bgi::rtree<std::pair<BoostBox, uint32_t>, bgi::quadratic<16>> tree;

  explicit BoostIndex(const std::vector<sample::Tile>& tiles) {
    std::vector<std::pair<BoostBox, uint32_t>> boxes;
    for (uint32_t i = 0; i < tiles.size(); ++i) {
      BoostMulti multi;
      for (const auto& poly : tiles[i].shape) {
        BoostPolygon p;
        for (size_t r = 0; r < poly.size(); ++r) {
          auto& ring = r == 0 ? p.outer() : (p.inners().emplace_back(), p.inners().back());
          for (const GridPoint q : poly[r]) ring.emplace_back(q.x / kUnitsPerDegree, q.y / kUnitsPerDegree);
        }
        multi.push_back(std::move(p));
      }
      bg::correct(multi);
      boxes.emplace_back(bg::return_envelope<BoostBox>(multi), i);
      shapes.push_back(std::move(multi));
    }
    tree = decltype(tree)(boxes.begin(), boxes.end());
  }

  uint32_t locate(LonLat p) const {
    const BoostPoint q(p.lon, p.lat);
    for (auto it = tree.qbegin(bgi::intersects(q)); it != tree.qend(); ++it) {
      if (bg::within(q, shapes[it->second])) return it->second;
    }
    return GridIndex::kNone;
  }
};

struct Dataset {
  std::vector<sample::Tile> tiles;
  std::shared_ptr<const Model> model;
  Box box{};
  std::vector<LonLat> uniform, clustered;
  std::unique_ptr<BoostIndex> boost;
#ifdef WHISTLE_BENCH_GEOS
  std::unique_ptr<GeosIndex> geos;
#endif
  double load_seconds = 0, compiled_load_seconds = 0;
  size_t compiled_bytes = 0;
};

constexpr size_t kQueries = 1 << 20;

Box box_of(const sample::TilingSpec& s) {
  return {s.x0 / kUnitsPerDegree, s.y0 / kUnitsPerDegree, (s.x0 + double(s.cols) * s.cell) / kUnitsPerDegree,
          (s.y0 + double(s.rows) * s.cell) / kUnitsPerDegree};
}

void load(Dataset& d, const sample::TilingSpec& tiling, const sample::ModelFiles& files, const std::string& name) {
  const std::string dir = scratch_dir(name);
  if (!sample::write_model_files(files, dir).ok()) std::abort();
  auto t0 = std::chrono::steady_clock::now();
  auto model = Model::load_directory(dir);
  d.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().to_string().c_str());
    std::abort();
  }
  d.model = *model;
  const std::string compiled = dir + "/model.wmodel";
  if (!d.model->save_compiled(compiled).ok()) std::abort();
  d.compiled_bytes = std::filesystem::file_size(compiled);
  t0 = std::chrono::steady_clock::now();
  auto again = Model::load_compiled(compiled);
  d.compiled_load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!again.ok()) std::abort();
  d.tiles = sample::make_tiling(tiling);
  d.box = box_of(tiling);
  d.uniform = uniform_points(d.box, kQueries, 1);
  d.clustered = clustered_points(d.box, kQueries, 2);
}

Dataset& county() {
  static Dataset d = [] {
    Dataset x;
    sample::CountySpec spec;
    spec.points_per_side = 15;  // 64 vertices per grid polygon
    load(x, sample::county_tiling(spec), sample::make_sample_county(spec), "county");
    x.boost = std::make_unique<BoostIndex>(x.tiles);
#ifdef WHISTLE_BENCH_GEOS
    x.geos = std::make_unique<GeosIndex>(x.tiles);
#endif
    return x;
  }();
  return d;
}

sample::TilingSpec province_tiling() {
  sample::TilingSpec t;
  t.cols = 448;
  t.rows = 448;  // 200,704 polygons
  t.x0 = 1'150'000'000;
  t.y0 = 345'000'000;
  t.cell = 130'000;
  t.points_per_side = 10;  // 44 vertices
  t.seed = 37;
  return t;
}

Dataset& province() {
  static Dataset d = [] {
    Dataset x;
    load(x, province_tiling(), sample::make_tiled_province(province_tiling()), "province");
    x.boost = std::make_unique<BoostIndex>(x.tiles);
#ifdef WHISTLE_BENCH_GEOS
    x.geos = std::make_unique<GeosIndex>(x.tiles);
#endif
    return x;
  }();
  return d;
}

const std::vector<LonLat>& points(Dataset& d, int which) { return which == 0 ? d.uniform : d.clustered; }

void BM_WhistleLocate(benchmark::State& state, Dataset& (*data)()) {
  Dataset& d = data();
  const auto& pts = points(d, static_cast<int>(state.range(0)));
  size_t i = 0, found = 0;
  for (auto _ : state) {
    const NodeId leaf = d.model->locate_leaf(pts[i++ & (kQueries - 1)]);
    found += leaf != kNoNode;
    benchmark::DoNotOptimize(leaf);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["found"] = double(found) / double(state.iterations());
  latency_counters(state, 200'000, [&](size_t k) { benchmark::DoNotOptimize(d.model->locate_leaf(pts[k])); });
}

// A peer's locate: the same loop and latencies for each (fewer latency samples than whistle's:
// a peer's query is ten times slower).
template <class Locate>
void peer_locate(benchmark::State& state, Dataset& (*data)(), Locate&& locate) {
  Dataset& d = data();
  const auto& pts = points(d, static_cast<int>(state.range(0)));
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(locate(d, pts[i++ & (kQueries - 1)]));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  latency_counters(state, 50'000, [&](size_t k) { benchmark::DoNotOptimize(locate(d, pts[k])); });
}

void BM_BoostLocate(benchmark::State& state, Dataset& (*data)()) {
  peer_locate(state, data, [](Dataset& d, LonLat p) { return d.boost->locate(p); });
}

#ifdef WHISTLE_BENCH_GEOS
void BM_GeosLocate(benchmark::State& state, Dataset& (*data)()) {
  peer_locate(state, data, [](Dataset& d, LonLat p) { return d.geos->locate(p); });
}
#endif

void BM_WhistleRoute(benchmark::State& state, Dataset& (*data)()) {
  Dataset& d = data();
  const auto& pts = points(d, static_cast<int>(state.range(0)));
  const auto matters = static_cast<uint32_t>(d.model->matters().size());
  Route route;
  Location scratch;
  size_t i = 0;
  for (auto _ : state) {
    const size_t k = i++ & (kQueries - 1);
    d.model->route(static_cast<MatterId>(k % matters), pts[k], route, scratch);
    benchmark::DoNotOptimize(route.primary);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  latency_counters(state, 200'000, [&](size_t k) {
    d.model->route(static_cast<MatterId>(k % matters), pts[k], route, scratch);
    benchmark::DoNotOptimize(route.primary);
  });
}

// Model statistics, measured once while the dataset is made (load = parse + check + build).
void BM_ModelStats(benchmark::State& state, Dataset& (*data)()) {
  Dataset& d = data();
  for (auto _ : state) benchmark::DoNotOptimize(d.model.get());
  state.counters["load_sources_s"] = d.load_seconds;
  state.counters["load_compiled_s"] = d.compiled_load_seconds;
  state.counters["compiled_MiB"] = double(d.compiled_bytes) / 1048576.0;
  state.counters["index_MiB"] = double(d.model->index_memory_bytes()) / 1048576.0;
  state.counters["leaves"] = double(d.tiles.size());
}

// Index build alone (no parsing), from the tiles' edges.
void BM_IndexBuild(benchmark::State& state, Dataset& (*data)()) {
  Dataset& d = data();
  std::vector<std::vector<Edge>> edges;
  for (const auto& t : d.tiles) edges.push_back(sample::edges_of(t.shape));
  std::vector<GridIndex::Shape> shapes;
  for (uint32_t i = 0; i < edges.size(); ++i) shapes.push_back({i, edges[i]});
  for (auto _ : state) {
    GridIndex index = GridIndex::build(shapes, GridIndex::Mode::first_match);
    state.counters["index_MiB"] = double(index.memory_bytes()) / 1048576.0;
    const GridIndex::Stats st = index.stats();
    state.counters["top_cells"] = double(st.top_cells);
    state.counters["lists"] = double(st.lists);
    state.counters["candidates"] = double(st.candidates);
    state.counters["edges"] = double(st.edges);
    state.counters["child_grids"] = double(st.child_grids);
  }
}

#define WHISTLE_GEO_BENCH(name, fn, data) \
  BENCHMARK_CAPTURE(fn, name, data)->ArgName("clustered")->Arg(0)->Arg(1)

WHISTLE_GEO_BENCH(county, BM_WhistleLocate, county);
WHISTLE_GEO_BENCH(county, BM_BoostLocate, county);
#ifdef WHISTLE_BENCH_GEOS
WHISTLE_GEO_BENCH(county, BM_GeosLocate, county);
#endif
WHISTLE_GEO_BENCH(county, BM_WhistleRoute, county);
BENCHMARK_CAPTURE(BM_ModelStats, county, county)->Iterations(1);
BENCHMARK_CAPTURE(BM_IndexBuild, county, county)->Unit(benchmark::kMillisecond)->Iterations(3);
WHISTLE_GEO_BENCH(province, BM_WhistleLocate, province);
WHISTLE_GEO_BENCH(province, BM_BoostLocate, province);
#ifdef WHISTLE_BENCH_GEOS
WHISTLE_GEO_BENCH(province, BM_GeosLocate, province);
#endif
WHISTLE_GEO_BENCH(province, BM_WhistleRoute, province);
BENCHMARK_CAPTURE(BM_ModelStats, province, province)->Iterations(1);
BENCHMARK_CAPTURE(BM_IndexBuild, province, province)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace whistle::bench

int main(int argc, char** argv) {
  whistle::bench::NamePairs boost, geos;  // GEOS rows print when the bench was built with it
  for (const char* data : {"county", "province"}) {
    for (const char* arg : {"clustered:0", "clustered:1"}) {
      const std::string suffix = std::string(data) + "/" + arg;
      boost.emplace_back("BM_WhistleLocate/" + suffix, "BM_BoostLocate/" + suffix);
      geos.emplace_back("BM_WhistleLocate/" + suffix, "BM_GeosLocate/" + suffix);
    }
  }
  return whistle::bench::run_benchmarks(argc, argv,
                                        {{"whistle over Boost.Geometry", boost}, {"whistle over GEOS", geos}});
}
