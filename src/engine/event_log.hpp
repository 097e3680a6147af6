// EventLog: where events wait for the host and get their sequence numbers.
//
// Producers share nothing. An operation, holding its case's shard lock, appends the event —
// stamped with the shard's own running count — and the score facts it implies to its own
// thread's buffer, whose lines stay in that core's cache. A merge (on poll, on callback
// delivery, before a score query) takes the buffers and interleaves them into one stream that
// keeps every thread's order and every shard's order (so the events of one case keep their
// causal order), preferring the earliest instant among the events free to go next (on a tie,
// the thread whose event went last keeps going); only then does each event get its sequence
// number, so the numbers run 1, 2, 3, … with no gap, and the facts reach the scoreboard in
// that order. An event whose shard count was taken but whose append is not yet visible holds
// back its shard's later events until the next merge.
// With one thread the stream is exactly the order of the calls: replays are deterministic.
// Numbered events stay where they are: the ready queue is a list of runs of records in the
// producers' buffers, and take() copies them straight into the host's batch (one copy per
// event, not two). Once the host has taken every event of a buffer, that storage goes back to
// its producer if the producer is the polling thread and has not written since: a one-thread
// host writes the same lines every poll, which stay in L2, instead of rotating through buffers.
//
// Thread model: append() from any thread holding the event's shard lock; everything else from
// any thread, serialized by the merge lock; deliver() runs the callback on one thread at a
// time, in order, and must be called outside the caller's other locks.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/per_thread.hpp"
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
  EventLog(Scoreboard scores, size_t shards);

  // Appends to the calling thread's buffer. `shard_count` is the shard's running event count,
  // read by the caller under the shard lock and incremented once this returns. Out of memory,
  // throws std::bad_alloc having appended nothing.
  void append(uint32_t shard, uint64_t shard_count, const EventDraft& e, std::span<const ScoreFact> facts = {});
  size_t poll(EventBatch& out, size_t max);
  void set_callback(std::function<void(const Event&)> callback);
  // Hands pending events to the callback, if one is set.
  void deliver();

  uint64_t issued();  // sequence numbers handed out so far (after a merge)
  size_t pending();
  size_t memory_bytes();
  // Runs f(const Scoreboard&) with every event so far counted.
  template <class F>
  auto with_scores(F&& f) {
    std::lock_guard lock(merge_mutex_);
    merge();
    return f(scores_);
  }

 private:
  struct Record {
    uint64_t seq;          // 0 until the merge numbers it
    uint64_t shard_count;  // the event's place in its shard's order
    CaseId case_id;
    Instant at;
    UnitId actor;
    uint32_t shard;
    uint32_t units_at, text_at, text_length, facts_at;
    uint16_t units_count, facts_count;
    uint16_t level;
    EventKind kind;
    uint8_t stage;
    // Where its units and text end: a run's data lie back to back, from its first record's
    // offsets to its last record's ends.
    uint32_t units_end() const noexcept { return units_at + units_count; }
    uint32_t text_end() const noexcept { return text_at + text_length; }
  };
  struct Buffer {
    std::vector<Record> records;
    std::vector<UnitId> units;
    std::string text;
    std::vector<ScoreFact> facts;
    void clear() {
      records.clear();
      units.clear();
      text.clear();
      facts.clear();
    }
    size_t capacity_bytes() const {
      return records.capacity() * sizeof(Record) + units.capacity() * sizeof(UnitId) + text.capacity() +
             facts.capacity() * sizeof(ScoreFact);
    }
    // Moves every record of `from`, with its data, to the end of this buffer, leaving `from`
    // empty (its capacity kept). Out of memory, throws having moved nothing.
    void move_in(Buffer& from);
    // Drops the first n records and their data (n < the records there: the rest stay).
    void drop_front(size_t n);
  };
  struct alignas(64) ThreadBuffer {
    engine::SpinLock lock;
    std::atomic<size_t> count{0};  // records in `buffer`, read without the lock
    Buffer buffer;                 // being appended to
    Buffer incoming;               // swapped out of `buffer` by a merge (under the lock: O(1))
    // Taken by a merge: records [0, taken) have gone to the host, [taken, head) are numbered
    // and in the ready queue's runs, [head, end) wait for their turn in the stream.
    Buffer pending;
    size_t taken = 0;
    size_t head = 0;
  };
  // Numbered records [begin, end) of source->pending, in the stream's order.
  struct Run {
    ThreadBuffer* source;
    size_t begin, end;
    // Where a take of at most `left` more events stops in this run.
    size_t end_within(size_t left) const noexcept { return begin + std::min(end - begin, left); }
  };

  // Under merge_mutex_:
  void merge();
  void number(Record& r, const Buffer& in);
  size_t number_in_place(Buffer& b, size_t from, Instant bound = std::numeric_limits<Instant>::max());
  static size_t numbered_end(const Buffer& b, size_t from);
  void queue(ThreadBuffer& tb, size_t end) noexcept;  // tb's numbered [head, end), room made
  size_t take(EventBatch& out, size_t max);
  void release_taken(ThreadBuffer& tb) noexcept;

  engine::PerThread<ThreadBuffer> threads_;  // one buffer per producing thread
  std::mutex merge_mutex_;
  std::vector<uint64_t> next_shard_count_;  // per shard: the count that may go next
  uint64_t next_seq_ = 1;
  std::vector<Run> runs_;                   // the ready queue: numbered, not yet polled; from runs_head_
  size_t runs_head_ = 0;
  bool merge_unfinished_ = false;           // a merge ran out of memory before it was through
  size_t last_thread_ = SIZE_MAX;           // the buffer (index) of the last event numbered
  Scoreboard scores_;
  std::shared_ptr<std::function<void(const Event&)>> callback_;
  std::atomic<bool> has_callback_{false};
  std::atomic<bool> delivering_{false};
};

}  // namespace whistle
