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
// When one producer alone has new events (a one-thread host), its buffer becomes the ready
// queue and, once the host has taken the events, goes back to it: it writes the same lines
// every poll, which stay in L2, instead of rotating through four buffers.
//
// Thread model: append() from any thread holding the event's shard lock; everything else from
// any thread, serialized by the merge lock; deliver() runs the callback on one thread at a
// time, in order, and must be called outside the caller's other locks.
#pragma once

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
    // Copies records [begin, end) of `from`, with their data, to the end of this buffer.
    // Out of memory, throws having appended nothing.
    void append_run(const Buffer& from, size_t begin, size_t end);
    // Room to append records [begin, end) of `from` with their data: append_run() of them (or
    // of a part) then allocates nothing.
    void reserve_run(const Buffer& from, size_t begin, size_t end);
    // Drops the first n records and their data.
    void drop_front(size_t n);
  };
  struct alignas(64) ThreadBuffer {
    engine::SpinLock lock;
    std::atomic<size_t> count{0};  // records in `buffer`, read without the lock
    Buffer buffer;                 // being appended to
    Buffer incoming;               // swapped out of `buffer` by a merge (under the lock: O(1))
    Buffer pending;                // taken by a merge, not yet in the stream; from `head`
    size_t head = 0;
  };

  void merge();                              // under merge_mutex_
  void give_back();                          // under merge_mutex_
  void number(Record& r, const Buffer& in);  // under merge_mutex_
  size_t number_in_place(Buffer& b, size_t from, Instant bound = std::numeric_limits<Instant>::max());
  static size_t numbered_end(const Buffer& b, size_t from);
  size_t take(EventBatch& out, size_t max);  // under merge_mutex_

  engine::PerThread<ThreadBuffer> threads_;  // one buffer per producing thread
  std::mutex merge_mutex_;
  std::vector<uint64_t> next_shard_count_;  // per shard: the count that may go next
  uint64_t next_seq_ = 1;
  Buffer ready_;                            // numbered, not yet polled; from ready_head_
  size_t ready_head_ = 0;
  ThreadBuffer* ready_source_ = nullptr;    // the producer whose buffer ready_'s storage was, if any
  bool merge_unfinished_ = false;           // a merge ran out of memory before it was through
  size_t last_thread_ = SIZE_MAX;           // the buffer (index) of the last event numbered
  Scoreboard scores_;
  std::shared_ptr<std::function<void(const Event&)>> callback_;
  std::atomic<bool> has_callback_{false};
  std::atomic<bool> delivering_{false};
};

}  // namespace whistle
