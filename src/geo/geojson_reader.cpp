#include "geo/geojson_reader.hpp"

#include <simdjson.h>

#include <cmath>

#include "common/strings.hpp"

namespace whistle::geo {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr size_t kMaxCodeBytes = 32;

class FeatureReader {
 public:
  FeatureReader(std::string_view file, const ReadOptions& options) : file_(file), options_(options) {}

  Status read(element root, std::vector<Feature>& out) {
    object collection;
    if (root.get_object().get(collection)) return fail_top("the top level is not a JSON object");
    std::string_view type;
    if (collection["type"].get_string().get(type) || type != "FeatureCollection") {
      return fail_top("field 'type': expected \"FeatureCollection\"");
    }
    array features;
    if (collection["features"].get_array().get(features)) {
      return fail_top("field 'features': expected an array");
    }
    uint32_t index = 0;
    for (element f : features) {
      Feature feature;
      feature.index = index;
      WHISTLE_RETURN_IF_ERROR(read_feature(f, feature));
      out.push_back(std::move(feature));
      ++index;
    }
    return {};
  }

 private:
  Status fail_top(std::string_view what) const {
    return Status::invalid(std::string(file_) + ": " + std::string(what));
  }
  Status fail(const Feature& f, std::string_view field, std::string_view what) const {
    std::string msg = std::string(file_) + ": feature " + std::to_string(f.index);
    if (!f.code.empty()) msg += " (code '" + f.code + "')";
    msg += ": field '" + std::string(field) + "': " + std::string(what);
    return Status::invalid(std::move(msg));
  }

  Status read_feature(element el, Feature& f) {
    object feature;
    if (el.get_object().get(feature)) return fail(f, "feature", "expected an object");
    object props;
    if (feature["properties"].get_object().get(props)) {
      return fail(f, "properties", "expected an object");
    }
    if (options_.code_property.empty()) {
      WHISTLE_RETURN_IF_ERROR(read_territory_properties(props, f));
    } else {
      WHISTLE_RETURN_IF_ERROR(read_flat_properties(props, f));
    }
    element geometry;
    if (feature["geometry"].get(geometry) || geometry.is_null()) {
      if (!options_.code_property.empty()) return fail(f, "geometry", "missing");
      return {};
    }
    return read_geometry(geometry, f);
  }

  Status read_code(element value, Feature& f, std::string_view field) {
    std::string_view text;
    int64_t integer;
    if (!value.get_string().get(text)) {
      f.code = std::string(text);
    } else if (!value.get_int64().get(integer)) {
      f.code = std::to_string(integer);
    } else {
      return fail(f, field, "expected a string");
    }
    if (f.code.empty()) return fail(f, field, "empty code");
    if (f.code.size() > kMaxCodeBytes) {
      return fail(f, field, "code longer than 32 bytes");
    }
    if (f.code == "*" || f.code.find_first_of(",;\r\n") != std::string::npos) {
      return fail(f, field, "code may not be '*' or contain ',', ';' or a line break");
    }
    return {};
  }

  Status read_territory_properties(object props, Feature& f) {
    element value;
    if (props["code"].get(value)) return fail(f, "properties.code", "missing");
    if (!value.is_string()) return fail(f, "properties.code", "expected a string");
    WHISTLE_RETURN_IF_ERROR(read_code(value, f, "properties.code"));
    std::string_view text;
    if (!props["name"].get(value) && !value.is_null()) {
      if (value.get_string().get(text)) return fail(f, "properties.name", "expected a string");
      f.name = std::string(text);
    } else {
      f.name = f.code;
    }
    if (props["level"].get(value) || value.get_string().get(text)) {
      return fail(f, "properties.level", "missing or not a string");
    }
    auto level = parse_level(text);
    if (!level) {
      return fail(f, "properties.level",
                  "unknown level '" + std::string(text) +
                      "' (province, city, county, township, community, grid, subgrid, zone)");
    }
    f.level = *level;
    if (!props["parent"].get(value) && !value.is_null()) {
      if (value.get_string().get(text) || text.empty()) {
        return fail(f, "properties.parent", "expected a non-empty string");
      }
      f.parent = std::string(text);
    }
    return {};
  }

