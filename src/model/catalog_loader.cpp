// units.csv and matters.csv.
#include <algorithm>
#include <array>
#include <unordered_map>

#include "common/csv.hpp"
#include "model/loaders.hpp"

namespace whistle {

std::string_view platform_name(Platform p) noexcept {
  switch (p) {
    case Platform::none: return "";
    case Platform::zongzhi: return "zongzhi";
    case Platform::market: return "market";
    case Platform::enforcement: return "enforcement";
    case Platform::service: return "service";
  }
  return "";
}

}  // namespace whistle

namespace whistle::model {
namespace {

constexpr size_t kMaxCodeBytes = 32;

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

Status check_code(const csv::Table& t, const csv::Row& row, std::string_view field,
                  std::string_view code) {
  if (code.empty()) return t.error(row, field, "empty");
  if (code.size() > kMaxCodeBytes) return t.error(row, field, "longer than 32 bytes");
  if (code.front() == '@' || code == "*" || code.find(';') != std::string_view::npos) {
    return t.error(row, field, "may not start with '@', be '*' or contain ';'");
  }
  return {};
}

}  // namespace

Result<std::vector<Unit>> load_units(std::string_view text, std::string_view file,
                                     const Territory& territory) {
  static constexpr std::array<std::string_view, 4> kColumns{"code", "name", "kind", "territory"};
  auto table = csv::Table::parse(text, file, kColumns);
  if (!table.ok()) return table.status();
  const csv::Table& t = *table;
  std::vector<Unit> units;
  std::unordered_map<std::string, uint32_t> first_line;
  for (const auto& row : t.rows()) {
    Unit u;
    u.code = std::string(t.get(row, "code"));
    WHISTLE_RETURN_IF_ERROR(check_code(t, row, "code", u.code));
    if (auto [it, inserted] = first_line.emplace(u.code, row.line); !inserted) {
      return t.error(row, "code", "duplicate unit '" + u.code + "' (first on line " +
                                      std::to_string(it->second) + ")");
    }
    u.name = std::string(t.get(row, "name"));
    u.kind = std::string(t.get(row, "kind"));
    if (!is_token(u.kind)) {
      return t.error(row, "kind", "'" + u.kind + "' is not a token (a-z, 0-9, '_', '.', '-')");
    }
    const std::string_view node = t.get(row, "territory");
    u.territory = territory.find(node);
    if (u.territory == kNoNode) {
      return t.error(row, "territory", "unknown territory code '" + std::string(node) + "'");
    }
    const std::string_view platform = t.get(row, "platform");
    if (!platform.empty()) {
      bool known = false;
      for (Platform p : {Platform::zongzhi, Platform::market, Platform::enforcement, Platform::service}) {
        if (platform_name(p) == platform) {
          u.platform = p;
          known = true;
        }
      }
      if (!known) {
        return t.error(row, "platform", "unknown platform '" + std::string(platform) +
                                            "' (zongzhi, market, enforcement, service)");
      }
    }
    units.push_back(std::move(u));
  }
  if (units.size() >= Assignee::kRoleBit) return Status::invalid(std::string(file) + ": too many units");
  return units;
}

Result<std::vector<Matter>> load_matters(std::string_view text, std::string_view file,
                                         const std::vector<std::string>& sla_classes) {
  static constexpr std::array<std::string_view, 5> kColumns{"code", "name", "domain", "category", "sla"};
  auto table = csv::Table::parse(text, file, kColumns);
  if (!table.ok()) return table.status();
  const csv::Table& t = *table;
  std::vector<Matter> matters;
  std::unordered_map<std::string, uint32_t> first_line;
  for (const auto& row : t.rows()) {
    Matter m;
    m.code = std::string(t.get(row, "code"));
    WHISTLE_RETURN_IF_ERROR(check_code(t, row, "code", m.code));
    if (auto [it, inserted] = first_line.emplace(m.code, row.line); !inserted) {
      return t.error(row, "code", "duplicate matter '" + m.code + "' (first on line " +
                                      std::to_string(it->second) + ")");
    }
    m.name = std::string(t.get(row, "name"));
    m.domain = std::string(t.get(row, "domain"));
    m.category = std::string(t.get(row, "category"));
    m.sla = std::string(t.get(row, "sla"));
    if (m.sla.empty()) return t.error(row, "sla", "empty");
    if (!sla_classes.empty() &&
        std::find(sla_classes.begin(), sla_classes.end(), m.sla) == sla_classes.end()) {
      return t.error(row, "sla", "unknown SLA class '" + m.sla + "' (not in sla.csv)");
    }
    matters.push_back(std::move(m));
  }
  return matters;
}

}  // namespace whistle::model
