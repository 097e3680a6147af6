// EventLog: where events get their sequence numbers and wait for the host. One short lock:
// an append stamps the next number and copies the event (and applies its score facts, so the
// scoreboard sees events in sequence order); a poll moves a batch out. Storage is three flat
// buffers (records, unit ids, detail text) compacted as the host consumes, so appending
// allocates nothing once they have grown to the host's polling lag.
// Thread model: every method may be called from any thread; deliver() runs the callback on
// one thread at a time, in order, and must be called outside the caller's other locks.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/spin_lock.hpp"
#include "whistle/events.hpp"
#include "whistle/scoring.hpp"

namespace whistle {

// An event about to be appended: spans and views need only live for the call.
struct EventDraft {
  EventKind kind = EventKind::dispatched;
  CaseId case_id = 0;
  Instant at = 0;
  UnitId actor = kNoUnit;
  uint8_t stage = kNoStage;
  uint16_t level = 0;
  std::span<const UnitId> units;
  std::string_view detail;
};

class EventLog {
 public:
  explicit EventLog(Scoreboard scores) : scores_(std::move(scores)) {}

  uint64_t append(const EventDraft& e, std::span<const ScoreFact> facts = {});
  size_t poll(EventBatch& out, size_t max);
  void set_callback(std::function<void(const Event&)> callback);
  // Hands pending events to the callback, if one is set.
  void deliver();

  uint64_t issued() const;        // sequence numbers handed out so far
  size_t pending() const;
  size_t memory_bytes() const;
  // Runs f(const Scoreboard&) under the lock.
  template <class F>
  auto with_scores(F&& f) const {
    std::lock_guard lock(lock_);
    return f(scores_);
  }

 private:
  struct Record {
    uint64_t seq;
    CaseId case_id;
    Instant at;
    UnitId actor;
    uint32_t units_at;
    uint32_t text_at;
    uint32_t text_length;
    uint16_t units_count;
    uint16_t level;
    EventKind kind;
    uint8_t stage;
  };
  size_t take(EventBatch& out, size_t max);  // under lock_
  void compact();                            // under lock_

  mutable engine::SpinLock lock_;
  std::vector<Record> records_;
  size_t head_ = 0;  // first record not yet taken
  std::vector<UnitId> units_;
  std::string text_;
  uint64_t next_seq_ = 1;
  Scoreboard scores_;
  std::shared_ptr<std::function<void(const Event&)>> callback_;
  std::atomic<bool> has_callback_{false};
  std::atomic<bool> delivering_{false};
};

}  // namespace whistle
