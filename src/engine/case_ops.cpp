// Small pieces of case state shared by operations and timers: cooperating lists, events,
// closing.
#include <algorithm>
#include <cassert>

#include "engine/engine_impl.hpp"

namespace whistle {

using engine::Case;
using engine::kNone;
using engine::Shard;

std::span<const UnitId> Engine::Impl::cooperating(const Shard& s, const Case& c) const {
  if (c.cooperating_extra != kNone) return s.extra_cooperating[c.cooperating_extra];
  return {c.cooperating, c.cooperating_count};
}

// A list beyond the record's inline room is a fresh one: the case's old list (if any) is given
// back once the operation is done, and the fresh one if it fails.
void Engine::Impl::set_cooperating(Shard& s, Case& c, std::span<const UnitId> units) {
  engine::Undo& u = engine::scratch().undo;
  const uint32_t old = c.cooperating_extra;
  if (units.size() <= engine::kInlineCooperating) {
    std::copy(units.begin(), units.end(), c.cooperating);
    c.cooperating_count = static_cast<uint8_t>(units.size());
    c.cooperating_extra = kNone;
  } else {
    const uint32_t fresh = s.take_cooperating_list();
    u.flags |= engine::Undo::kNewExtra;  // before anything that may fail: an undo gives it back
    u.new_extra = fresh;
    s.extra_cooperating[fresh].assign(units.begin(), units.end());
    c.cooperating_extra = fresh;
    c.cooperating_count = 0;
  }
  if (old != kNone) {
    u.flags |= engine::Undo::kReleasedExtra;
    u.released_extra = old;
  }
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
  if (c.cooperating_extra == kNone) {  // the inline ones and this one move to a list
    UnitId all[engine::kInlineCooperating + 1];
    std::copy(c.cooperating, c.cooperating + c.cooperating_count, all);
    all[c.cooperating_count] = unit;
    set_cooperating(s, c, {all, size_t{c.cooperating_count} + 1});
    return;
  }
  engine::Undo& u = engine::scratch().undo;
  std::vector<UnitId>& list = s.extra_cooperating[c.cooperating_extra];
  const bool own = !(u.has(engine::Undo::kNewExtra) && u.new_extra == c.cooperating_extra);
  if (own && !u.has(engine::Undo::kGrownExtra)) {  // the case's list before: cut back on undo
    u.flags |= engine::Undo::kGrownExtra;
    u.grown_extra = c.cooperating_extra;
    u.grown_from = list.size();
  }
  list.push_back(unit);
}

std::span<const UnitId> Engine::Impl::assignees(Shard& s, const Case& c) {
  std::vector<UnitId>& units = engine::scratch().units;
  units.clear();
  if (c.primary != kNoUnit) units.push_back(c.primary);
  const auto list = cooperating(s, c);
  units.insert(units.end(), list.begin(), list.end());
  return units;
}

void Engine::Impl::emit(const Case& c, EventKind kind, Instant at, UnitId actor, std::span<const UnitId> units,
                        uint8_t stage, std::string_view detail) {
  engine::Undo& u = engine::scratch().undo;
  assert(!u.has(engine::Undo::kStaged));  // one event per operation
  EventDraft& e = u.event;
  if (units.size() <= engine::Undo::kInlineUnits) {
    std::copy(units.begin(), units.end(), u.inline_units);
    e.units = {u.inline_units, units.size()};
  } else {
    u.units.assign(units.begin(), units.end());
    e.units = u.units;
  }
  e.kind = kind;
  e.case_id = c.id;
  e.at = at;
  e.actor = actor;
  e.stage = stage;
  e.level = c.level;
  e.detail = detail;  // the model's text, a literal or the caller's argument: alive until commit
  u.flags |= engine::Undo::kStaged;
}

// The case's clocks close now; its summons' timers, and its count as open, once done.
void Engine::Impl::close_case(Case& c) {
  for (engine::StageClock& clock : c.clocks) {
    if (clock.open) close_stage(c, clock.stage);
  }
  c.state = CaseState::closed;
  engine::scratch().undo.flags |= engine::Undo::kClosed;
}

}  // namespace whistle
