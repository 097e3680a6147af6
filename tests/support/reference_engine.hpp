// A slow, obviously-correct model of SPEC §3, written apart from the engine: cases in a
// std::map, every pending timer in one vector searched for the earliest each time, deadlines
// by walking the calendar one day (or one office interval) at a time. It takes the same
// decisions the engine documents (docs/decisions.md): submit checks the instant, the lengths,
// the matter, the place, then the id; act checks the instant, actor, case, arguments,
// permission, state; a return clears the primary; whistled units join as
// cooperating; a case keeps the model version it was submitted under for all its deadlines
// (reload); events render exactly as the engine's.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "whistle/engine.hpp"

namespace whistle::testing {

// Deadlines by brute force from a calendar's definition (offset, office hours, overrides).
class SlowCalendar {
 public:
  explicit SlowCalendar(const Calendar& c) : offset_ms_(int64_t{c.utc_offset_minutes()} * kMsPerMinute) {
    for (const auto& iv : c.office_hours()) hours_.push_back({iv.start_ms, iv.end_ms});
    for (const auto& o : c.overrides()) off_[o.day] = o.off;
  }
  bool working(int64_t day) const {
    if (hours_.empty()) return true;
    auto it = off_.find(day);
    if (it != off_.end()) return !it->second;
    return weekday_from_days(day) < 5;
  }
  Instant add(Instant start, Duration d) const {
    switch (d.unit) {
      case DurationUnit::hours: return start + int64_t{d.count} * kMsPerHour;
      case DurationUnit::minutes: return start + int64_t{d.count} * kMsPerMinute;
      case DurationUnit::working_days: {
        int64_t day = floor_div(start + offset_ms_, kMsPerDay);
        for (uint32_t counted = 0; counted < d.count;) counted += working(++day);
        return (day + 1) * kMsPerDay - offset_ms_;
      }
      case DurationUnit::working_hours: {
        int64_t remaining = int64_t{d.count} * kMsPerHour, t = start + offset_ms_;
        const std::vector<std::pair<int64_t, int64_t>> all{{0, kMsPerDay}};
        for (;;) {
          const int64_t day = floor_div(t, kMsPerDay);
          if (working(day)) {
            for (const auto& [from, to] : hours_.empty() ? all : hours_) {
              const int64_t s = std::max(t, day * kMsPerDay + from), e = day * kMsPerDay + to;
              if (s >= e) continue;
              if (remaining <= e - s) return s + remaining - offset_ms_;
              remaining -= e - s;
            }
          }
          t = (day + 1) * kMsPerDay;
        }
      }
    }
    return start;
  }
  Instant warning(Instant start, Duration limit, Duration warn) const {
    if (limit.unit == DurationUnit::hours || limit.unit == DurationUnit::minutes) {
      return add(start, limit) - (add(start, warn) - start);
    }
    return add(start, {limit.count - warn.count, limit.unit});
  }

 private:
  int64_t offset_ms_;
  std::vector<std::pair<int64_t, int64_t>> hours_;
  std::map<int64_t, bool> off_;
};

class ReferenceEngine {
 public:
  explicit ReferenceEngine(std::shared_ptr<const Model> model, Instant start) : clock_(start) {
    reload(std::move(model));
  }

  // A new model version (the same territory and units): new cases route with it; a case keeps
  // the version it was submitted under, with its SLA classes and calendars.
  void reload(std::shared_ptr<const Model> model) {
    auto v = std::make_shared<Version>();
    v->number = current_ ? current_->number + 1 : 0;
    v->model = std::move(model);
    for (const Calendar& c : v->model->calendars()) v->calendars.emplace_back(c);
    m_ = v->model;
    current_ = std::move(v);
  }

  // Every event so far, rendered as "seq at kind case actor [units] stage level 'detail'".
  const std::vector<std::string>& events() const { return events_; }

