// Scoreboard::recount: the scores an event stream implies, derived from the events alone and
// apart from the engine's own bookkeeping — the check that the live counters are right.
#include <charconv>
#include <unordered_map>

#include "whistle/scoring.hpp"

namespace whistle {

namespace {

struct CaseTrack {
  UnitId primary = kNoUnit;
  Instant primary_since = 0;
  bool accept_breached = false;
  bool resolve_breached = false;
  std::unordered_map<UnitId, bool> pending;  // summoned unit -> its report stage ran out
};

uint8_t score_of(std::string_view detail) {
  unsigned v = 0;
  if (detail.substr(0, 6) != "score:") return 0;
  std::from_chars(detail.data() + 6, detail.data() + detail.size(), v);
  return static_cast<uint8_t>(v);
}

}  // namespace

Scoreboard Scoreboard::recount(const Model& model, int32_t utc_offset_minutes, std::span<const Event> events) {
  Scoreboard board(model, utc_offset_minutes);
  std::unordered_map<CaseId, CaseTrack> cases;
  auto fact = [&](ScoreFact::Kind kind, UnitId unit, Instant at, bool on_time = false, uint8_t score = 0,
                  int64_t resolve_ms = 0) {
    if (unit != kNoUnit) board.apply({kind, on_time, score, unit, at, resolve_ms});
  };
  for (const Event& e : events) {
    CaseTrack& c = cases[e.case_id];
    switch (e.kind) {
      case EventKind::dispatched:
      case EventKind::assigned:
        c.primary = e.units.empty() ? kNoUnit : e.units[0];
        c.primary_since = e.at;
        c.accept_breached = c.resolve_breached = false;
        fact(ScoreFact::received, c.primary, e.at);
        break;
      case EventKind::breached:
        if (e.stage == static_cast<uint8_t>(Stage::accept)) c.accept_breached = true;
        if (e.stage == static_cast<uint8_t>(Stage::resolve)) c.resolve_breached = true;
        break;
      case EventKind::accepted: fact(ScoreFact::accepted, c.primary, e.at, !c.accept_breached); break;
      case EventKind::returned:
        fact(ScoreFact::returned, c.primary, e.at);
        c.primary = kNoUnit;
        break;
      case EventKind::resolved:
        fact(ScoreFact::resolved, c.primary, e.at, !c.resolve_breached, 0, e.at - c.primary_since);
        break;
      case EventKind::redo:
        fact(ScoreFact::redone, c.primary, e.at);
        c.resolve_breached = false;  // the resolve stage starts afresh
        break;
      case EventKind::reopened:
        fact(ScoreFact::evaluated, c.primary, e.at, false, score_of(e.detail));
        fact(ScoreFact::redone, c.primary, e.at);
        c.resolve_breached = false;
        break;
      case EventKind::closed:
        if (e.stage == static_cast<uint8_t>(Stage::revisit) && score_of(e.detail) != 0) {
          fact(ScoreFact::evaluated, c.primary, e.at, false, score_of(e.detail));
        }
        break;
      case EventKind::whistled:
        for (UnitId u : e.units) {
          if (c.pending.count(u)) continue;  // summoned before and not yet reported
          c.pending[u] = false;
          fact(ScoreFact::summoned, u, e.at);
        }
        break;
      case EventKind::report_overdue:
        if (!e.units.empty() && c.pending.count(e.units[0])) c.pending[e.units[0]] = true;
        break;
      case EventKind::reported_in: {
        auto it = c.pending.find(e.actor);
        fact(ScoreFact::reported, e.actor, e.at, it != c.pending.end() && !it->second);
        if (it != c.pending.end()) c.pending.erase(it);
        break;
      }
      case EventKind::escalated: fact(ScoreFact::escalated, c.primary, e.at); break;
      default: break;
    }
  }
  return board;
}

}  // namespace whistle
