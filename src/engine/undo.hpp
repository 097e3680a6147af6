// Undo: what the operation under way (submit, act, or one fired timer) has changed, so that a
// std::bad_alloc anywhere in it can take everything back, and what it may do only once it can
// no longer fail. The rule that makes an operation all or nothing:
// - its event is staged, and appended to the log last: the one step after which nothing can
//   be taken back (a merge may number the event at once);
// - its timer arms are noted (a cancel undoes one and cannot fail); its cancels wait until the
//   event is in (undoing a cancel would be an arm, which can fail);
// - the shard's own structures it touches are noted, or reserved first, so that taking them
//   back allocates nothing.
// One per thread (Scratch): an operation runs on one thread, under its shard's lock, and a
// thread runs one operation at a time.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/case_record.hpp"
#include "engine/event_log.hpp"
#include "engine/text_arena.hpp"
#include "whistle/timer_wheel.hpp"

namespace whistle::engine {

struct Undo {
  // What the operation did, as flags (so that starting the next one is a few stores); each
  // flag says the fields named after it hold something.
  enum Flag : uint32_t {
    kInserted = 1u << 0,        // submit: the slot and its bucket are the operation's (hash)
    kOpened = 1u << 1,          // submit: counted open in opened_version
    kRefs = 1u << 2,            // submit: the reference text went in after `refs`
    kSavedSummons = 1u << 3,    // one summons record changed in place, as it was
    kNewExtra = 1u << 4,        // a cooperating-unit list of the shard taken: given back on undo
    kReleasedExtra = 1u << 5,   // the case's old list: given back once done
    kGrownExtra = 1u << 6,      // the case's own list appended to: cut back on undo
    kClosed = 1u << 7,          // the case closed: its summons' timers go and it counts closed once done
    kStaged = 1u << 8,          // the event, appended last
  };
  uint32_t flags = 0;
  // The case as it was (c null until the operation names one; for submit, the record it took).
  Case* c = nullptr;
  Case before;
  uint64_t inserted_hash = 0;
  uint32_t opened_version = 0;
  TextArena::Mark refs;
  uint32_t saved_summons = kNone;
  Summons saved_summons_record;
  uint32_t new_extra = kNone, released_extra = kNone, grown_extra = kNone;
  size_t grown_from = 0;
  // Timers, all in the lane of case c: those armed (cancelled on undo), those to cancel once
  // done (the stage clocks closed: at most two, and a reported summons).
  std::vector<TimerWheel::Handle> armed;
  static constexpr uint32_t kMaxCancels = 3;
  uint32_t cancel_count = 0;
  TimerWheel::Handle cancels[kMaxCancels] = {};
  // The event; its units are copied (they may live on a callee's stack): a few inline, more in
  // `units`.
  static constexpr size_t kInlineUnits = 6;
  EventDraft event;
  UnitId inline_units[kInlineUnits] = {};
  std::vector<UnitId> units;

  bool has(Flag f) const noexcept { return (flags & f) != 0; }
  // Forgets the last operation (keeps the buffers' capacity).
  void reset() noexcept {
    flags = 0;
    c = nullptr;
    cancel_count = 0;
    armed.clear();
  }
  // Notes the case the operation is about to change (once per operation).
  void watch(Case& record) noexcept {
    c = &record;
    before = record;
  }
  // Notes a summons record about to change in place (at most one per operation).
  void watch_summons(uint32_t index, const Summons& record) noexcept {
    flags |= kSavedSummons;
    saved_summons = index;
    saved_summons_record = record;
  }
};

}  // namespace whistle::engine