  StatusCode submit(const Submission& s) {
    if (s.received < clock_) return StatusCode::invalid_argument;
    if (s.external_ref.size() > 64 || s.channel.size() > 32) return StatusCode::invalid_argument;
    if (s.matter >= m_->matters().size()) return StatusCode::not_found;
    if (s.place != kNoNode && s.place >= m_->territory().size()) return StatusCode::not_found;
    if (cases_.count(s.id)) return StatusCode::already_exists;
    Route route;
    Location scratch;
    if (s.place != kNoNode) {
      m_->route_at(s.matter, s.place, route);
    } else {
      m_->route(s.matter, s.point, route, scratch);
    }
    Case& c = cases_[s.id];
    c.id = s.id;
    c.version = current_;
    c.matter = s.matter;
    c.place = route.place;
    const Instant at = s.received;
    if (route.routed()) {
      c.state = CaseState::dispatched;
      c.primary = route.primary;
      c.cooperating = route.cooperating;
      c.supervisor = owner(c.place, c.primary);
      emit(at, EventKind::dispatched, c, kNoUnit, assignees(c), kNoStage,
           c.place == kNoNode ? "" : std::string(m_->territory().code(c.place)));
      open_stage(c, Stage::accept, at);
      open_stage(c, Stage::resolve, at);
    } else {
      c.state = CaseState::unrouted;
      c.supervisor = highest(c.place);
      emit(at, EventKind::unrouted, c, kNoUnit, {}, kNoStage, std::string(route_outcome_name(route.outcome)));
      open_stage(c, Stage::dispatch, at);
    }
    return StatusCode::ok;
  }

  StatusCode act(const Action& a) {
    const Instant at = a.at;
    if (at < clock_) return StatusCode::invalid_argument;
    if (a.actor >= m_->units().size()) return StatusCode::not_found;
    auto it = cases_.find(a.case_id);
    if (it == cases_.end()) return StatusCode::not_found;
    Case& c = it->second;
    const std::vector<UnitId> units(a.units.begin(), a.units.end());
    if (a.op == Operation::assign || a.op == Operation::whistle) {
      if (units.empty()) return StatusCode::invalid_argument;
      for (size_t i = 0; i < units.size(); ++i) {
        if (units[i] >= m_->units().size()) return StatusCode::not_found;
        for (size_t j = 0; j < i; ++j) {
          if (units[j] == units[i]) return StatusCode::invalid_argument;
        }
      }
    }
    if (a.op == Operation::evaluate && (a.score < 1 || a.score > 5)) return StatusCode::invalid_argument;

    const auto lad = ladder(c.place);
    const bool centre = m_->units()[a.actor].kind == "center" && std::count(lad.begin(), lad.end(), a.actor) > 0;
    const bool primary = c.primary != kNoUnit && a.actor == c.primary;
    bool summoned = false;
    for (const Summons& s : c.summons) summoned |= s.unit == a.actor;
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
      case Operation::report_in: allowed = summoned; break;
    }
    if (!allowed) {
      emit(at, EventKind::denied, c, a.actor, {}, kNoStage, std::string(operation_name(a.op)));
      return StatusCode::denied;
    }
    const bool open = c.state != CaseState::closed;
    switch (a.op) {
      case Operation::assign:
        if (c.state != CaseState::unrouted && c.state != CaseState::returned) return StatusCode::wrong_state;
        close_stage(c, Stage::dispatch);
        c.state = CaseState::dispatched;
        c.primary = units[0];
        c.cooperating.assign(units.begin() + 1, units.end());
        c.supervisor = owner(c.place, c.primary);
        c.level = 0;
        emit(at, EventKind::assigned, c, a.actor, assignees(c), uint8_t(Stage::dispatch), "");
        open_stage(c, Stage::accept, at);
        open_stage(c, Stage::resolve, at);
        return StatusCode::ok;
      case Operation::accept:
        if (c.state != CaseState::dispatched) return StatusCode::wrong_state;
        close_stage(c, Stage::accept);
        c.state = CaseState::accepted;
        emit(at, EventKind::accepted, c, a.actor, {}, uint8_t(Stage::accept), "");
        return StatusCode::ok;
      case Operation::return_case:
        if (c.state != CaseState::dispatched && c.state != CaseState::accepted) return StatusCode::wrong_state;
        close_stage(c, Stage::accept);
        close_stage(c, Stage::resolve);
        c.state = CaseState::returned;
        c.primary = kNoUnit;
        c.cooperating.clear();
        c.supervisor = highest(c.place);
        c.level = 0;
        emit(at, EventKind::returned, c, a.actor, {}, kNoStage, std::string(a.text));
        open_stage(c, Stage::dispatch, at);
        return StatusCode::ok;
      case Operation::whistle:
        if (!open) return StatusCode::wrong_state;
        for (UnitId u : units) {
          if (u != c.primary && std::count(c.cooperating.begin(), c.cooperating.end(), u) == 0) c.cooperating.push_back(u);
          bool pending = false;
          for (const Summons& s : c.summons) pending |= s.unit == u && !s.reported;
          if (pending) continue;
          Summons s;
          s.unit = u;
          s.token = ++tokens_;
          const auto sla = stage_sla(c, Stage::report);
          if (sla) {
            s.has_deadline = true;
            s.deadline = calendar(c, *sla).add(at, sla->limit);
            add_timer({s.deadline, kReport, c.id, uint8_t(Stage::report), u, s.token});
          }
          c.summons.push_back(s);
        }
        emit(at, EventKind::whistled, c, a.actor, units, uint8_t(Stage::report), "");
        return StatusCode::ok;
      case Operation::report_in: {
        Summons* s = nullptr;
        for (Summons& x : c.summons) {
          if (x.unit == a.actor && !x.reported) s = &x;
        }
        if (!open || s == nullptr) return StatusCode::wrong_state;
        s->reported = true;
        drop_timers(s->token);
        emit(at, EventKind::reported_in, c, a.actor, {a.actor}, uint8_t(Stage::report), "");
        return StatusCode::ok;
      }
      case Operation::resolve:
        if (c.state != CaseState::accepted) return StatusCode::wrong_state;
        close_stage(c, Stage::resolve);
        c.state = CaseState::resolved;
        emit(at, EventKind::resolved, c, a.actor, {}, uint8_t(Stage::resolve), std::string(a.text));
        open_stage(c, Stage::verify, at);
        return StatusCode::ok;
      case Operation::verify:
        if (c.state != CaseState::resolved) return StatusCode::wrong_state;
        close_stage(c, Stage::verify);
        if (a.pass) {
          c.state = CaseState::verified;
          emit(at, EventKind::verified, c, a.actor, {}, uint8_t(Stage::verify), "");
          open_stage(c, Stage::revisit, at);
        } else {
          c.state = CaseState::accepted;
          emit(at, EventKind::redo, c, a.actor, {}, uint8_t(Stage::verify), "");
          open_stage(c, Stage::resolve, at);
        }
        return StatusCode::ok;
      case Operation::evaluate:
        if (c.state != CaseState::verified) return StatusCode::wrong_state;
        close_stage(c, Stage::revisit);
        if (a.reopen) {
          c.state = CaseState::accepted;
          emit(at, EventKind::reopened, c, a.actor, {}, uint8_t(Stage::revisit), "score:" + std::to_string(a.score));
          open_stage(c, Stage::resolve, at);
        } else {
          close_case(c);
          emit(at, EventKind::closed, c, a.actor, {}, uint8_t(Stage::revisit), "score:" + std::to_string(a.score));
        }
        return StatusCode::ok;
      case Operation::close:
        if (!open) return StatusCode::wrong_state;
        close_case(c);
        emit(at, EventKind::closed, c, a.actor, {}, kNoStage, std::string(a.text));
        return StatusCode::ok;
    }
    return StatusCode::internal;
  }

