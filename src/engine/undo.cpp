// An operation's end: done (its event appended, then what waited for that), or taken back after
// a bad_alloc (engine/undo.hpp).
#include "engine/engine_impl.hpp"

namespace whistle {

using engine::kNone;
using engine::Shard;
using engine::Undo;

void Engine::Impl::commit(Shard& s, Undo& u) {
  std::vector<ScoreFact>& facts = engine::scratch().facts;
  if (u.has(Undo::kStaged)) {
    log.append(s.index, s.events, u.event, facts);  // throws having appended nothing
    ++s.events;  // only once the event is in: the shard's count has no gap for a merge to wait on
  }
  facts.clear();
  // Nothing below can fail.
  if (u.cancel_count != 0 || u.has(Undo::kClosed)) {
    engine::TimerLane& l = lane(u.c->lane);
    std::lock_guard lock(l.lock);
    for (uint32_t k = 0; k < u.cancel_count; ++k) l.wheel.cancel(u.cancels[k]);
    if (u.has(Undo::kClosed)) {
      for (uint32_t i = u.c->summons; i != kNone; i = s.summons[i].next) {
        engine::Summons& m = s.summons[i];
        if (m.timer != TimerWheel::kInvalidHandle) l.wheel.cancel(m.timer);
        m.timer = TimerWheel::kInvalidHandle;
      }
    }
  }
  if (u.has(Undo::kClosed)) s.count_closed(u.c->version);
  if (u.has(Undo::kReleasedExtra)) s.give_back_cooperating_list(u.released_extra);
}

void Engine::Impl::roll_back(Shard& s, Undo& u) noexcept {
  engine::scratch().facts.clear();
  if (!u.armed.empty()) {
    engine::TimerLane& l = lane(u.c->lane);
    std::lock_guard lock(l.lock);
    for (const TimerWheel::Handle h : u.armed) l.wheel.cancel(h);
  }
  if (u.has(Undo::kNewExtra)) s.give_back_cooperating_list(u.new_extra);
  if (u.has(Undo::kGrownExtra)) s.extra_cooperating[u.grown_extra].resize(u.grown_from);  // shrinks: no allocation
  if (u.has(Undo::kSavedSummons)) s.summons[u.saved_summons] = u.saved_summons_record;
  if (u.c == nullptr) return;
  engine::Case& c = *u.c;
  if (u.has(Undo::kInserted)) {
    if (u.has(Undo::kRefs)) s.refs.rollback(u.refs);
    if (u.has(Undo::kOpened)) s.count_closed(u.opened_version);
    s.cases.erase_last(c.id, u.inserted_hash);
    return;
  }
  // Summons records the operation took head the case's list, ahead of its old head: given back
  // (their generations stay bumped, so a timer armed for one can never match it again).
  for (uint32_t i = c.summons; i != u.before.summons;) {
    engine::Summons& m = s.summons[i];
    const uint32_t next = m.next;
    m.slot = kNone;
    m.timer = TimerWheel::kInvalidHandle;
    m.next = s.free_summons;
    s.free_summons = i;
    i = next;
  }
  c = u.before;
}

}  // namespace whistle
