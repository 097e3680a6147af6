// Model: everything loaded from a model directory (SPEC §1) — the territory tree and its grid
// index, units, matters, the responsibility list — immutable once built and shared by
// pointer, so an engine can swap in a new one atomically while readers keep the old.
// Loading is all or nothing: any error names the file, line or feature, and field, and no
// model is returned. A compiled binary form (FlatBuffers, verified on load) loads much faster.
// Thread model: a loaded Model is immutable; every const method may run on any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "whistle/calendar.hpp"
#include "whistle/geo.hpp"
#include "whistle/grid_index.hpp"
#include "whistle/responsibility.hpp"
#include "whistle/sla.hpp"
#include "whistle/status.hpp"
#include "whistle/territory.hpp"

namespace whistle {

inline constexpr uint32_t kNoSlaClass = 0xFFFFFFFFu;

enum class Platform : uint8_t { none = 0, zongzhi, market, enforcement, service };
std::string_view platform_name(Platform p) noexcept;

struct Unit {
  std::string code;
  std::string name;
  std::string kind;  // center, department, stationed.<x>, township, community, grid_team, …
  NodeId territory = kNoNode;
  Platform platform = Platform::none;
};

struct Matter {
  std::string code;
  std::string name;
  std::string domain;
  std::string category;
  std::string sla;  // class name in sla.csv
  uint32_t sla_class = kNoSlaClass;  // index into Model::sla_classes(), when sla.csv exists
};

// What loading noticed without failing: overlapping leaves, matters without rules, …
struct LoadReport {
  std::vector<std::string> warnings;
};

// Where a point is: its leaf (kNoNode when outside) and every zone containing it.
struct Location {
  NodeId leaf = kNoNode;
  std::vector<NodeId> zones;  // reused between calls: no allocation in steady state
};

class Model {
 public:
  // A model directory, or a compiled model file (see save_compiled).
  static Result<std::shared_ptr<const Model>> load(const std::string& path,
                                                   LoadReport* report = nullptr);
  static Result<std::shared_ptr<const Model>> load_directory(const std::string& dir,
                                                             LoadReport* report = nullptr);
  static Result<std::shared_ptr<const Model>> load_compiled(const std::string& file);
  // Parses a compiled model held in memory (verified first).
  static Result<std::shared_ptr<const Model>> from_compiled(std::string_view bytes);
  // A foreign flat layer: every feature becomes a root leaf coded by `code_property`.
  static Result<std::shared_ptr<const Model>> import_layer(const std::string& geojson_file,
                                                           const std::string& code_property,
                                                           LoadReport* report = nullptr);

  Status save_compiled(const std::string& file) const;
  std::string to_compiled() const;

  const Territory& territory() const noexcept { return territory_; }
  const std::vector<Unit>& units() const noexcept { return units_; }
  const std::vector<Matter>& matters() const noexcept { return matters_; }
  const ResponsibilityIndex& responsibility() const noexcept { return responsibility_; }
  const GridIndex& leaf_index() const noexcept { return leaf_index_; }
  const GridIndex& zone_index() const noexcept { return zone_index_; }
  const std::vector<Calendar>& calendars() const noexcept { return calendars_; }
  const std::vector<SlaClass>& sla_classes() const noexcept { return sla_classes_; }
  // Index into calendars(), or kNoCalendar.
  uint32_t find_calendar(std::string_view id) const;

  UnitId find_unit(std::string_view code) const;
  MatterId find_matter(std::string_view code) const;

  // Point location under the exact rule of §1.
  void locate(LonLat point, Location& out) const;
  NodeId locate_leaf(LonLat point) const noexcept;

  // locate + resolve. `scratch` is reused for the zones.
  void route(MatterId matter, LonLat point, Route& out, Location& scratch) const;
  // For a case placed by territory code: that node in place of the leaf, no zones.
  void route_at(MatterId matter, NodeId place, Route& out) const;

  size_t index_memory_bytes() const noexcept;

  // Assembles a model from checked parts (used by the loaders).
  struct Parts;
  explicit Model(Parts parts);
  ~Model();

 private:
  Territory territory_;
  std::vector<Unit> units_;
  std::vector<Matter> matters_;
  ResponsibilityIndex responsibility_;
  GridIndex leaf_index_;
  GridIndex zone_index_;
  std::vector<Calendar> calendars_;
  std::vector<SlaClass> sla_classes_;
  struct Lookup;
  std::unique_ptr<Lookup> lookup_;
};

struct Model::Parts {
  Territory territory;
  std::vector<Unit> units;
  std::vector<Matter> matters;
  ResponsibilityIndex responsibility;
  GridIndex leaf_index;
  GridIndex zone_index;
  std::vector<Calendar> calendars;
  std::vector<SlaClass> sla_classes;
};

}  // namespace whistle
