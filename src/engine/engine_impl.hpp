// Engine internals: shards (cases, summons, references — one lock each), timer lanes (a wheel
// and its lock, one per submitting thread), model versions (atomic pointers, read without
// locks), the event log, and the clock.
//
// Locks: a shard's lock, then a timer lane's or the event log's (arms, cancels and appends
// happen inside operations); a lane's lock is never held while taking another lock. advance()
// takes one lane, then one shard, at a time. No lock is held while the host's callback runs.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/case_table.hpp"
#include "engine/directory.hpp"
#include "engine/event_log.hpp"
#include "engine/per_thread.hpp"
#include "engine/spin_lock.hpp"
#include "engine/text_arena.hpp"
#include "engine/undo.hpp"
#include "whistle/engine.hpp"
#include "whistle/timer_wheel.hpp"

namespace whistle::engine {

// Layout: two threads acting on cases of one shard pass its written lines between their cores,
// so what every operation writes sits together — the lock, the counters and the case table's
// own count in the first line.
// That includes the count of open cases by model version (for reload, which frees a version
// once no open case holds it): the cases of the version most recently opened in the shard are
// counted in that line, the others in open_by_version. Counts wrap modulo 2^32 (a case may
// close on the other side of a switch), so only sums are meaningful; they are exact.
struct alignas(64) Shard {
  SpinLock lock;
  uint32_t index = 0;   // in the engine's shard list (and the event log's)
  uint64_t events = 0;  // events emitted for this shard's cases: their order in the log
  size_t open_cases = 0;
  uint32_t recent_version = 0;
  uint32_t recent_open = 0;  // open cases of recent_version beyond open_by_version's count
  CaseTable cases;
  std::vector<Summons> summons;
  uint32_t free_summons = kNone;
  std::vector<std::vector<UnitId>> extra_cooperating;  // cases with more than 4 cooperating units
  std::vector<uint32_t> free_extra;
  TextArena refs;
  std::vector<uint32_t> open_by_version;  // open cases routed with each model version (but above)

  explicit Shard(uint32_t i) : index(i) {}
  // What count_opened(version) may allocate, made first: count_opened then cannot fail.
  void prepare_count(uint32_t version) {
    if (version != recent_version && open_by_version.size() <= recent_version) {
      open_by_version.resize(recent_version + 1);
    }
  }
  void count_opened(uint32_t version) noexcept {  // after prepare_count(version)
    if (version != recent_version) {  // a version's slot exists once it has been recent
      open_by_version[recent_version] += recent_open;
      recent_version = version;
      recent_open = 0;
    }
    ++recent_open;
    ++open_cases;
  }
  // A cooperating-unit list for a case, empty. The free list keeps room for every list
  // (reserved as lists are added), so that giving one back cannot fail.
  uint32_t take_cooperating_list() {
    if (!free_extra.empty()) {
      const uint32_t list = free_extra.back();
      free_extra.pop_back();
      return list;
    }
    free_extra.reserve(extra_cooperating.size() + 1);
    extra_cooperating.emplace_back();
    return static_cast<uint32_t>(extra_cooperating.size() - 1);
  }
  void give_back_cooperating_list(uint32_t list) noexcept {
    extra_cooperating[list].clear();
    free_extra.push_back(list);  // within the room take_cooperating_list() made
  }
  void count_closed(uint32_t version) noexcept {
    --(version == recent_version ? recent_open : open_by_version[version]);
    --open_cases;
  }
  uint32_t open_in(uint32_t version) const {
    uint32_t n = version < open_by_version.size() ? open_by_version[version] : 0;
    return version == recent_version ? n + recent_open : n;
  }
};

// A timer lane: a wheel and the lock that guards it. A case's timers live in the lane of the
// thread that submitted it (Case::lane), so a thread's arms write lines its own core holds,
// and a one-thread host has one wheel, warm, however many shards it has. Up to kMaxLanes;
// threads beyond share lanes round robin. Arms and cancels come under the case's shard lock,
// collection under none; the lane's lock is taken last and held for the wheel call alone.
struct alignas(64) TimerLane {
  SpinLock lock;
  uint32_t index = 0;
  // No timer of this lane is due before this (written under the lock, read without it):
  // advance() skips the lanes with nothing due in its window, and never locks them.
  std::atomic<Instant> next_due{TimerWheel::kNever};
  alignas(64) TimerWheel wheel;
  TimerLane(uint32_t i, Instant start) : index(i), wheel(start) {}
};
inline constexpr uint32_t kMaxLanes = 64;
struct LaneRef {  // a thread's lane (PerThread)
  TimerLane* lane = nullptr;
};

// Per-thread scratch reused by operations (no allocation per case; thread-local, so its lines
// stay in the calling core's cache whatever shard the case lives in).
struct Scratch {
  Route route;
  Location location;
  std::vector<UnitId> units;
  std::vector<ScoreFact> facts;  // the staged event's
  Undo undo;                     // the operation under way
};
inline Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// Channel names interned to small numbers; reads scan atomics, never lock.
class ChannelTable {
 public:
  static constexpr size_t kMax = 255;
  static constexpr size_t kMaxLength = 32;  // bytes of a name
  // The number of `name` (at most kMaxLength bytes; added if new); kMax when the table is full.
  uint8_t intern(std::string_view name);
  std::string_view name(uint8_t channel) const;

