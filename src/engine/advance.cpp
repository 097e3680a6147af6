// The clock: advance() fires every timer due up to `now` in deadline order across all shards.
//
// Timers live in timer lanes (a case's in its submitter's lane, see TimerLane). advance() works
// in windows shorter than a minute: every lane hands over its timers due in the window, the
// batch is sorted by (deadline, rank, case id, …) — warnings, then breaches, then escalations,
// each in case-id order — and fired one by one under each case's shard lock. A window may be
// this short because no timer arms another within a minute of itself (the smallest duration
// is 1m; warnings precede deadlines by a whole unit), so nothing armed while firing a window
// falls inside it; the one exception, the escalation that follows a breach at the same
// instant, is merged into the running batch. Out of memory, the batch stays open (AdvanceBatch)
// and the next advance finishes it, beginning with the timer whose firing failed (and was
// taken back).
#include <algorithm>

#include "common/reserve.hpp"
#include "engine/engine_impl.hpp"

namespace whistle {

using engine::Case;
using engine::ClockPhase;
using engine::DueTimer;
using engine::kNone;
using engine::Shard;
using engine::StageClock;

namespace {
constexpr Instant kWindowMs = 60'000;
constexpr uint8_t stage_of(Stage s) { return static_cast<uint8_t>(s); }
}  // namespace

// Rebuilds the lower bound on every lane's earliest timer from the lanes' own bounds. An arm
// racing with this lowers its lane's bound and then the global one itself; the reset comes
// first, so either the scan sees the lane's new bound or the arm's lowering comes after it.
void Engine::Impl::refresh_next_due() {
  next_due.store(TimerWheel::kNever, std::memory_order_seq_cst);
  Instant lowest = TimerWheel::kNever;
  for (uint32_t i = 0; i < lane_count(); ++i) lowest = std::min(lowest, lane(i).next_due.load(std::memory_order_seq_cst));
  note_deadline(lowest);
}

// A lane's timers due by window_end, each described from its case under the case's shard lock
// (taken after the lane's is released: locks are taken shard, then lane). A timer its clock or
// summons no longer holds (another generation or handle) is left out here, as fire() would.
// The lane hands its timers over a budget at a time, and only once there is room for a
// budget's worth in both buffers: out of memory, nothing it handed over is lost (those in
// `out` are the open batch's).
void Engine::Impl::collect_due(engine::TimerLane& l, Instant window_end, std::vector<DueTimer>& out) {
  constexpr size_t kBudget = 4096;
  for (bool more = true; more && l.next_due.load(std::memory_order_seq_cst) <= window_end;) {
    popped.clear();
    popped.reserve(kBudget);  // once: a no-op after the first
    reserve_more(out, kBudget);
    {
      std::lock_guard lock(l.lock);
      l.wheel.poll(window_end, kBudget, [&](Instant at, uint64_t payload, TimerWheel::Handle timer) {
        popped.push_back({at, payload, timer});
      });
      more = l.wheel.more_due();
      l.next_due.store(l.wheel.next_deadline_bound(), std::memory_order_seq_cst);
    }
    for (const auto& [at, payload, timer] : popped) {
      const uint32_t shard_index = engine::payload_shard(payload);
      Shard& s = *shards[shard_index];
      const uint16_t generation = engine::payload_generation(payload);
      DueTimer d{at, DueTimer::warning, kNoStage, 0, kNoUnit, shard_index, payload, timer};
      std::lock_guard lock(s.lock);
      if (engine::payload_kind(payload) == engine::kPayloadSummons) {
        const engine::Summons& m = s.summons[engine::payload_index(payload)];
        if (m.generation != generation || m.timer != timer || m.slot == kNone) continue;
        d.rank = DueTimer::report;
        d.stage = stage_of(Stage::report);
        d.unit = m.unit;
        d.case_id = s.cases.at(m.slot).id;
      } else {
        const Case& c = s.cases.at(engine::payload_index(payload));
        const StageClock& clock = c.clocks[engine::payload_kind(payload)];
        if (!clock.open || clock.generation != generation || clock.timer != timer) continue;
        d.case_id = c.id;
        d.stage = stage_of(clock.stage);
        switch (clock.phase) {
          case ClockPhase::warn: d.rank = DueTimer::warning; break;
          case ClockPhase::breach: d.rank = DueTimer::breach; break;
          case ClockPhase::escalate: d.rank = DueTimer::escalation; break;
          default: d.rank = DueTimer::revisit; break;
        }
      }
      out.push_back(d);
    }
  }
}

Status Engine::Impl::advance_to(Instant now) {
  // Nothing due by `now`: move the clock and go (the common case between two operations of a
  // replay), without the advance lock.
  Instant clock_now = advanced_to.load(std::memory_order_acquire);
  if (options.clock == EngineOptions::Clock::realtime) now = std::max(now, clock_now);
  while (now >= clock_now && now < next_due.load(std::memory_order_acquire)) {
    if (advanced_to.compare_exchange_weak(clock_now, now, std::memory_order_acq_rel)) return {};
  }
  std::lock_guard advancing(advance_mutex);
  if (now < advanced_to.load(std::memory_order_acquire)) {
    return Status::invalid("advance to " + format_iso8601(now, 0) + " is before the clock (" +
                           format_iso8601(advanced_to.load(), 0) + ")");
  }
  advanced_to.store(now, std::memory_order_release);
  try {
    if (batch.phase != engine::AdvanceBatch::Phase::closed) work_through_batch();  // left by a failed advance
    for (;;) {
      const Instant bound = next_due.load(std::memory_order_acquire);
      // advance() refuses instants past year 9999, but a host's realtime clock source may run
      // anywhere: nothing armed (kNever) ends the loop even at INT64_MAX, and the window end
      // (bound + kWindowMs - 1, capped at now) is computed without overflow.
      if (bound > now || bound == TimerWheel::kNever) break;
      batch.window_start = bound;
      batch.window_end = bound >= now - (kWindowMs - 1) ? now : bound + kWindowMs - 1;
      batch.due.clear();
      batch.next = 0;
      batch.phase = engine::AdvanceBatch::Phase::collecting;
      work_through_batch();
    }
  } catch (...) {
    // Out of memory: the batch stays open, and its window is due, so that the next advance
    // takes the lock (not the path above that only moves the clock) and finishes it. Without
    // waking the realtime driver, whose retry is to come after a pause.
    lower_next_due(batch.window_start);
    throw;
  }
  return {};
}

// Collects the open batch's timers from every lane (again, after a failure: a lane hands over
// only what it still holds), sorts them, and fires them in order. A timer leaves the batch once
// it has fired: firing is all or nothing, so after a bad_alloc the next advance fires it again.
void Engine::Impl::work_through_batch() {
  using Phase = engine::AdvanceBatch::Phase;
  if (batch.phase == Phase::collecting) {
    for (uint32_t i = 0; i < lane_count(); ++i) collect_due(lane(i), batch.window_end, batch.due);
    std::sort(batch.due.begin(), batch.due.end());
    batch.phase = Phase::firing;
  }
  std::vector<DueTimer>& follow_ups = batch.follow_ups;
  const auto later = [](const DueTimer& a, const DueTimer& b) { return b < a; };
  while (batch.next < batch.due.size() || !follow_ups.empty()) {
    reserve_more(follow_ups, 1);  // for the follow-up a breach queues, before anything fires
    const bool from_follow_ups =
        !follow_ups.empty() && (batch.next == batch.due.size() || follow_ups.front() < batch.due[batch.next]);
    const DueTimer d = from_follow_ups ? follow_ups.front() : batch.due[batch.next];
    const bool escalation_follows = fire(d);
    if (from_follow_ups) {
      std::pop_heap(follow_ups.begin(), follow_ups.end(), later);
      follow_ups.pop_back();
    } else {
      ++batch.next;
    }
    if (escalation_follows) {
      DueTimer e = d;
      e.rank = DueTimer::escalation;
      e.timer = TimerWheel::kInvalidHandle;  // the breach left its clock holding none
      follow_ups.push_back(e);
      std::push_heap(follow_ups.begin(), follow_ups.end(), later);
    }
    log.deliver();
  }
  batch.phase = Phase::closed;
  refresh_next_due();
}

// Fires one due timer under its shard's lock, if its clock still expects it.
bool Engine::Impl::fire(const DueTimer& d) {
  Shard& s = *shards[d.shard];
  std::lock_guard lock(s.lock);
  return all_or_nothing(s, [&] {
    const uint64_t p = d.payload;
    const uint16_t generation = engine::payload_generation(p);
    engine::Undo& u = engine::scratch().undo;
    if (engine::payload_kind(p) == engine::kPayloadSummons) {
      const uint32_t index = engine::payload_index(p);
      engine::Summons& m = s.summons[index];
      if (m.generation != generation || m.timer != d.timer || m.slot == kNone) return false;
      Case& c = s.cases.at(m.slot);
      if (c.id != d.case_id || m.reported || m.overdue || !c.is_open()) return false;
      u.watch(c);
      u.watch_summons(index, m);
      m.timer = TimerWheel::kInvalidHandle;
      m.overdue = true;
      const UnitId unit[1] = {m.unit};
      emit(c, EventKind::report_overdue, d.at, kNoUnit, unit, stage_of(Stage::report), {});
      return false;
    }
    const uint32_t slot = engine::payload_index(p);
    Case& c = s.cases.at(slot);
    StageClock& clock = c.clocks[engine::payload_kind(p)];
    if (c.id != d.case_id || !clock.open || clock.generation != generation || clock.timer != d.timer) return false;
    u.watch(c);
    const uint8_t stage = stage_of(clock.stage);
    if (d.rank == DueTimer::escalation) {
      if (clock.phase != ClockPhase::escalate) return false;
      clock.timer = TimerWheel::kInvalidHandle;
      escalate(s, slot, c, clock, d.at);
      return false;
    }
    clock.timer = TimerWheel::kInvalidHandle;
    switch (clock.phase) {
      case ClockPhase::warn:
        emit(c, EventKind::warned, d.at, kNoUnit, {}, stage, {});
        clock.phase = ClockPhase::breach;
        arm_timer(c, clock.timer, clock.deadline, p);
        return false;
      case ClockPhase::breach:
        clock.breached = true;
        clock.phase = ClockPhase::escalate;
        emit(c, EventKind::breached, d.at, kNoUnit, {}, stage, {});
        return true;
      case ClockPhase::expire:
        close_case(c);
        emit(c, EventKind::closed, d.at, kNoUnit, {}, stage, "no_evaluation");
        return false;
      default: return false;
    }
  });
}

// The k-th escalation of a stage: up one centre, or a last notice to the top one. The next
// is due escalate_every × (k + 1) after the breach, by the stage's calendar.
void Engine::Impl::escalate(Shard& s, uint32_t slot, Case& c, StageClock& clock, Instant at) {
  const uint8_t stage = stage_of(clock.stage);
  const UnitId above = directory.above(c.place, c.supervisor);
  if (c.primary != kNoUnit) engine::scratch().facts.push_back({ScoreFact::escalated, false, 0, c.primary, at, 0});
  if (above == kNoUnit) {
    const UnitId top[1] = {c.supervisor};
    emit(c, EventKind::escalated, at, kNoUnit, c.supervisor == kNoUnit ? std::span<const UnitId>{} : top, stage,
         "top");
    clock.phase = ClockPhase::idle;
    return;
  }
  c.supervisor = above;
  ++c.level;
  const UnitId unit[1] = {above};
  emit(c, EventKind::escalated, at, kNoUnit, unit, stage, {});
  ++clock.escalations;
  const Calendar* calendar = nullptr;
  const StageSla* sla = stage_sla(c, clock.stage, &calendar);
  Calendar::Deadline next;
  if (sla == nullptr || !sla->escalate_every ||
      !calendar->add(clock.deadline, {sla->escalate_every->count * (uint32_t{clock.escalations}), sla->escalate_every->unit},
                     next)) {
    clock.phase = ClockPhase::idle;
    return;
  }
  const auto index = static_cast<uint32_t>(&clock - c.clocks);
  arm_timer(c, clock.timer, next.at, engine::clock_payload(s.index, slot, index, clock.generation));
}

}  // namespace whistle