  Status read_flat_properties(object props, Feature& f) {
    const std::string field = "properties." + options_.code_property;
    element value;
    if (props[options_.code_property].get(value) || value.is_null()) return fail(f, field, "missing");
    WHISTLE_RETURN_IF_ERROR(read_code(value, f, field));
    std::string_view text;
    if (!props["name"].get(value) && !value.get_string().get(text)) {
      f.name = std::string(text);
    } else {
      f.name = f.code;
    }
    f.level = Level::grid;
    return {};
  }

  Status read_geometry(element geometry, Feature& f) {
    object g;
    if (geometry.get_object().get(g)) return fail(f, "geometry", "expected an object or null");
    std::string_view type;
    if (g["type"].get_string().get(type)) return fail(f, "geometry.type", "missing");
    array coords;
    if (g["coordinates"].get_array().get(coords)) {
      return fail(f, "geometry.coordinates", "expected an array");
    }
    if (type == "Polygon") {
      WHISTLE_RETURN_IF_ERROR(read_polygon(coords, f, "geometry.coordinates"));
    } else if (type == "MultiPolygon") {
      size_t p = 0;
      for (element polygon : coords) {
        array rings;
        const std::string field = "geometry.coordinates[" + std::to_string(p) + "]";
        if (polygon.get_array().get(rings)) return fail(f, field, "expected an array of rings");
        WHISTLE_RETURN_IF_ERROR(read_polygon(rings, f, field));
        ++p;
      }
      if (p == 0) return fail(f, "geometry.coordinates", "a MultiPolygon with no polygon");
    } else {
      return fail(f, "geometry.type",
                  strings::quoted(type) + " is not Polygon or MultiPolygon");
    }
    f.has_geometry = true;
    return {};
  }

  Status read_polygon(array rings, Feature& f, const std::string& field) {
    size_t r = 0;
    for (element ring : rings) {
      WHISTLE_RETURN_IF_ERROR(read_ring(ring, f, field + "[" + std::to_string(r) + "]"));
      ++r;
    }
    if (r == 0) return fail(f, field, "a polygon with no ring");
    return {};
  }

  Status read_ring(element ring_el, Feature& f, const std::string& field) {
    array ring;
    if (ring_el.get_array().get(ring)) return fail(f, field, "expected an array of positions");
    points_.clear();
    size_t k = 0;
    for (element pos : ring) {
      array xy;
      double lon, lat;
      const std::string pfield = field + "[" + std::to_string(k) + "]";
      if (pos.get_array().get(xy) || xy.size() < 2 || xy.at(0).get_double().get(lon) ||
          xy.at(1).get_double().get(lat)) {
        return fail(f, pfield, "expected a position [lon, lat]");
      }
      if (!std::isfinite(lon) || !std::isfinite(lat) || lon < -180 || lon > 180 || lat < -90 ||
          lat > 90) {
        return fail(f, pfield, "coordinates out of range (lon in [-180, 180], lat in [-90, 90])");
      }
      GridPoint q;
      quantize({lon, lat}, q);
      if (!points_.empty() && std::abs(int64_t{q.x} - points_.back().x) > 1'800'000'000) {
        return fail(f, pfield, "the ring crosses the antimeridian (split it into two polygons)");
      }
      points_.push_back(q);
      ++k;
    }
    if (points_.size() < 4) {
      return fail(f, field, "a ring needs at least 4 positions, found " + std::to_string(points_.size()));
    }
    if (!(points_.front() == points_.back())) {
      return fail(f, field, "the ring is not closed (first and last positions differ)");
    }
    for (size_t i = 0; i + 1 < points_.size(); ++i) {
      const GridPoint a = points_[i], b = points_[i + 1];
      if (a == b) continue;
      Edge e = a.y <= b.y ? Edge{a.x, a.y, b.x, b.y} : Edge{b.x, b.y, a.x, a.y};
      f.edges.push_back(e);
    }
    return {};
  }

  std::string_view file_;
  const ReadOptions& options_;
  std::vector<GridPoint> points_;
};

}  // namespace

Result<std::vector<Feature>> read_features(std::string_view json, std::string_view file,
                                           const ReadOptions& options) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  element root;
  if (auto error = parser.parse(padded).get(root)) {
    return Status::invalid(std::string(file) + ": invalid JSON: " + simdjson::error_message(error));
  }
  std::vector<Feature> features;
  WHISTLE_RETURN_IF_ERROR(FeatureReader(file, options).read(root, features));
  return features;
}

}  // namespace whistle::geo
