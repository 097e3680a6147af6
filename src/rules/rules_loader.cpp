// rules.csv -> ResponsibilityIndex.
#include <array>
#include <map>
#include <unordered_map>

#include "common/csv.hpp"
#include "model/loaders.hpp"

namespace whistle::model {

Result<ResponsibilityIndex> load_rules(std::string_view text, std::string_view file,
                                       const Territory& territory, const std::vector<Unit>& units,
                                       const std::vector<Matter>& matters, LoadReport* report) {
  static constexpr std::array<std::string_view, 4> kColumns{"matter", "scope", "primary", "cooperating"};
  auto table = csv::Table::parse(text, file, kColumns);
  if (!table.ok()) return table.status();
  const csv::Table& t = *table;
  const auto unit_ids = index_by_code(units);
  const auto matter_ids = index_by_code(matters);

  ResponsibilityIndex::Input input;
  std::unordered_map<std::string_view, uint32_t> role_ids;
  std::vector<uint32_t> role_first_line;
  std::map<std::pair<MatterId, NodeId>, uint32_t> seen;  // (matter, scope) -> line

  auto parse_assignee = [&](const csv::Row& row, std::string_view field, std::string_view item,
                            Assignee& out) -> Status {
    if (item.empty()) return t.error(row, field, "empty unit");
    if (item.front() == '@') {
      const std::string_view kind = item.substr(1);
      if (kind.empty()) return t.error(row, field, "'@' needs a unit kind, e.g. @township");
      auto it = role_ids.find(kind);
      if (it == role_ids.end()) {
        it = role_ids.emplace(kind, static_cast<uint32_t>(input.role_kinds.size())).first;
        input.role_kinds.emplace_back(kind);
        role_first_line.push_back(row.line);
      }
      out = Assignee::role(it->second);
      return {};
    }
    auto it = unit_ids.find(item);
    if (it == unit_ids.end()) return t.error(row, field, "unknown unit '" + std::string(item) + "'");
    out = Assignee::unit(it->second);
    return {};
  };

  for (const auto& row : t.rows()) {
    Rule rule;
    rule.line = row.line;
    const std::string_view matter = t.get(row, "matter");
    auto mit = matter_ids.find(matter);
    if (mit == matter_ids.end()) return t.error(row, "matter", "unknown matter '" + std::string(matter) + "'");
    rule.matter = mit->second;
    const std::string_view scope = t.get(row, "scope");
    if (scope != "*") {
      rule.scope = territory.find(scope);
      if (rule.scope == kNoNode) {
        return t.error(row, "scope", "unknown territory or zone code '" + std::string(scope) + "'");
      }
    }
    if (auto [it, inserted] = seen.emplace(std::pair{rule.matter, rule.scope}, row.line); !inserted) {
      return t.error(row, "scope", "a second rule for matter '" + std::string(matter) + "' and scope '" +
                                       std::string(scope) + "' (first on line " +
                                       std::to_string(it->second) + ")");
    }
    WHISTLE_RETURN_IF_ERROR(parse_assignee(row, "primary", t.get(row, "primary"), rule.primary));
    rule.first_cooperating = static_cast<uint32_t>(input.cooperating.size());
    for (std::string_view item : csv::split_list(t.get(row, "cooperating"))) {
      Assignee a;
      WHISTLE_RETURN_IF_ERROR(parse_assignee(row, "cooperating", item, a));
      input.cooperating.push_back(a);
    }
    rule.cooperating_count = static_cast<uint32_t>(input.cooperating.size()) - rule.first_cooperating;
    rule.note = std::string(t.get(row, "note"));
    input.rules.push_back(std::move(rule));
  }

  // Roles: the unit of each used kind serving each node; two of one kind make it ambiguous.
  const size_t roles = input.role_kinds.size();
  input.role_units.assign(territory.size() * roles, kNoUnit);
  for (UnitId u = 0; u < units.size(); ++u) {
    auto it = role_ids.find(units[u].kind);
    if (it == role_ids.end()) continue;
    UnitId& slot = input.role_units[size_t{units[u].territory} * roles + it->second];
    if (slot != kNoUnit) {
      return Status::invalid(std::string(file) + ":" + std::to_string(role_first_line[it->second]) +
                             ": role '@" + units[u].kind + "' is ambiguous: units '" +
                             units[slot].code + "' and '" + units[u].code + "' both serve '" +
                             std::string(territory.code(units[u].territory)) + "'");
    }
    slot = u;
  }
  if (report) {
    std::vector<uint8_t> has_rule(matters.size(), 0);
    for (const Rule& r : input.rules) has_rule[r.matter] = 1;
    for (MatterId m = 0; m < matters.size(); ++m) {
      if (!has_rule[m]) report->warnings.push_back(std::string(file) + ": matter '" + matters[m].code + "' has no rule");
    }
    for (size_t r = 0; r < roles; ++r) {
      bool any = false;
      for (const Unit& u : units) any = any || u.kind == input.role_kinds[r];
      if (!any) {
        report->warnings.push_back(std::string(file) + ":" + std::to_string(role_first_line[r]) +
                                   ": no unit has kind '" + input.role_kinds[r] +
                                   "': cases needing '@" + input.role_kinds[r] + "' stay unrouted");
      }
    }
  }
  return ResponsibilityIndex(territory, matters.size(), std::move(input));
}

}  // namespace whistle::model