  StatusCode advance(Instant now) {
    if (now < clock_) return StatusCode::invalid_argument;
    clock_ = now;
    for (;;) {
      auto next = std::min_element(timers_.begin(), timers_.end());
      if (next == timers_.end() || next->at > now) return StatusCode::ok;
      const Timer t = *next;
      timers_.erase(next);
      fire(t);
    }
  }

  struct Summary {
    CaseState state;
    UnitId primary, supervisor;
    uint16_t level;
    std::vector<UnitId> cooperating;
    uint32_t version;  // 0 for the model the reference started with, then one per reload
    // What CaseInfo lists: the open stages' deadlines by stage, then each pending summons'
    // (not yet run out) in the order summoned; every unit summoned, every unit reported in.
    std::vector<CaseInfo::Deadline> deadlines;
    std::vector<UnitId> summoned, reported;
  };
  std::optional<Summary> summary(CaseId id) const {
    auto it = cases_.find(id);
    if (it == cases_.end()) return std::nullopt;
    return summarize(it->second);
  }
  std::map<CaseId, Summary> summaries() const {
    std::map<CaseId, Summary> out;
    for (const auto& [id, c] : cases_) out.emplace(id, summarize(c));
    return out;
  }

 private:
  enum Rank : int { kWarn = 0, kBreach = 1, kEscalate = 2, kReport = 3, kRevisit = 4 };
  struct Timer {
    Instant at;
    int rank;
    CaseId case_id;
    uint8_t stage;
    UnitId unit;
    uint64_t token;  // which stage or summons it belongs to
    bool operator<(const Timer& o) const {
      return std::tie(at, rank, case_id, stage, unit) < std::tie(o.at, o.rank, o.case_id, o.stage, o.unit);
    }
  };
  struct StageState {
    uint64_t token = 0;
    bool has_deadline = false;
    Instant deadline = 0;
    Instant breached_at = 0;
    uint32_t escalations = 0;
  };
  struct Summons {
    UnitId unit = kNoUnit;
    bool reported = false;
    bool has_deadline = false;
    bool overdue = false;  // its report stage ran out
    Instant deadline = 0;
    uint64_t token = 0;
  };
  struct Version {
    uint32_t number = 0;
    std::shared_ptr<const Model> model;
    std::vector<SlowCalendar> calendars;
  };
  struct Case {
    CaseId id = 0;
    std::shared_ptr<const Version> version;  // the one it was submitted under
    CaseState state = CaseState::unrouted;
    MatterId matter = kNoMatter;
    NodeId place = kNoNode;
    UnitId primary = kNoUnit, supervisor = kNoUnit;
    std::vector<UnitId> cooperating;
    uint16_t level = 0;
    std::map<Stage, StageState> stages;  // open main stages
    std::vector<Summons> summons;
  };

