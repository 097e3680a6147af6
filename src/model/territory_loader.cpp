#include <algorithm>
#include <unordered_map>

#include "model/loaders.hpp"

namespace whistle::model {
namespace {

constexpr size_t kMaxOverlapWarnings = 20;

Status feature_error(std::string_view file, const geo::Feature& f, std::string_view field,
                     std::string_view what) {
  return Status::invalid(std::string(file) + ": feature " + std::to_string(f.index) + " (code '" +
                         f.code + "'): field '" + std::string(field) + "': " + std::string(what));
}

}  // namespace

NodeId find_cycle(const std::vector<NodeId>& parents) {
  // Walk up from every node, marking nodes known to reach a root.
  std::vector<uint8_t> state(parents.size(), 0);  // 0 unknown, 1 on this walk, 2 reaches a root
  std::vector<NodeId> walk;
  for (NodeId start = 0; start < parents.size(); ++start) {
    walk.clear();
    NodeId at = start;
    while (at != kNoNode && state[at] == 0) {
      state[at] = 1;
      walk.push_back(at);
      at = parents[at];
    }
    if (at != kNoNode && state[at] == 1) return at;
    for (NodeId k : walk) state[k] = 2;
  }
  return kNoNode;
}

Result<TerritoryPart> build_territory(std::vector<geo::Feature> features, std::string_view file,
                                      bool flat, LoadReport* report) {
  if (features.empty()) return Status::invalid(std::string(file) + ": no features");
  if (features.size() >= (size_t{1} << 30)) return Status::invalid(std::string(file) + ": too many features");
  if (flat) {
    // A flat layer may split one region over several features with the same code: they are
    // merged into one leaf (its edges together, so its parts stay parts).
    std::unordered_map<std::string, size_t> first;
    std::vector<geo::Feature> merged;
    for (auto& f : features) {
      auto [it, inserted] = first.emplace(f.code, merged.size());
      if (inserted) {
        merged.push_back(std::move(f));
        continue;
      }
      geo::Feature& into = merged[it->second];
      into.edges.insert(into.edges.end(), f.edges.begin(), f.edges.end());
      if (report) {
        report->warnings.push_back(std::string(file) + ": features " + std::to_string(into.index) + " and " +
                                   std::to_string(f.index) + " share code '" + f.code +
                                   "': merged into one leaf");
      }
    }
    features = std::move(merged);
  }
  // Node ids are positions in `features`; messages use each feature's index in the file.
  std::unordered_map<std::string_view, NodeId> by_code;
  by_code.reserve(features.size());
  for (NodeId i = 0; i < features.size(); ++i) {
    auto [it, inserted] = by_code.emplace(features[i].code, i);
    if (!inserted) {
      return feature_error(file, features[i], "properties.code",
                           "duplicate code (first used by feature " + std::to_string(features[it->second].index) + ")");
    }
  }
  std::vector<Territory::NodeData> nodes(features.size());
  const geo::Feature* root = nullptr;
  for (NodeId i = 0; i < features.size(); ++i) {
    const geo::Feature& f = features[i];
    auto& node = nodes[i];
    node.code = f.code;
    node.name = f.name;
    node.level = f.level;
    if (f.parent.empty()) {
      if (flat) continue;
      if (f.level == Level::zone) return feature_error(file, f, "properties.parent", "a zone needs a parent");
      if (root) {
        return feature_error(file, f, "properties.parent",
                             "missing; only the root may have none and feature " +
                                 std::to_string(root->index) + " ('" + root->code + "') is the root");
      }
      root = &f;
      continue;
    }
    auto it = by_code.find(f.parent);
    if (it == by_code.end()) {
      return feature_error(file, f, "properties.parent", "unknown code '" + f.parent + "'");
    }
    node.parent = it->second;
  }
  if (!flat && !root) return Status::invalid(std::string(file) + ": no root (every feature has a parent: a cycle)");
  std::vector<NodeId> parents(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) parents[i] = nodes[i].parent;
  if (const NodeId at = find_cycle(parents); at != kNoNode) {
    std::string cycle = nodes[at].code;
    for (NodeId k = nodes[at].parent; k != at; k = nodes[k].parent) cycle += " -> " + nodes[k].code;
    cycle += " -> " + nodes[at].code;
    return feature_error(file, features[at], "properties.parent", "cycle " + cycle);
  }
  for (NodeId i = 0; i < features.size(); ++i) {
    const geo::Feature& f = features[i];
    const NodeId p = nodes[i].parent;
    if (p != kNoNode && nodes[p].level == Level::zone && f.level != Level::zone) {
      return feature_error(file, f, "properties.parent", "a zone cannot be the parent of a non-zone node");
    }
  }
  Territory territory(std::move(nodes));
  std::vector<GridIndex::Shape> leaves, zones;
  for (NodeId i = 0; i < features.size(); ++i) {
    const geo::Feature& f = features[i];
    const bool needs_geometry = territory.is_leaf(i) || territory.is_zone(i);
    if (needs_geometry && !f.has_geometry) {
      return feature_error(file, f, "geometry",
                           territory.is_zone(i) ? "a zone needs a geometry"
                                                      : "a leaf of the tree needs a geometry");
    }
    if (territory.is_leaf(i)) leaves.push_back({i, f.edges});
    if (territory.is_zone(i)) zones.push_back({i, f.edges});
  }
  GridIndex::Overlaps overlaps;
  TerritoryPart part;
  part.leaf_index = GridIndex::build(leaves, GridIndex::Mode::first_match, &overlaps);
  part.zone_index = GridIndex::build(zones, GridIndex::Mode::all_matches);
  if (report) {
    for (size_t i = 0; i < overlaps.size() && i < kMaxOverlapWarnings; ++i) {
      const auto [a, b] = overlaps[i];
      report->warnings.push_back(std::string(file) + ": leaves '" + std::string(territory.code(a)) +
                                 "' and '" + std::string(territory.code(b)) +
                                 "' overlap; points in both belong to '" +
                                 std::string(territory.code(std::min(a, b))) + "' (first in file)");
    }
    if (overlaps.size() > kMaxOverlapWarnings) {
      report->warnings.push_back(std::string(file) + ": " +
                                 std::to_string(overlaps.size() - kMaxOverlapWarnings) +
                                 " more overlapping leaf pairs");
    }
  }
  part.territory = std::move(territory);
  return part;
}

}  // namespace whistle::model