 private:
  // Every submission reads a name: on lines of its own, not beside something another core
  // writes (a std::string from the heap sat on such a line; 2-thread perf put 1 % there).
  struct alignas(64) Name {
    size_t length = 0;
    char bytes[kMaxLength] = {};
    std::string_view view() const { return {bytes, length}; }
  };
  std::array<std::atomic<const Name*>, kMax> names_{};
  std::atomic<size_t> count_{0};
  std::mutex add_mutex_;
  std::vector<std::unique_ptr<Name>> owned_;
};

// One timer due in an advance window, with what orders it: deadline, then warnings before
// breaches before escalations (before report deadlines and revisit expiries), each in case-id
// order.
struct DueTimer {
  enum Rank : uint8_t { warning = 0, breach = 1, escalation = 2, report = 3, revisit = 4 };
  Instant at;
  uint8_t rank;
  uint8_t stage;
  CaseId case_id;
  UnitId unit;
  uint32_t shard;
  uint64_t payload;
  // The wheel's handle for it (kInvalidHandle for an escalation queued by its breach): a
  // clock fires only the timer it holds. The generation in the payload alone could match a
  // timer an advance took from the wheel while the operation that armed it was being undone,
  // once the same operation, retried, armed the clock again (decisions, item 35).
  TimerWheel::Handle timer;
  bool operator<(const DueTimer& o) const noexcept {
    if (at != o.at) return at < o.at;
    if (rank != o.rank) return rank < o.rank;
    if (case_id != o.case_id) return case_id < o.case_id;
    if (stage != o.stage) return stage < o.stage;
    return unit < o.unit;
  }
};

// One advance window's timers: collected from every lane, sorted, then fired from `next`, with
// `follow_ups` the escalations due at the instant of their breach. Open (not `closed`) while
// the window is being worked through: an advance that runs out of memory leaves it open, and
// the next advance finishes it first, so no timer the lanes handed over is lost.
struct AdvanceBatch {
  enum class Phase : uint8_t { closed, collecting, firing };
  Phase phase = Phase::closed;
  Instant window_start = 0, window_end = 0;
  std::vector<DueTimer> due;
  size_t next = 0;
  std::vector<DueTimer> follow_ups;  // a min-heap
};

// A stage about to open: its deadline and warning, worked out from the model alone.
struct StagePlan {
  Stage stage = Stage::dispatch;
  bool has_deadline = false;
  bool warns = false;
  Instant deadline = 0;
  Instant warning = 0;
};

// A thread's hazard on a model version: set while a submission routes against the version
// outside any shard lock, so reload never frees a version someone is reading.
struct alignas(64) VersionPin {
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  std::atomic<uint32_t> version{kNone};
};

// Clears a pin at the end of a scope, also when routing or the shard update throws
// (bad_alloc): a pin left set would keep its version from being freed.
class PinRelease {
 public:
  explicit PinRelease(VersionPin& pin) noexcept : pin_(pin) {}
  ~PinRelease() { pin_.version.store(VersionPin::kNone, std::memory_order_release); }
  PinRelease(const PinRelease&) = delete;
  PinRelease& operator=(const PinRelease&) = delete;