  Summary summarize(const Case& c) const {
    Summary out{c.state, c.primary, c.supervisor, c.level, c.cooperating, c.version->number, {}, {}, {}};
    for (const auto& [stage, st] : c.stages) {
      if (st.has_deadline) out.deadlines.push_back({stage, st.deadline, kNoUnit});
    }
    for (const Summons& m : c.summons) {
      out.summoned.push_back(m.unit);
      if (m.reported) out.reported.push_back(m.unit);
      if (c.state != CaseState::closed && !m.reported && m.has_deadline && !m.overdue) {
        out.deadlines.push_back({Stage::report, m.deadline, m.unit});
      }
    }
    return out;
  }
  const StageSla* stage_sla(const Case& c, Stage stage) const {
    const Model& model = *c.version->model;
    const Matter& m = model.matters()[c.matter];
    if (m.sla_class == kNoSlaClass) return nullptr;
    const StageSla& s = model.sla_classes()[m.sla_class].stage(stage);
    return s.has_deadline ? &s : nullptr;
  }
  const SlowCalendar& calendar(const Case& c, const StageSla& s) const { return c.version->calendars[s.calendar]; }

  std::vector<UnitId> ladder(NodeId place) const {
    const NodeId from = place == kNoNode ? m_->territory().chain(0).back() : place;
    std::vector<UnitId> out;
    for (NodeId n : m_->territory().chain(from)) {
      for (UnitId u = 0; u < m_->units().size(); ++u) {
        if (m_->units()[u].kind == "center" && m_->units()[u].territory == n) out.push_back(u);
      }
    }
    return out;
  }
  UnitId highest(NodeId place) const {
    const auto l = ladder(place);
    return l.empty() ? kNoUnit : l.back();
  }
  UnitId owner(NodeId place, UnitId primary) const {
    const auto chain = m_->territory().chain(m_->units()[primary].territory);
    for (UnitId c : ladder(place)) {
      if (std::count(chain.begin(), chain.end(), m_->units()[c].territory)) return c;
    }
    return highest(place);
  }
  UnitId above(NodeId place, UnitId supervisor) const {
    const auto l = ladder(place);
    for (size_t i = 0; i + 1 < l.size(); ++i) {
      if (l[i] == supervisor) return l[i + 1];
    }
    if (l.empty() || supervisor == l.back()) return kNoUnit;
    return l.back();
  }
  std::vector<UnitId> assignees(const Case& c) const {
    std::vector<UnitId> out;
    if (c.primary != kNoUnit) out.push_back(c.primary);
    out.insert(out.end(), c.cooperating.begin(), c.cooperating.end());
    return out;
  }

  void add_timer(const Timer& t) { timers_.push_back(t); }
  void drop_timers(uint64_t token) {
    timers_.erase(std::remove_if(timers_.begin(), timers_.end(), [&](const Timer& t) { return t.token == token; }),
                  timers_.end());
  }

