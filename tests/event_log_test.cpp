// The event log's merge against a reference: threads append events (each with its shard's
// running count and an instant), the host polls now and then, some polls taking a few events
// only; the stream must be the reference's pick per event — among the threads' next events
// whose shard predecessor has gone, the earliest; on a tie the thread whose event went last,
// else the thread that appended first — numbered 1, 2, 3, … with every event's units and text
// intact.
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/event_log.hpp"
#include "sample/tiling.hpp"

namespace whistle {
namespace {

// A thread that runs one call at a time for the test, which waits for it: appends from
// several threads, in an order the test chooses.
class Worker {
 public:
  Worker() : thread_([this] { loop(); }) {}
  ~Worker() {
    run(nullptr);
    thread_.join();
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  // Runs f on the worker's thread and returns when it has; nullptr ends the thread.
  void run(std::function<void()> f) {
    std::unique_lock lock(mutex_);
    task_ = std::move(f);
    stop_ = task_ == nullptr;
    waiting_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return !waiting_; });
  }

 private:
  void loop() {
    for (;;) {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return waiting_; });
      if (stop_) {
        waiting_ = false;
        changed_.notify_all();
        return;
      }
      task_();
      waiting_ = false;
      changed_.notify_all();
    }
  }
  std::mutex mutex_;
  std::condition_variable changed_;
  std::function<void()> task_;
  bool waiting_ = false, stop_ = false;
  std::thread thread_;
};

struct Appended {
  CaseId id;
  uint32_t shard;
  uint64_t shard_count;
  Instant at;
};

// What an event of case `id` carries, so a copy that loses its data shows.
std::vector<UnitId> units_of(CaseId id) {
  std::vector<UnitId> u;
  for (CaseId k = 0; k < id % 4; ++k) u.push_back(static_cast<UnitId>(id * 10 + k));
  return u;
}
std::string detail_of(CaseId id) { return id % 3 == 0 ? std::string() : "case-" + std::to_string(id); }

// The reference: per thread, the events appended since the last poll and those taken by a
// poll but not yet in the stream; the stream picks one event at a time.
class ReferenceLog {
 public:
  explicit ReferenceLog(size_t shards) : next_count_(shards, 0) {}
  void append(size_t thread, const Appended& a) {
    size_t slot = 0;
    while (slot < order_.size() && order_[slot] != thread) ++slot;
    if (slot == order_.size()) {  // the log keeps threads in the order they first appended
      order_.push_back(thread);
      fresh_.emplace_back();
      pending_.emplace_back();
    }
    fresh_[slot].push_back(a);
  }
  // Up to max events: (sequence number, case id) in stream order.
  std::vector<std::pair<uint64_t, CaseId>> poll(size_t max) {
    for (size_t s = 0; s < fresh_.size(); ++s) {
      pending_[s].insert(pending_[s].end(), fresh_[s].begin(), fresh_[s].end());
      fresh_[s].clear();
    }
    for (;;) {
      const Appended* best = nullptr;
      size_t best_slot = 0;
      for (size_t s = 0; s < pending_.size(); ++s) {
        if (pending_[s].empty()) continue;
        const Appended& a = pending_[s].front();
        if (a.shard_count != next_count_[a.shard]) continue;
        if (best == nullptr || a.at < best->at || (a.at == best->at && s == last_slot_)) {
          best = &a;
          best_slot = s;
        }
      }
      if (best == nullptr) break;
      last_slot_ = best_slot;
      ++next_count_[best->shard];
      ready_.push_back({next_seq_++, best->id});
      pending_[best_slot].pop_front();
    }
    std::vector<std::pair<uint64_t, CaseId>> out;
    while (out.size() < max && !ready_.empty()) {
      out.push_back(ready_.front());
      ready_.pop_front();
    }
    return out;
  }

 private:
  std::vector<uint64_t> next_count_;
  std::vector<size_t> order_;
  std::vector<std::deque<Appended>> fresh_, pending_;
  std::deque<std::pair<uint64_t, CaseId>> ready_;
  uint64_t next_seq_ = 1;
  size_t last_slot_ = SIZE_MAX;  // the thread whose event went last
};

// How the host polls in compare_with_reference().
enum class Host {
  now_and_then,  // about every 40th append, 1, 7, 100 or all events
  lagging,       // nothing for the first 2,000 appends, then 40 events every 40th: a backlog
                 // that stays, so each thread's taken events pile up ahead of its queued ones
};