 private:
  VersionPin& pin_;
};

class RealtimeDriver;

}  // namespace whistle::engine

namespace whistle {

struct Engine::Impl {
  // An engine's insides, for the white-box tests.
  static Impl& of(Engine& e) noexcept { return *e.impl_; }
  // Shards: a power of two, by default 8 per hardware thread (at least 16), so two threads
  // rarely want one shard at once, yet each shard's hot state stays warm.
  static uint32_t shard_bits_for(uint32_t requested);
  static constexpr uint32_t kMaxVersions = 1u << 16;

  Impl(std::shared_ptr<const Model> model, const EngineOptions& options, int32_t scoring_offset);
  ~Impl();

  // ---- model versions ----
  const Model& version(uint32_t v) const { return *versions[v].load(std::memory_order_acquire); }

  // ---- shards ----
  // The top shard_bits bits of the hash (none with one shard: a shift by 64 would be undefined).
  uint32_t shard_index(uint64_t hash) const noexcept { return static_cast<uint32_t>((hash >> 32) >> (32 - shard_bits)); }
  engine::Shard& shard_of(uint64_t hash) { return *shards[shard_index(hash)]; }

  // ---- operations (operations.cpp), under the shard's lock ----
  // Pins the current version for this thread and returns it (see VersionPin).
  uint32_t pin_current_version(engine::VersionPin& pin);
  // The case routed and its first stages planned by the caller, outside the lock.
  struct Prepared {
    uint32_t version = 0;
    const Route* route = nullptr;
    UnitId owner = kNoUnit;
    uint8_t lane = 0;                 // the submitting thread's timer lane
    engine::StagePlan first, second;  // accept and resolve, or dispatch alone
  };
  Status submit_locked(engine::Shard& s, uint64_t hash, const Submission& sub, Instant at, const Prepared& p);
  Status act_locked(engine::Shard& s, engine::Case& c, uint32_t slot, const Action& a, Instant at);
  Instant operation_instant(Instant requested) const {
    return options.clock == EngineOptions::Clock::realtime ? system_now() : requested;
  }
  Instant system_now() const { return options.clock_source(); }
  // On the manual clock an operation may not be earlier than the clock, nor outside years
  // 0001-9999 (inline: every operation asks, and almost every answer is yes).
  Status check_instant(Instant at) const {
    if (options.clock == EngineOptions::Clock::manual &&
        (at < advanced_to.load(std::memory_order_acquire) || at > kLastInstant)) {
      return bad_instant(at);
    }
    return {};
  }
  Status bad_instant(Instant at) const;

  // ---- all or nothing (undo.cpp), under the shard's lock ----
  // Runs f (an operation's work, returning its outcome) so that it changes everything or
  // nothing: should it throw (bad_alloc), what it changed is taken back (engine/undo.hpp).
  template <class F>
  auto all_or_nothing(engine::Shard& s, F&& f) -> decltype(f()) {
    engine::Undo& u = engine::scratch().undo;
    u.reset();
    try {
      auto result = f();
      commit(s, u);
      return result;
    } catch (...) {
      roll_back(s, u);
      throw;
    }
  }
  // Appends the staged event (the last step that can fail), then makes the deferred changes.
  void commit(engine::Shard& s, engine::Undo& u);
  void roll_back(engine::Shard& s, engine::Undo& u) noexcept;

  // ---- cases (case_ops.cpp), under the shard's lock ----
  std::span<const UnitId> cooperating(const engine::Shard& s, const engine::Case& c) const;
  void set_cooperating(engine::Shard& s, engine::Case& c, std::span<const UnitId> units);
  void add_cooperating(engine::Shard& s, engine::Case& c, UnitId unit);
  bool is_cooperating(const engine::Shard& s, const engine::Case& c, UnitId unit) const;
  // Primary then cooperating, into the thread's scratch units.
  std::span<const UnitId> assignees(engine::Shard& s, const engine::Case& c);
  // Stages the operation's event (one per operation): commit() appends it.
  void emit(const engine::Case& c, EventKind kind, Instant at, UnitId actor, std::span<const UnitId> units,
            uint8_t stage, std::string_view detail);
  // Closes the case's clocks now; its summons' timers and its open count go once it is done.
  void close_case(engine::Case& c);