  void open_stage(Case& c, Stage stage, Instant from) {
    StageState s;
    s.token = ++tokens_;
    const StageSla* sla = stage_sla(c, stage);
    if (sla) {
      const SlowCalendar& cal = calendar(c, *sla);
      s.has_deadline = true;
      s.deadline = cal.add(from, sla->limit);
      if (stage == Stage::revisit) {
        add_timer({s.deadline, kRevisit, c.id, uint8_t(stage), kNoUnit, s.token});
      } else if (sla->warn_before) {
        add_timer({cal.warning(from, sla->limit, *sla->warn_before), kWarn, c.id, uint8_t(stage), kNoUnit, s.token});
      } else {
        add_timer({s.deadline, kBreach, c.id, uint8_t(stage), kNoUnit, s.token});
      }
    }
    c.stages[stage] = s;
  }
  void close_stage(Case& c, Stage stage) {
    auto it = c.stages.find(stage);
    if (it == c.stages.end()) return;
    drop_timers(it->second.token);
    c.stages.erase(it);
  }
  void close_case(Case& c) {
    while (!c.stages.empty()) close_stage(c, c.stages.begin()->first);
    for (const Summons& s : c.summons) drop_timers(s.token);
    c.state = CaseState::closed;
  }

  void fire(const Timer& t) {
    Case& c = cases_.at(t.case_id);
    if (t.rank == kReport) {
      for (Summons& m : c.summons) m.overdue |= m.token == t.token;
      emit(t.at, EventKind::report_overdue, c, kNoUnit, {t.unit}, t.stage, "");
      return;
    }
    const Stage stage = static_cast<Stage>(t.stage);
    StageState& s = c.stages.at(stage);
    const StageSla& sla = *stage_sla(c, stage);
    switch (t.rank) {
      case kWarn:
        emit(t.at, EventKind::warned, c, kNoUnit, {}, t.stage, "");
        add_timer({s.deadline, kBreach, c.id, t.stage, kNoUnit, s.token});
        return;
      case kBreach:
        s.breached_at = t.at;
        emit(t.at, EventKind::breached, c, kNoUnit, {}, t.stage, "");
        add_timer({t.at, kEscalate, c.id, t.stage, kNoUnit, s.token});  // the first escalation, at once
        return;
      case kEscalate: {
        const UnitId next = above(c.place, c.supervisor);
        if (next == kNoUnit) {
          std::vector<UnitId> top;
          if (c.supervisor != kNoUnit) top.push_back(c.supervisor);
          emit(t.at, EventKind::escalated, c, kNoUnit, top, t.stage, "top");
          return;
        }
        c.supervisor = next;
        ++c.level;
        emit(t.at, EventKind::escalated, c, kNoUnit, {next}, t.stage, "");
        ++s.escalations;
        if (sla.escalate_every) {
          const Duration every{sla.escalate_every->count * s.escalations, sla.escalate_every->unit};
          add_timer({calendar(c, sla).add(s.breached_at, every), kEscalate, c.id, t.stage, kNoUnit, s.token});
        }
        return;
      }
      case kRevisit:
        close_case(c);
        emit(t.at, EventKind::closed, c, kNoUnit, {}, t.stage, "no_evaluation");
        return;
    }
  }

  void emit(Instant at, EventKind kind, const Case& c, UnitId actor, const std::vector<UnitId>& units, uint8_t stage,
            const std::string& detail) {
    std::string s = std::to_string(++seq_) + " " + std::to_string(at) + " " + std::string(event_kind_name(kind)) + " " +
                    std::to_string(c.id) + " " + (actor == kNoUnit ? "-" : m_->units()[actor].code) + " [";
    for (size_t i = 0; i < units.size(); ++i) s += (i ? "," : "") + m_->units()[units[i]].code;
    s += "] " + (stage == kNoStage ? std::string("-") : std::string(stage_name(static_cast<Stage>(stage)))) + " " +
         std::to_string(c.level);
    if (!detail.empty()) s += " '" + detail + "'";
    events_.push_back(std::move(s));
  }

  std::shared_ptr<const Model> m_;  // the current version's model: units and territory are every version's
  std::shared_ptr<const Version> current_;
  Instant clock_;
  std::map<CaseId, Case> cases_;
  std::vector<Timer> timers_;
  std::vector<std::string> events_;
  uint64_t seq_ = 0, tokens_ = 0;
};

}  // namespace whistle::testing
