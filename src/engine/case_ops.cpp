// Small pieces of case state shared by operations and timers: cooperating lists, events,
// closing.
#include <algorithm>

#include "engine/engine_impl.hpp"

namespace whistle {

using engine::Case;
using engine::kNone;
using engine::Shard;

std::span<const UnitId> Engine::Impl::cooperating(const Shard& s, const Case& c) const {
  if (c.cooperating_extra != kNone) return s.extra_cooperating[c.cooperating_extra];
  return {c.cooperating, c.cooperating_count};
}

void Engine::Impl::set_cooperating(Shard& s, Case& c, std::span<const UnitId> units) {
  if (units.size() <= engine::kInlineCooperating) {
    if (c.cooperating_extra != kNone) {
      s.extra_cooperating[c.cooperating_extra].clear();
      s.free_extra.push_back(c.cooperating_extra);
      c.cooperating_extra = kNone;
    }
    std::copy(units.begin(), units.end(), c.cooperating);
    c.cooperating_count = static_cast<uint8_t>(units.size());
    return;
  }
  if (c.cooperating_extra == kNone) {
    if (!s.free_extra.empty()) {
      c.cooperating_extra = s.free_extra.back();
      s.free_extra.pop_back();
    } else {
      c.cooperating_extra = static_cast<uint32_t>(s.extra_cooperating.size());
      s.extra_cooperating.emplace_back();
    }
  }
  s.extra_cooperating[c.cooperating_extra].assign(units.begin(), units.end());
  c.cooperating_count = 0;
}

bool Engine::Impl::is_cooperating(const Shard& s, const Case& c, UnitId unit) const {
  const auto list = cooperating(s, c);
  return std::find(list.begin(), list.end(), unit) != list.end();
}

void Engine::Impl::add_cooperating(Shard& s, Case& c, UnitId unit) {
  if (c.cooperating_extra == kNone && c.cooperating_count < engine::kInlineCooperating) {
    c.cooperating[c.cooperating_count++] = unit;
    return;
  }
  if (c.cooperating_extra == kNone) {
    std::vector<UnitId> all(c.cooperating, c.cooperating + c.cooperating_count);
    all.push_back(unit);
    set_cooperating(s, c, all);
    return;
  }
  s.extra_cooperating[c.cooperating_extra].push_back(unit);
}

std::span<const UnitId> Engine::Impl::assignees(Shard& s, const Case& c) {
  std::vector<UnitId>& units = engine::scratch().units;
  units.clear();
  if (c.primary != kNoUnit) units.push_back(c.primary);
  const auto list = cooperating(s, c);
  units.insert(units.end(), list.begin(), list.end());
  return units;
}

void Engine::Impl::emit(Shard& s, const Case& c, EventKind kind, Instant at, UnitId actor,
                            std::span<const UnitId> units, uint8_t stage, std::string_view detail) {
  EventDraft e;
  e.kind = kind;
  e.case_id = c.id;
  e.at = at;
  e.actor = actor;
  e.stage = stage;
  e.level = c.level;
  e.units = units;
  e.detail = detail;
  log.append(s.index, s.events, e, engine::scratch().facts);
  ++s.events;  // only once the event is in: a bad_alloc from append leaves no gap in the count
  engine::scratch().facts.clear();
}

void Engine::Impl::close_case(Shard& s, Case& c) {
  close_all_timers(s, c);
  c.state = CaseState::closed;
  s.count_closed(c.version);
}

}  // namespace whistle