  // ---- stage clocks (stage_clocks.cpp), under the shard's lock ----
  void arm_stage(engine::Shard& s, uint32_t slot, engine::Case& c, Stage stage, Instant from);
  void open_stage(engine::Shard& s, uint32_t slot, engine::Case& c, const engine::StagePlan& plan);
  static engine::StagePlan plan_stage(const Model& m, MatterId matter, Stage stage, Instant from);
  static const StageSla* stage_sla(const Model& m, MatterId matter, Stage stage, const Calendar** calendar);
  // Closes the stage's clock; returns whether it had breached (false when it was not open).
  bool close_stage(engine::Case& c, Stage stage);
  void summon(engine::Shard& s, uint32_t slot, engine::Case& c, UnitId unit, Instant at);
  engine::Summons* find_summons(engine::Shard& s, const engine::Case& c, UnitId unit, bool pending_only);
  // Arms a timer of case c in its lane (noted for an undo); cancels one once the operation is
  // done (an invalid handle is a no-op).
  void arm_timer(const engine::Case& c, TimerWheel::Handle& handle, Instant at, uint64_t payload);
  void cancel_timer(const engine::Case& c, TimerWheel::Handle handle);
  // ---- timer lanes (engine.cpp) ----
  engine::TimerLane& lane(uint32_t index) { return *lanes[index].load(std::memory_order_acquire); }
  uint32_t lane_count() const { return lane_total.load(std::memory_order_acquire); }
  engine::TimerLane& my_lane();  // the calling thread's, assigned (and created) on first use
  engine::TimerLane& create_lane();
  const StageSla* stage_sla(const engine::Case& c, Stage stage, const Calendar** calendar) const;

  // ---- timers firing (advance.cpp) ----
  Status advance_to(Instant now);
  void work_through_batch();
  void collect_due(engine::TimerLane& lane, Instant window_end, std::vector<engine::DueTimer>& out);
  // All or nothing; true when a breach wants its first escalation at once (a follow-up).
  bool fire(const engine::DueTimer& due);
  void escalate(engine::Shard& s, uint32_t slot, engine::Case& c, engine::StageClock& clock, Instant at);
  void note_deadline(Instant at) noexcept;   // lowers next_due, and wakes the realtime driver
  void lower_next_due(Instant at) noexcept;  // lowers next_due only
  void refresh_next_due();

  // ---- state ----
  EngineOptions options;
  uint32_t shard_bits;
  std::shared_ptr<const Model> base;  // territory and units, the same in every version
  engine::Directory directory;
  std::unique_ptr<std::atomic<const Model*>[]> versions;
  std::vector<std::shared_ptr<const Model>> version_owners;  // under reload_mutex
  std::atomic<uint32_t> current{0};
  std::mutex reload_mutex;
  engine::PerThread<engine::VersionPin> pins;
  engine::ChannelTable channels;
  std::vector<std::unique_ptr<engine::Shard>> shards;
  std::array<std::atomic<engine::TimerLane*>, engine::kMaxLanes> lanes{};  // [0, lane_total) exist
  std::atomic<uint32_t> lane_total{0};
  std::vector<std::unique_ptr<engine::TimerLane>> lane_owners;  // under lanes_mutex
  uint32_t lanes_assigned = 0;                                  // under lanes_mutex
  std::mutex lanes_mutex;
  engine::PerThread<engine::LaneRef> thread_lanes;
  EventLog log;
  std::atomic<Instant> advanced_to;                 // the clock: the last advance
  std::atomic<Instant> next_due{TimerWheel::kNever};  // no timer anywhere is due before this
  std::mutex advance_mutex;
  engine::AdvanceBatch batch;                       // under advance_mutex
  struct PoppedTimer {
    Instant at;
    uint64_t payload;
    TimerWheel::Handle timer;
  };
  std::vector<PoppedTimer> popped; // under advance_mutex: a lane's due entries
  std::unique_ptr<engine::RealtimeDriver> realtime;
};

}  // namespace whistle
