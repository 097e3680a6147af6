#include <filesystem>
#include <unordered_map>

#include "calendar/loaders.hpp"
#include "common/csv.hpp"
#include "model/loaders.hpp"
#include "whistle/model.hpp"

namespace whistle {

struct Model::Lookup {
  std::unordered_map<std::string_view, uint32_t> units;
  std::unordered_map<std::string_view, uint32_t> matters;
};

Model::Model(Parts parts)
    : territory_(std::move(parts.territory)),
      units_(std::move(parts.units)),
      matters_(std::move(parts.matters)),
      responsibility_(std::move(parts.responsibility)),
      leaf_index_(std::move(parts.leaf_index)),
      zone_index_(std::move(parts.zone_index)),
      calendars_(std::move(parts.calendars)),
      sla_classes_(std::move(parts.sla_classes)),
      lookup_(std::make_unique<Lookup>()) {
  lookup_->units = model::index_by_code(units_);
  lookup_->matters = model::index_by_code(matters_);
}

Model::~Model() = default;

UnitId Model::find_unit(std::string_view code) const {
  auto it = lookup_->units.find(code);
  return it == lookup_->units.end() ? kNoUnit : it->second;
}

MatterId Model::find_matter(std::string_view code) const {
  auto it = lookup_->matters.find(code);
  return it == lookup_->matters.end() ? kNoMatter : it->second;
}

uint32_t Model::find_calendar(std::string_view id) const {
  for (uint32_t c = 0; c < calendars_.size(); ++c) {
    if (calendars_[c].id() == id) return c;
  }
  return kNoCalendar;
}

NodeId Model::locate_leaf(LonLat point) const noexcept {
  GridPoint q;
  if (!quantize(point, q)) return kNoNode;
  return leaf_index_.find_first(q);
}

void Model::locate(LonLat point, Location& out) const {
  out.zones.clear();
  GridPoint q;
  if (!quantize(point, q)) {
    out.leaf = kNoNode;
    return;
  }
  out.leaf = leaf_index_.find_first(q);
  if (!zone_index_.empty()) {
    zone_index_.for_each_containing(q, [&](uint32_t zone) { out.zones.push_back(zone); });
  }
}

void Model::route(MatterId matter, LonLat point, Route& out, Location& scratch) const {
  locate(point, scratch);
  responsibility_.resolve(matter, scratch.leaf, scratch.zones, out);
}

void Model::route_at(MatterId matter, NodeId place, Route& out) const {
  responsibility_.resolve(matter, place, {}, out);
}

size_t Model::index_memory_bytes() const noexcept {
  return leaf_index_.memory_bytes() + zone_index_.memory_bytes() + responsibility_.memory_bytes();
}

Result<std::shared_ptr<const Model>> Model::load(const std::string& path, LoadReport* report) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return load_directory(path, report);
  return load_compiled(path);
}

Result<std::shared_ptr<const Model>> Model::load_directory(const std::string& dir,
                                                           LoadReport* report) {
  namespace fs = std::filesystem;
  LoadReport local;
  auto read = [&](const char* name) { return csv::read_file((fs::path(dir) / name).string()); };

  auto geojson = read("territory.geojson");
  if (!geojson.ok()) return geojson.status();
  auto features = geo::read_features(*geojson, "territory.geojson");
  if (!features.ok()) return features.status();
  auto territory = model::build_territory(std::move(features).value(), "territory.geojson", false, &local);
  if (!territory.ok()) return territory.status();

  auto units_text = read("units.csv");
  if (!units_text.ok()) return units_text.status();
  auto units = model::load_units(*units_text, "units.csv", territory->territory);
  if (!units.ok()) return units.status();

  // Calendars and SLA classes are optional: a model without them routes but tracks no deadline.
  std::error_code ec;
  std::vector<Calendar> calendars;
  if (fs::exists(fs::path(dir) / "calendars.csv", ec)) {
    auto text = read("calendars.csv");
    if (!text.ok()) return text.status();
    auto loaded = model::load_calendars(*text, "calendars.csv", dir, &local);
    if (!loaded.ok()) return loaded.status();
    calendars = std::move(loaded).value();
  }
  std::vector<SlaClass> sla;
  std::vector<std::string> sla_classes;
  if (fs::exists(fs::path(dir) / "sla.csv", ec)) {
    auto text = read("sla.csv");
    if (!text.ok()) return text.status();
    auto loaded = model::load_sla(*text, "sla.csv", calendars);
    if (!loaded.ok()) return loaded.status();
    sla = std::move(loaded).value();
    for (const auto& c : sla) sla_classes.push_back(c.name);
  }
  auto matters_text = read("matters.csv");
  if (!matters_text.ok()) return matters_text.status();
  auto matters = model::load_matters(*matters_text, "matters.csv", sla_classes);
  if (!matters.ok()) return matters.status();
  for (Matter& m : *matters) {
    for (uint32_t c = 0; c < sla.size(); ++c) {
      if (sla[c].name == m.sla) m.sla_class = c;
    }
  }

  auto rules_text = read("rules.csv");
  if (!rules_text.ok()) return rules_text.status();
  auto rules = model::load_rules(*rules_text, "rules.csv", territory->territory, *units, *matters, &local);
  if (!rules.ok()) return rules.status();

  Parts parts{std::move(territory->territory), std::move(units).value(), std::move(matters).value(),
              std::move(rules).value(), std::move(territory->leaf_index),
              std::move(territory->zone_index), std::move(calendars), std::move(sla)};
  if (report) *report = std::move(local);
  return std::shared_ptr<const Model>(std::make_shared<Model>(std::move(parts)));
}

Result<std::shared_ptr<const Model>> Model::import_layer(const std::string& geojson_file,
                                                         const std::string& code_property,
                                                         LoadReport* report) {
  if (code_property.empty()) return Status::invalid("--code-property: empty property name");
  auto text = csv::read_file(geojson_file);
  if (!text.ok()) return text.status();
  const std::string file = std::filesystem::path(geojson_file).filename().string();
  auto features = geo::read_features(*text, file, {code_property});
  if (!features.ok()) return features.status();
  LoadReport local;
  auto territory = model::build_territory(std::move(features).value(), file, true, &local);
  if (!territory.ok()) return territory.status();
  Parts parts;
  parts.responsibility = ResponsibilityIndex(territory->territory, 0, {});
  parts.territory = std::move(territory->territory);
  parts.leaf_index = std::move(territory->leaf_index);
  parts.zone_index = std::move(territory->zone_index);
  if (report) *report = std::move(local);
  return std::shared_ptr<const Model>(std::make_shared<Model>(std::move(parts)));
}

}  // namespace whistle