// kEvents appended by kThreads threads in random order to random shards, polled as `host` does,
// then drained; every poll compared with the reference's.
void compare_with_reference(uint64_t seed, size_t threads, Host host) {
  constexpr size_t kShards = 8, kEvents = 20'000;
  EventLog log(Scoreboard(), kShards);
  ReferenceLog reference(kShards);
  std::vector<std::unique_ptr<Worker>> workers;
  for (size_t t = 0; t < threads; ++t) workers.push_back(std::make_unique<Worker>());
  std::vector<uint64_t> shard_counts(kShards, 0);
  sample::Random rng(seed);
  EventBatch batch;
  size_t compared = 0;
  const auto poll = [&](size_t max) {
    const size_t n = log.poll(batch, max);
    const auto expected = reference.poll(max);
    ASSERT_EQ(n, expected.size());
    for (size_t i = 0; i < n; ++i) {
      const Event& e = batch[i];
      ASSERT_EQ(e.seq, expected[i].first) << "event " << compared + i << ", seed " << seed;
      ASSERT_EQ(e.case_id, expected[i].second) << "event " << compared + i << ", seed " << seed;
      EXPECT_EQ(std::vector<UnitId>(e.units.begin(), e.units.end()), units_of(e.case_id));
      EXPECT_EQ(e.detail, detail_of(e.case_id));
    }
    compared += n;
  };
  const Instant t0 = 1'700'000'000'000;
  for (CaseId id = 1; id <= kEvents; ++id) {
    const size_t thread = rng.below(threads);
    const auto shard = static_cast<uint32_t>(rng.below(kShards));
    // Instants a few milliseconds apart, often equal, not in call order: ties and events
    // held back behind their shard's predecessor.
    const Appended a{id, shard, shard_counts[shard]++, t0 + static_cast<Instant>(id / 8 + rng.below(6))};
    const std::vector<UnitId> units = units_of(id);
    const std::string detail = detail_of(id);
    workers[thread]->run([&] {
      EventDraft e;
      e.case_id = a.id;
      e.at = a.at;
      e.units = units;
      e.detail = detail;
      log.append(a.shard, a.shard_count, e);
    });
    reference.append(thread, a);
    if (host == Host::now_and_then && rng.below(40) == 0) {
      static constexpr size_t kMax[] = {1, 7, 100, SIZE_MAX};
      poll(kMax[rng.below(4)]);
    } else if (host == Host::lagging && id > 2'000 && id % 40 == 0) {
      poll(40);
      ASSERT_EQ(log.pending(), id - compared) << "seed " << seed;  // the backlog is all there
    }
    if (testing::Test::HasFatalFailure()) return;
  }
  while (compared < kEvents) {
    const size_t before = compared;
    poll(SIZE_MAX);
    if (testing::Test::HasFatalFailure()) return;
    ASSERT_GT(compared, before) << "events left behind, seed " << seed;
  }
  EXPECT_EQ(log.pending(), 0u);
}

TEST(EventLogMerge, InterleavesThreadsExactlyAsAPickPerEvent) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    compare_with_reference(seed, 4, Host::now_and_then);
    if (HasFatalFailure()) return;
  }
}

// The host a few thousand events behind for good: each producer's buffer holds events taken,
// queued and waiting at once, and drops what was taken once that is the larger part while
// runs of it are still queued.
TEST(EventLogMerge, AHostThatLagsBehindGetsEveryEventInOrder) {
  for (uint64_t seed : {4u, 5u}) {
    compare_with_reference(seed, 2, Host::lagging);
    if (HasFatalFailure()) return;
  }
}

// Two threads appending to a log in the order a test chooses, and the reference beside it.
class TwoThreads {
 public:
  explicit TwoThreads(size_t shards) : log_(Scoreboard(), shards), reference_(shards) {}
  // Appends e from thread 0 (a) or 1 (b), to the log and the reference.
  void append(size_t thread, const Appended& e) {
    (thread == 0 ? a_ : b_).run([&] {
      EventDraft d;
      d.case_id = e.id;
      d.at = e.at;
      log_.append(e.shard, e.shard_count, d);
    });
    reference_.append(thread, e);
  }
  // Every event ready: (sequence number, case id), checked against the reference's.
  std::vector<std::pair<uint64_t, CaseId>> poll() {
    std::vector<std::pair<uint64_t, CaseId>> got;
    log_.poll(batch_, SIZE_MAX);
    for (const Event& e : batch_) got.emplace_back(e.seq, e.case_id);
    EXPECT_EQ(got, reference_.poll(SIZE_MAX));
    return got;
  }

 private:
  EventLog log_;
  ReferenceLog reference_;
  Worker a_, b_;
  EventBatch batch_;
};

// One thread's events waiting and nothing ready: the merge numbers them in place, one run,
// up to one whose shard predecessor another thread has not appended yet. Those before it go
// out; it and those after wait for the predecessor, then follow it in pick order.
TEST(EventLogMerge, OneThreadsEventsStopAtAPredecessorAnotherThreadStillOwes) {
  TwoThreads log(2);
  const Instant t0 = 1'700'000'000'000;
  log.append(0, {1, 0, 0, t0});  // thread a appends first
  EXPECT_EQ(log.poll().size(), 1u);
  // Thread b: shard 1's first, shard 0's third (the second is a's, to come), shard 1's second.
  log.append(1, {2, 1, 0, t0 + 1});
  log.append(1, {4, 0, 2, t0 + 2});
  log.append(1, {5, 1, 1, t0 + 3});
  EXPECT_EQ(log.poll(), (std::vector<std::pair<uint64_t, CaseId>>{{2, 2}}));
  EXPECT_TRUE(log.poll().empty());  // held back still
  log.append(0, {3, 0, 1, t0 + 5});  // later than b's waiting events, yet their predecessor
  EXPECT_EQ(log.poll(), (std::vector<std::pair<uint64_t, CaseId>>{{3, 3}, {4, 4}, {5, 5}}));
}

// A burst at one instant from two threads: on a tie the thread whose event went last keeps
// going, so each thread's events go in long runs (with the first thread winning every tie,
// another thread's events went one at a time, each a run of its own).
TEST(EventLogMerge, OnATieTheThreadWhoseEventWentLastKeepsGoing) {
  TwoThreads log(3);
  const Instant t0 = 1'700'000'000'000;
  log.append(0, {1, 0, 0, t0});
  log.append(0, {2, 1, 1, t0});  // waits for b's event 4, shard 1's first
  log.append(0, {3, 0, 1, t0});
  log.append(1, {4, 1, 0, t0});
  log.append(1, {6, 2, 0, t0});
  log.append(1, {7, 2, 1, t0});
  // 1 (a tie: the first thread), 4 (the only one free), then b keeps going through the tie
  // with a's 2, now free: 6, 7; then a's 2 and 3.
  EXPECT_EQ(log.poll(), (std::vector<std::pair<uint64_t, CaseId>>{{1, 1}, {2, 4}, {3, 6}, {4, 7}, {5, 2}, {6, 3}}));
}

}  // namespace
}  // namespace whistle
