// Stage clocks: opening a stage arms its first timer (the warning, else the deadline) on the
// shard's wheel; closing it cancels whatever timer is pending. The report stage lives in
// summons records, one per summoned unit.
#include <algorithm>

#include "engine/engine_impl.hpp"
#include "engine/realtime_driver.hpp"

namespace whistle {

using engine::Case;
using engine::ClockPhase;
using engine::kNone;
using engine::Shard;
using engine::StageClock;
using engine::Summons;

const StageSla* Engine::Impl::stage_sla(const Case& c, Stage stage, const Calendar** calendar) const {
  const Model& m = version(c.version);
  const Matter& matter = m.matters()[c.matter];
  if (matter.sla_class == kNoSlaClass) return nullptr;
  const StageSla& sla = m.sla_classes()[matter.sla_class].stage(stage);
  if (!sla.has_deadline || sla.calendar == kNoCalendar) return nullptr;
  *calendar = &m.calendars()[sla.calendar];
  return &sla;
}

void Engine::Impl::note_deadline(Instant at) noexcept {
  Instant seen = next_due.load(std::memory_order_relaxed);
  while (at < seen && !next_due.compare_exchange_weak(seen, at, std::memory_order_acq_rel)) {
  }
  if (realtime) realtime->wake_before(at);
}

void Engine::Impl::arm_timer(Shard& s, TimerWheel::Handle& handle, Instant at, uint64_t payload) {
  handle = s.wheel.arm(at, payload);
  note_deadline(at);
}

void Engine::Impl::arm_stage(Shard& s, uint32_t slot, Case& c, Stage stage, Instant from) {
  uint32_t index = 0;
  while (index < 2 && c.clocks[index].open) ++index;
  if (index == 2) return;  // cannot happen: at most accept and resolve are open together
  StageClock& clock = c.clocks[index];
  const uint16_t generation = static_cast<uint16_t>(clock.generation + 1);
  clock = StageClock{};
  clock.generation = generation;
  clock.open = true;
  clock.stage = stage;
  clock.started = from;
  const Calendar* calendar = nullptr;
  const StageSla* sla = stage_sla(c, stage, &calendar);
  if (sla == nullptr) return;
  Calendar::Deadline deadline;
  if (!calendar->add(from, sla->limit, deadline)) return;  // beyond the calendar's range
  clock.has_deadline = true;
  clock.deadline = deadline.at;
  Calendar::Deadline warning;
  const bool warns = stage != Stage::revisit && sla->warn_before &&
                     calendar->warning(from, sla->limit, *sla->warn_before, warning);
  if (warns) {
    clock.phase = ClockPhase::warn;
    arm_timer(s, clock.timer, warning.at, engine::clock_payload(slot, index, generation));
  } else {
    clock.phase = stage == Stage::revisit ? ClockPhase::expire : ClockPhase::breach;
    arm_timer(s, clock.timer, deadline.at, engine::clock_payload(slot, index, generation));
  }
}

bool Engine::Impl::close_stage(Shard& s, Case& c, Stage stage) {
  for (StageClock& clock : c.clocks) {
    if (!clock.open || clock.stage != stage) continue;
    if (clock.timer != TimerWheel::kInvalidHandle) s.wheel.cancel(clock.timer);
    clock.timer = TimerWheel::kInvalidHandle;
    clock.open = false;
    clock.phase = ClockPhase::idle;
    return clock.breached;
  }
  return false;
}

void Engine::Impl::close_all_timers(Shard& s, Case& c) {
  for (StageClock& clock : c.clocks) {
    if (clock.open) close_stage(s, c, clock.stage);
  }
  for (uint32_t i = c.summons; i != kNone; i = s.summons[i].next) {
    Summons& m = s.summons[i];
    if (m.timer != TimerWheel::kInvalidHandle) s.wheel.cancel(m.timer);
    m.timer = TimerWheel::kInvalidHandle;
  }
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
  if (s.free_summons != kNone) {
    index = s.free_summons;
    s.free_summons = s.summons[index].next;
  } else {
    index = static_cast<uint32_t>(s.summons.size());
    s.summons.emplace_back();
  }
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
  arm_timer(s, m.timer, deadline.at, engine::summons_payload(index, generation));
}

}  // namespace whistle
