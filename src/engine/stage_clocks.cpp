// Stage clocks: opening a stage arms its first timer (the warning, else the deadline) in the
// case's timer lane; closing it cancels whatever timer is pending, once the operation is done
// (engine/undo.hpp). The report stage lives in summons records, one per summoned unit.
#include <algorithm>
#include <cassert>

#include "common/reserve.hpp"

#include "engine/engine_impl.hpp"
#include "engine/realtime_driver.hpp"

namespace whistle {

using engine::Case;
using engine::ClockPhase;
using engine::kNone;
using engine::Shard;
using engine::StageClock;
using engine::Summons;

const StageSla* Engine::Impl::stage_sla(const Model& m, MatterId matter, Stage stage, const Calendar** calendar) {
  const uint32_t cls = m.matters()[matter].sla_class;
  if (cls == kNoSlaClass) return nullptr;
  const StageSla& sla = m.sla_classes()[cls].stage(stage);
  if (!sla.has_deadline || sla.calendar == kNoCalendar) return nullptr;
  *calendar = &m.calendars()[sla.calendar];
  return &sla;
}

const StageSla* Engine::Impl::stage_sla(const Case& c, Stage stage, const Calendar** calendar) const {
  return stage_sla(version(c.version), c.matter, stage, calendar);
}

// The deadline (and warning) of a stage opened at `from`: pure arithmetic on the model, so a
// submission works it out before it takes the shard lock.
engine::StagePlan Engine::Impl::plan_stage(const Model& m, MatterId matter, Stage stage, Instant from) {
  engine::StagePlan plan;
  plan.stage = stage;
  const Calendar* calendar = nullptr;
  const StageSla* sla = stage_sla(m, matter, stage, &calendar);
  if (sla == nullptr) return plan;
  Calendar::Deadline deadline, warning;
  const bool warns = stage != Stage::revisit && sla->warn_before;
  if (!calendar->add_with_warning(from, sla->limit, warns ? &*sla->warn_before : nullptr, deadline,
                                  warns ? &warning : nullptr)) {
    return plan;  // beyond the calendar's range: no deadline
  }
  plan.has_deadline = true;
  plan.deadline = deadline.at;
  plan.warns = warns;
  plan.warning = warning.at;
  return plan;
}

void Engine::Impl::note_deadline(Instant at) noexcept {
  lower_next_due(at);
  if (realtime) realtime->wake_before(at);
}

void Engine::Impl::lower_next_due(Instant at) noexcept {
  Instant seen = next_due.load(std::memory_order_relaxed);
  while (at < seen && !next_due.compare_exchange_weak(seen, at, std::memory_order_seq_cst)) {
  }
}

// Arms a timer of the case under way, noted for an undo (the note's room is made first).
void Engine::Impl::arm_timer(const Case& c, TimerWheel::Handle& handle, Instant at, uint64_t payload) {
  engine::Undo& u = engine::scratch().undo;
  assert(u.c == &c);  // the operation's case: an undo cancels in its lane
  reserve_more(u.armed, 1);
  engine::TimerLane& l = lane(c.lane);
  {
    std::lock_guard lock(l.lock);
    handle = l.wheel.arm(at, payload);
    if (at < l.next_due.load(std::memory_order_relaxed)) l.next_due.store(at, std::memory_order_seq_cst);
  }
  u.armed.push_back(handle);
  note_deadline(at);
}

// Cancels a timer once the operation is done (an invalid handle is a no-op).
void Engine::Impl::cancel_timer([[maybe_unused]] const Case& c, TimerWheel::Handle handle) {
  if (handle == TimerWheel::kInvalidHandle) return;
  engine::Undo& u = engine::scratch().undo;
  assert(u.c == &c && u.cancel_count < engine::Undo::kMaxCancels);
  u.cancels[u.cancel_count++] = handle;
}

void Engine::Impl::arm_stage(Shard& s, uint32_t slot, Case& c, Stage stage, Instant from) {
  open_stage(s, slot, c, plan_stage(version(c.version), c.matter, stage, from));
}

void Engine::Impl::open_stage(Shard& s, uint32_t slot, Case& c, const engine::StagePlan& plan) {
  uint32_t index = 0;
  while (index < 2 && c.clocks[index].open) ++index;
  if (index == 2) return;  // cannot happen: at most accept and resolve are open together
  StageClock& clock = c.clocks[index];
  const uint16_t generation = static_cast<uint16_t>(clock.generation + 1);
  clock = StageClock{};
  clock.generation = generation;
  clock.open = true;
  clock.stage = plan.stage;
  if (!plan.has_deadline) return;
  clock.has_deadline = true;
  clock.deadline = plan.deadline;
  if (plan.warns) {
    clock.phase = ClockPhase::warn;
    arm_timer(c, clock.timer, plan.warning, engine::clock_payload(s.index, slot, index, generation));
  } else {
    clock.phase = plan.stage == Stage::revisit ? ClockPhase::expire : ClockPhase::breach;
    arm_timer(c, clock.timer, plan.deadline, engine::clock_payload(s.index, slot, index, generation));
  }
}

bool Engine::Impl::close_stage(Case& c, Stage stage) {
  for (StageClock& clock : c.clocks) {
    if (!clock.open || clock.stage != stage) continue;
    cancel_timer(c, clock.timer);
    clock.timer = TimerWheel::kInvalidHandle;
    clock.open = false;
    clock.phase = ClockPhase::idle;
    return clock.breached;
  }
  return false;
}

Summons* Engine::Impl::find_summons(Shard& s, const Case& c, UnitId unit, bool pending_only) {
  for (uint32_t i = c.summons; i != kNone; i = s.summons[i].next) {
    Summons& m = s.summons[i];
    if (m.unit == unit && (!pending_only || !m.reported)) return &m;
  }
  return nullptr;
}

// A new summons record at the head of the case's list, its report stage armed.
void Engine::Impl::summon(Shard& s, uint32_t slot, Case& c, UnitId unit, Instant at) {
  uint32_t index;
  if (s.free_summons != kNone) {  // records an undo gave back
    index = s.free_summons;
    s.free_summons = s.summons[index].next;
  } else {
    index = static_cast<uint32_t>(s.summons.size());
    s.summons.emplace_back();
  }
  // From here on the record heads the case's list: an undo gives back every record ahead of
  // the list's old head.
  Summons& m = s.summons[index];
  const uint16_t generation = static_cast<uint16_t>(m.generation + 1);
  m = Summons{};
  m.generation = generation;
  m.unit = unit;
  m.slot = slot;
  m.next = c.summons;
  c.summons = index;
  const Calendar* calendar = nullptr;
  const StageSla* sla = stage_sla(c, Stage::report, &calendar);
  Calendar::Deadline deadline;
  if (sla == nullptr || !calendar->add(at, sla->limit, deadline)) return;
  m.has_deadline = true;
  m.deadline = deadline.at;
  arm_timer(c, m.timer, deadline.at, engine::summons_payload(s.index, index, generation));
}

}  // namespace whistle
