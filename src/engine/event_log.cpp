#include "engine/event_log.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "common/reserve.hpp"

namespace whistle {

EventLog::EventLog(Scoreboard scores, size_t shards) : next_shard_count_(shards, 0), scores_(std::move(scores)) {}

// One copy per array: `from` holds its records' data and nothing else, in the same order.
void EventLog::Buffer::move_in(Buffer& from) {
  if (from.records.empty()) return;
  // Room first: out of memory, nothing is appended.
  reserve_more(records, from.records.size());
  reserve_more(units, from.units.size());
  reserve_more(text, from.text.size());
  reserve_more(facts, from.facts.size());
  const auto units_by = static_cast<uint32_t>(units.size());
  const auto text_by = static_cast<uint32_t>(text.size());
  const auto facts_by = static_cast<uint32_t>(facts.size());
  const size_t at = records.size();
  records.insert(records.end(), from.records.begin(), from.records.end());
  for (size_t i = at; i < records.size(); ++i) {
    records[i].units_at += units_by;
    records[i].text_at += text_by;
    records[i].facts_at += facts_by;
  }
  units.insert(units.end(), from.units.begin(), from.units.end());
  text.append(from.text);
  facts.insert(facts.end(), from.facts.begin(), from.facts.end());
  from.clear();
}

// In place, keeping the capacity: a fresh buffer here would hand small storage to the buffers'
// rotation, which then grows again (allocating, faulting pages in) while events flow.
void EventLog::Buffer::drop_front(size_t n) {
  const Record& first = records[n];  // records and their data lie in the same order
  const uint32_t units_from = first.units_at, text_from = first.text_at, facts_from = first.facts_at;
  records.erase(records.begin(), records.begin() + static_cast<std::ptrdiff_t>(n));
  for (Record& r : records) {
    r.units_at -= units_from;
    r.text_at -= text_from;
    r.facts_at -= facts_from;
  }
  units.erase(units.begin(), units.begin() + units_from);
  text.erase(0, text_from);
  facts.erase(facts.begin(), facts.begin() + facts_from);
}

void EventLog::append(uint32_t shard, uint64_t shard_count, const EventDraft& e, std::span<const ScoreFact> facts) {
  ThreadBuffer& tb = threads_.local();
  std::lock_guard lock(tb.lock);
  Buffer& b = tb.buffer;
  Record& r = b.records.emplace_back();
  r.seq = 0;
  r.shard_count = shard_count;
  r.case_id = e.case_id;
  r.at = e.at;
  r.actor = e.actor;
  r.shard = shard;
  r.units_at = static_cast<uint32_t>(b.units.size());
  r.text_at = static_cast<uint32_t>(b.text.size());
  r.text_length = static_cast<uint32_t>(e.detail.size());
  r.facts_at = static_cast<uint32_t>(b.facts.size());
  r.units_count = static_cast<uint16_t>(e.units.size());
  r.facts_count = static_cast<uint16_t>(facts.size());
  r.level = e.level;
  r.kind = e.kind;
  r.stage = e.stage;
  // Element by element: these are a handful of items, cheaper than a call to memcpy each.
  // Out of memory, the record and what it had appended are taken back: the event goes in whole
  // or not at all (and the caller counts it only once it is in, so its shard's count has no
  // gap for the merge to wait on). A rollback costs nothing until it runs.
  try {
    for (UnitId u : e.units) b.units.push_back(u);
    if (!e.detail.empty()) b.text.append(e.detail);
    for (const ScoreFact& f : facts) b.facts.push_back(f);
  } catch (...) {
    b.units.resize(r.units_at);
    b.text.resize(r.text_at);
    b.facts.resize(r.facts_at);
    b.records.pop_back();
    throw;
  }
  tb.count.store(b.records.size(), std::memory_order_release);  // see deliver() for callbacks
}

// Gives r the next sequence number and counts its facts.
// The facts first, all or none: out of memory (a unit's days growing), the event is then not
// numbered, nothing of it is counted, and it waits for the next merge.
void EventLog::number(Record& r, const Buffer& in) {
  scores_.apply_all({in.facts.data() + r.facts_at, r.facts_count});
  r.seq = next_seq_++;
  ++next_shard_count_[r.shard];
}

// Numbers b's records from `from` in place, up to the first whose shard predecessor has not
// gone yet or that is later than `bound`; returns where it stopped. Out of memory (counting a
// fact), numbered_end() finds where it got to.
size_t EventLog::number_in_place(Buffer& b, size_t from, Instant bound) {
  size_t i = from;
  for (; i < b.records.size(); ++i) {
    Record& r = b.records[i];
    if (r.shard_count != next_shard_count_[r.shard] || r.at > bound) break;
    number(r, b);
  }
  return i;
}

// The end of b's numbered records from `from` on: numbering is in order and sets seq, 0 before.
size_t EventLog::numbered_end(const Buffer& b, size_t from) {
  while (from < b.records.size() && b.records[from].seq != 0) ++from;
  return from;
}

void EventLog::merge() {
  std::lock_guard registry(threads_.registry_mutex());
  auto& buffers = threads_.slots();
  size_t fresh = 0;
  for (size_t i = 0; i < buffers.size(); ++i) {
    ThreadBuffer& tb = *buffers[i];
    if (!tb.incoming.records.empty()) {
      // Left by a merge that ran out of memory: older than anything in the producer's buffer.
      tb.pending.move_in(tb.incoming);
      ++fresh;
    }
    if (tb.count.load(std::memory_order_acquire) == 0) continue;
    {
      // Nothing of it waiting or queued: the buffer becomes pending; else it queues behind.
      std::lock_guard lock(tb.lock);  // held for a swap only: the producer never waits long
      std::swap(tb.buffer, tb.pending.records.empty() ? tb.pending : tb.incoming);
      tb.count.store(0, std::memory_order_relaxed);
    }
    // (Nothing to move when the buffer became pending.) The emptied incoming's capacity goes
    // back to the producer at the next swap.
    tb.pending.move_in(tb.incoming);
    ++fresh;
  }
  // Nothing new: nothing held back can have become free (unless a merge ran out of memory
  // before it was through: its work is still to do).
  if (fresh == 0 && !merge_unfinished_) return;
  merge_unfinished_ = true;  // until the end below

  // Interleave: the earliest event among those whose shard predecessor has gone (on a tie,
  // the thread that gave the last event keeps going, else the first thread's), then the events
  // of its thread after it that may go and would win that pick against every other thread's
  // next, free or held back (a held-back one may come free meanwhile): a run, numbered in
  // place and queued whole, in exactly the order of a pick per event. Ties are common (a burst
  // of submissions at one instant); with the first thread winning them, another thread's
  // events went one run each. With one producer, its free events are one run.
  for (;;) {
    size_t best_index = 0;
    ThreadBuffer* best = nullptr;
    Instant best_at = 0;
    for (size_t i = 0; i < buffers.size(); ++i) {
      ThreadBuffer& tb = *buffers[i];
      if (tb.head == tb.pending.records.size()) continue;
      const Record& r = tb.pending.records[tb.head];
      if (r.shard_count != next_shard_count_[r.shard]) continue;
      if (best == nullptr || r.at < best_at || (r.at == best_at && i == last_thread_)) {
        best = &tb;
        best_index = i;
        best_at = r.at;
      }
    }
    if (best == nullptr) break;
    Instant bound = std::numeric_limits<Instant>::max();  // the run's events are no later
    for (size_t i = 0; i < buffers.size(); ++i) {
      const ThreadBuffer& tb = *buffers[i];
      if (i == best_index || tb.head == tb.pending.records.size()) continue;
      bound = std::min(bound, tb.pending.records[tb.head].at);  // the run's thread wins ties
    }
    // Room in the queue before anything is numbered: a numbered event must reach the queue,
    // or its shard's later events would wait for it for good.
    reserve_more(runs_, 1);
    Buffer& p = best->pending;
    size_t end = best->head;
    try {
      number(p.records[end], p);  // picked: it goes even where `bound` (an earlier held-back event) would stop it
      last_thread_ = best_index;
      end = number_in_place(p, end + 1, bound);
    } catch (...) {  // out of memory counting a fact: what was numbered goes on (room was made)
      queue(*best, numbered_end(p, best->head));
      throw;
    }
    queue(*best, end);
  }
  merge_unfinished_ = false;
}

void EventLog::queue(ThreadBuffer& tb, size_t end) noexcept {
  if (end == tb.head) return;
  if (!runs_.empty() && runs_.back().source == &tb) {
    runs_.back().end = end;  // the same thread again (its last run ends at head): one longer run
  } else {
    runs_.push_back({&tb, tb.head, end});  // within the room merge() made
  }
  tb.head = end;
}

// Moves up to `max` ready events into `out`, straight from the producers' buffers.
size_t EventLog::take(EventBatch& out, size_t max) {
  out.clear();
  // How many, and how much unit and text room they need: a run's data lie back to back.
  size_t n = 0, units = 0, text = 0;
  for (size_t k = runs_head_; k < runs_.size() && n < max; ++k) {
    const Run& run = runs_[k];
    const Buffer& b = run.source->pending;
    const size_t end = run.end_within(max - n);
    const Record& first = b.records[run.begin];
    const Record& last = b.records[end - 1];
    units += last.units_end() - first.units_at;
    text += last.text_end() - first.text_at;
    n += end - run.begin;
  }
  if (n == 0) return 0;
  // Room first (out of memory, nothing is taken and `out` stays empty); then nothing below
  // allocates.
  try {
    out.events_.resize(n);
    out.units_.reserve(units);
    out.text_.reserve(text);
  } catch (...) {
    out.clear();
    throw;
  }
  // The take is the front run and that run is all of its producer's buffer (a one-thread
  // host): the buffer's unit and text storage is handed over instead of copied.
  const Run& front = runs_[runs_head_];
  Buffer& whole = front.source->pending;
  const bool hand_over = front.begin == 0 && front.end == whole.records.size() && n == front.end;
  if (hand_over) {
    out.units_.swap(whole.units);
    out.text_.swap(whole.text);
  }
  size_t i = 0;
  for (size_t k = runs_head_; i < n; ++k) {
    const Run& run = runs_[k];
    const Buffer& b = run.source->pending;
    const size_t end = run.end_within(n - i);
    // Where the run's offsets land in `out` (modulo 2^64: the run may move towards the front).
    size_t units_by = 0, text_by = 0;
    if (!hand_over) {
      const Record& first = b.records[run.begin];
      const Record& last = b.records[end - 1];
      units_by = out.units_.size() - first.units_at;
      text_by = out.text_.size() - first.text_at;
      out.units_.insert(out.units_.end(), b.units.begin() + first.units_at, b.units.begin() + last.units_end());
      out.text_.append(b.text, first.text_at, last.text_end() - first.text_at);
    }
    for (size_t j = run.begin; j < end; ++j) {
      const Record& r = b.records[j];
      out.events_[i++] = {r.seq, r.case_id, r.at, r.kind, r.stage, r.level, r.actor,
                          {out.units_.data() + (units_by + r.units_at), r.units_count},
                          {out.text_.data() + (text_by + r.text_at), r.text_length}};
    }
  }
  // Taken: the runs move on, and each buffer read to its end is cleared (or given back).
  for (size_t left = n; left > 0;) {
    Run& run = runs_[runs_head_];
    const size_t end = run.end_within(left);
    left -= end - run.begin;
    run.begin = end;
    run.source->taken = end;
    release_taken(*run.source);
    if (run.begin == run.end) ++runs_head_;
  }
  if (runs_head_ == runs_.size()) {
    runs_.clear();
    runs_head_ = 0;
  } else if (runs_head_ >= 4096 && runs_head_ * 2 >= runs_.size()) {
    runs_.erase(runs_.begin(), runs_.begin() + static_cast<std::ptrdiff_t>(runs_head_));
    runs_head_ = 0;
  }
  return n;
}

// A buffer whose every record the host has taken is cleared, keeping its capacity, and goes
// back to its producer if the producer is the thread polling and has not written since (then
// both are empty and the swap only trades capacity): a one-thread host thus writes its events
// into the same lines every poll, still in L2. Another thread's buffer stays: that thread is
// most likely writing, and its lock, on a line it keeps writing, would cost the poll a round
// trip to the other core for nothing (the next merge hands it this storage anyway). A buffer
// the host lags behind drops what was taken once that is the larger part, so it stays near
// the host's lag.
void EventLog::release_taken(ThreadBuffer& tb) noexcept {
  Buffer& p = tb.pending;
  if (tb.taken == p.records.size()) {  // then head, between the two, is there too
    p.clear();
    tb.taken = tb.head = 0;
    if (&tb == threads_.cached_local()) {
      std::lock_guard lock(tb.lock);
      if (tb.buffer.records.empty()) std::swap(tb.buffer, p);
    }
  } else if (tb.taken >= 4096 && tb.taken * 2 >= p.records.size()) {
    p.drop_front(tb.taken);
    for (size_t k = runs_head_; k < runs_.size(); ++k) {
      if (runs_[k].source != &tb) continue;
      runs_[k].begin -= tb.taken;
      runs_[k].end -= tb.taken;
    }
    tb.head -= tb.taken;
    tb.taken = 0;
  }
}

size_t EventLog::poll(EventBatch& out, size_t max) {
  if (has_callback_.load(std::memory_order_acquire)) {
    out.clear();
    return 0;
  }
  std::lock_guard lock(merge_mutex_);
  merge();
  return take(out, max);
}

void EventLog::set_callback(std::function<void(const Event&)> callback) {
  {
    std::lock_guard lock(merge_mutex_);
    callback_ = callback ? std::make_shared<std::function<void(const Event&)>>(std::move(callback)) : nullptr;
    has_callback_.store(callback_ != nullptr, std::memory_order_release);
  }
  deliver();
}

// One deliverer at a time. A producer that finds another delivering leaves its events to it:
// the deliverer, after stepping down, looks at the buffers once more (fenced against the
// producer's append and its failed claim) and takes over again if anything is left.
void EventLog::deliver() {
  if (!has_callback_.load(std::memory_order_acquire)) return;
  // Dekker with the deliverer below: our append's count store, then (fence) the claim; its
  // step-down, then (fence) its look at the counts. One of the two sees the other.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (delivering_.exchange(true, std::memory_order_seq_cst)) return;
  EventBatch batch;
  for (;;) {
    std::shared_ptr<std::function<void(const Event&)>> callback;
    try {
      {
        std::lock_guard lock(merge_mutex_);
        merge();
        callback = callback_;
        if (runs_head_ < runs_.size() && callback) take(batch, 1024);
      }
      if (!batch.empty()) {
        for (const Event& e : batch) (*callback)(e);
        batch.clear();
        continue;
      }
    } catch (...) {
      // Out of memory merging or taking (nothing was taken then: it goes with the next
      // deliver()), or a callback that threw (the rest of its batch is lost: callbacks must not
      // throw). Step down on the way out, or no one would deliver again.
      delivering_.store(false, std::memory_order_seq_cst);
      throw;
    }
    delivering_.store(false, std::memory_order_seq_cst);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    bool left = false;
    threads_.for_each([&](ThreadBuffer& tb) { left |= tb.count.load(std::memory_order_seq_cst) != 0; });
    if (!left || delivering_.exchange(true, std::memory_order_seq_cst)) return;
  }
}

uint64_t EventLog::issued() {
  std::lock_guard lock(merge_mutex_);
  merge();
  return next_seq_ - 1;
}

size_t EventLog::pending() {
  std::lock_guard lock(merge_mutex_);
  merge();
  size_t n = 0;
  threads_.for_each([&](ThreadBuffer& tb) { n += tb.pending.records.size() - tb.taken; });
  return n;
}

size_t EventLog::memory_bytes() {
  std::lock_guard lock(merge_mutex_);
  size_t bytes = runs_.capacity() * sizeof(Run);
  threads_.for_each([&](ThreadBuffer& tb) {
    std::lock_guard buffer_lock(tb.lock);
    bytes += tb.buffer.capacity_bytes() + tb.incoming.capacity_bytes() + tb.pending.capacity_bytes();
  });
  return bytes;
}

}  // namespace whistle
