// The operations of SPEC §3. Checks run in a fixed order — instant, actor, case, arguments,
// permission (EDENIED, with a `denied` event), state (ESTATE) — and nothing changes unless all
// pass; then the transition, its event, its score facts and its timers, all or nothing
// (all_or_nothing, engine/undo.hpp).
#include <algorithm>
#include <string>

#include "engine/engine_impl.hpp"

namespace whistle {

using engine::Case;
using engine::kNone;
using engine::Shard;

namespace {

constexpr uint8_t stage_of(Stage s) { return static_cast<uint8_t>(s); }

std::string case_text(CaseId id) { return "case " + std::to_string(id); }

Status wrong_state(const Case& c, Operation op) {
  return {StatusCode::wrong_state, case_text(c.id) + " is " + std::string(case_state_name(c.state)) + ": cannot " +
                                       std::string(operation_name(op))};
}

}  // namespace

Status Engine::Impl::bad_instant(Instant at) const {
  if (at > kLastInstant) return Status::invalid("instant " + format_iso8601(at, 0) + " is after year 9999");
  const Instant now = advanced_to.load(std::memory_order_acquire);
  return Status::invalid("instant " + format_iso8601(at, 0) + " is before the clock (" + format_iso8601(now, 0) + ")");
}

uint32_t Engine::Impl::pin_current_version(engine::VersionPin& pin) {
  uint32_t v = current.load(std::memory_order_seq_cst);
  for (;;) {
    pin.version.store(v, std::memory_order_seq_cst);
    const uint32_t again = current.load(std::memory_order_seq_cst);  // a reload in between?
    if (again == v) return v;
    v = again;
  }
}

// The case was routed, owned and its stages planned by the caller (outside the lock, against
// the pinned version): here only the case's own state changes.
Status Engine::Impl::submit_locked(Shard& s, uint64_t hash, const Submission& sub, Instant at, const Prepared& p) {
  const Model& m = version(p.version);
  const Route& route = *p.route;
  const uint32_t version_index = p.version;
  if (s.cases.find(sub.id, hash) != kNone) {
    return {StatusCode::already_exists, case_text(sub.id) + " was already submitted"};
  }
  const uint8_t channel = channels.intern(sub.channel);
  if (channel == engine::ChannelTable::kMax) return Status::invalid("too many distinct channels (255)");
  s.prepare_count(version_index);
  const uint32_t slot = s.cases.insert(sub.id, hash);
  engine::Undo& u = engine::scratch().undo;
  u.c = &s.cases.at(slot);
  u.flags |= engine::Undo::kInserted;
  u.inserted_hash = hash;
  Case& c = *u.c;
  c.received = at;
  c.matter = sub.matter;
  c.place = route.place;
  c.version = version_index;
  c.channel = channel;
  c.lane = p.lane;
  if (!sub.external_ref.empty()) {
    u.refs = s.refs.mark();
    u.flags |= engine::Undo::kRefs;
    c.external_ref = s.refs.add(sub.external_ref);
    c.external_ref_length = static_cast<uint8_t>(sub.external_ref.size());
  }
  s.count_opened(version_index);
  u.flags |= engine::Undo::kOpened;
  u.opened_version = version_index;

  if (route.routed()) {
    c.state = CaseState::dispatched;
    c.primary = route.primary;
    c.primary_since = at;
    set_cooperating(s, c, route.cooperating);
    c.supervisor = p.owner;
    engine::scratch().facts.push_back({ScoreFact::received, false, 0, c.primary, at, 0});
    const std::string_view leaf = c.place == kNoNode ? std::string_view{} : m.territory().code(c.place);
    emit(c, EventKind::dispatched, at, kNoUnit, assignees(s, c), kNoStage, leaf);
  } else {
    c.state = CaseState::unrouted;
    c.route = route.outcome;
    c.supervisor = p.owner;
    emit(c, EventKind::unrouted, at, kNoUnit, {}, kNoStage, route_outcome_name(route.outcome));
  }
  open_stage(s, slot, c, p.first);
  if (route.routed()) open_stage(s, slot, c, p.second);
  return {};
}

Status Engine::Impl::act_locked(Shard& s, Case& c, uint32_t slot, const Action& a, Instant at) {
  const UnitId actor = a.actor;
  engine::scratch().undo.watch(c);
  // Most operations close a stage: its timer's generation is a random read, started now.
  if (c.clocks[0].timer != TimerWheel::kInvalidHandle || c.clocks[1].timer != TimerWheel::kInvalidHandle) {
    engine::TimerLane& l = lane(c.lane);
    std::lock_guard lock(l.lock);  // arms into the lane may grow what prefetch reads
    for (const auto& clock : c.clocks) {
      if (clock.timer != TimerWheel::kInvalidHandle) l.wheel.prefetch(clock.timer);
    }
  }
  // Arguments.
  if (a.op == Operation::assign || a.op == Operation::whistle) {
    if (a.units.empty()) {
      return Status::invalid(std::string(operation_name(a.op)) + " names no unit");
    }
    if (a.units.size() > kMaxActionUnits) {
      return Status::invalid(std::string(operation_name(a.op)) + " names " + std::to_string(a.units.size()) +
                             " units; at most " + std::to_string(kMaxActionUnits));
    }
    for (size_t i = 0; i < a.units.size(); ++i) {
      if (!directory.valid_unit(a.units[i])) return Status::not_found("unknown unit id " + std::to_string(a.units[i]));
      if (std::find(a.units.begin(), a.units.begin() + static_cast<std::ptrdiff_t>(i), a.units[i]) !=
          a.units.begin() + static_cast<std::ptrdiff_t>(i)) {
        return Status::invalid("unit " + base->units()[a.units[i]].code + " is listed twice");
      }
    }
  }
  if (a.op == Operation::evaluate && (a.score < 1 || a.score > 5)) {
    return Status::invalid("score " + std::to_string(a.score) + " is out of range (1-5)");
  }

  // Permission.
  const bool centre = directory.is_center(actor) && directory.on_ladder(c.place, actor);
  const bool primary = actor == c.primary && c.primary != kNoUnit;
  bool allowed = false;
  switch (a.op) {
    case Operation::assign:
    case Operation::verify:
    case Operation::evaluate:
    case Operation::close: allowed = centre; break;
    case Operation::accept:
    case Operation::return_case:
    case Operation::resolve: allowed = primary; break;
    case Operation::whistle: allowed = primary || centre; break;
    case Operation::report_in: allowed = find_summons(s, c, actor, false) != nullptr; break;
  }
  if (!allowed) {
    const std::string_view op = operation_name(a.op);
    emit(c, EventKind::denied, at, actor, {}, kNoStage, op);
    return {StatusCode::denied,
            "unit " + base->units()[actor].code + " may not " + std::string(op) + " " + case_text(c.id)};
  }

  // State, then the transition.
  switch (a.op) {
    case Operation::assign: {
      if (c.state != CaseState::unrouted && c.state != CaseState::returned) return wrong_state(c, a.op);
      close_stage(c, Stage::dispatch);
      c.state = CaseState::dispatched;
      c.primary = a.units[0];
      c.primary_since = at;
      set_cooperating(s, c, a.units.subspan(1));
      c.supervisor = directory.owner(c.place, c.primary);
      c.level = 0;
      engine::scratch().facts.push_back({ScoreFact::received, false, 0, c.primary, at, 0});
      emit(c, EventKind::assigned, at, actor, assignees(s, c), stage_of(Stage::dispatch), {});
      arm_stage(s, slot, c, Stage::accept, at);
      arm_stage(s, slot, c, Stage::resolve, at);
      return {};
    }
    case Operation::accept: {
      if (c.state != CaseState::dispatched) return wrong_state(c, a.op);
      const bool late = close_stage(c, Stage::accept);
      c.state = CaseState::accepted;
      engine::scratch().facts.push_back({ScoreFact::accepted, !late, 0, c.primary, at, 0});
      emit(c, EventKind::accepted, at, actor, {}, stage_of(Stage::accept), {});
      return {};
    }
    case Operation::return_case: {
      if (c.state != CaseState::dispatched && c.state != CaseState::accepted) return wrong_state(c, a.op);
      close_stage(c, Stage::accept);
      close_stage(c, Stage::resolve);
      engine::scratch().facts.push_back({ScoreFact::returned, false, 0, c.primary, at, 0});
      c.state = CaseState::returned;
      c.primary = kNoUnit;
      set_cooperating(s, c, {});
      c.supervisor = directory.highest(c.place);
      c.level = 0;
      emit(c, EventKind::returned, at, actor, {}, kNoStage, a.text);
      arm_stage(s, slot, c, Stage::dispatch, at);
      return {};
    }
    case Operation::whistle: {
      if (!c.is_open()) return wrong_state(c, a.op);
      for (UnitId u : a.units) {
        if (u != c.primary && !is_cooperating(s, c, u)) add_cooperating(s, c, u);
        if (find_summons(s, c, u, true) != nullptr) continue;  // already summoned, not yet reported
        summon(s, slot, c, u, at);
        engine::scratch().facts.push_back({ScoreFact::summoned, false, 0, u, at, 0});
      }
      emit(c, EventKind::whistled, at, actor, a.units, stage_of(Stage::report), {});
      return {};
    }
    case Operation::report_in: {
      engine::Summons* m = c.is_open() ? find_summons(s, c, actor, true) : nullptr;
      if (m == nullptr) {
        return {StatusCode::wrong_state, "unit " + base->units()[actor].code + " has no pending summons on " +
                                             case_text(c.id) + (c.is_open() ? "" : " (closed)")};
      }
      engine::scratch().undo.watch_summons(static_cast<uint32_t>(m - s.summons.data()), *m);
      cancel_timer(c, m->timer);
      m->timer = TimerWheel::kInvalidHandle;
      m->reported = true;
      engine::scratch().facts.push_back({ScoreFact::reported, !m->overdue, 0, actor, at, 0});
      const UnitId unit[1] = {actor};
      emit(c, EventKind::reported_in, at, actor, unit, stage_of(Stage::report), {});
      return {};
    }
    case Operation::resolve: {
      if (c.state != CaseState::accepted) return wrong_state(c, a.op);
      const bool late = close_stage(c, Stage::resolve);
      c.state = CaseState::resolved;
      engine::scratch().facts.push_back({ScoreFact::resolved, !late, 0, c.primary, at, at - c.primary_since});
      emit(c, EventKind::resolved, at, actor, {}, stage_of(Stage::resolve), a.text);
      arm_stage(s, slot, c, Stage::verify, at);
      return {};
    }
    case Operation::verify: {
      if (c.state != CaseState::resolved) return wrong_state(c, a.op);
      close_stage(c, Stage::verify);
      if (a.pass) {
        c.state = CaseState::verified;
        emit(c, EventKind::verified, at, actor, {}, stage_of(Stage::verify), {});
        arm_stage(s, slot, c, Stage::revisit, at);
      } else {
        c.state = CaseState::accepted;
        engine::scratch().facts.push_back({ScoreFact::redone, false, 0, c.primary, at, 0});
        emit(c, EventKind::redo, at, actor, {}, stage_of(Stage::verify), {});
        arm_stage(s, slot, c, Stage::resolve, at);
      }
      return {};
    }
    case Operation::evaluate: {
      if (c.state != CaseState::verified) return wrong_state(c, a.op);
      close_stage(c, Stage::revisit);
      engine::scratch().facts.push_back({ScoreFact::evaluated, false, a.score, c.primary, at, 0});
      static constexpr std::string_view kScoreDetail[] = {"", "score:1", "score:2", "score:3", "score:4", "score:5"};
      const std::string_view detail = kScoreDetail[a.score];  // checked to be 1..5 above
      if (a.reopen) {
        c.state = CaseState::accepted;
        engine::scratch().facts.push_back({ScoreFact::redone, false, 0, c.primary, at, 0});
        emit(c, EventKind::reopened, at, actor, {}, stage_of(Stage::revisit), detail);
        arm_stage(s, slot, c, Stage::resolve, at);
      } else {
        close_case(c);
        emit(c, EventKind::closed, at, actor, {}, stage_of(Stage::revisit), detail);
      }
      return {};
    }
    case Operation::close: {
      if (!c.is_open()) return wrong_state(c, a.op);
      close_case(c);
      emit(c, EventKind::closed, at, actor, {}, kNoStage, a.text);
      return {};
    }
  }
  return {StatusCode::internal, "unknown operation"};
}

}  // namespace whistle
