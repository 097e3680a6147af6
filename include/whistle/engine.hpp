// Engine: the case lifecycle of SPEC §3 over a loaded Model — submit, dispatch, the stage
// timers with warnings, breaches and escalation up the ladder, whistles and report-ins,
// resolution, verification, evaluation — with events, scoring and reload.
//
// Thread model: every method is thread-safe. Cases are sharded by id, each shard behind its own
// short lock; the model is an immutable snapshot read without locks and swapped by reload()
// (new cases use the new version; each case keeps the version it was routed with). With the
// manual clock, timers fire only inside advance(); the same calls in the same order give the
// same events with the same sequence numbers. With the realtime clock an engine thread (Boost
// Asio) advances the clock and operations take the system time.
//
// Events go to the host either by polling (poll_events) or, once a callback is set, by the
// callback: it runs on one thread at a time (whichever thread finished an operation), in
// sequence order, outside every shard lock; it may call the engine.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "whistle/events.hpp"
#include "whistle/model.hpp"
#include "whistle/scoring.hpp"
#include "whistle/status.hpp"

namespace whistle {

enum class CaseState : uint8_t { unrouted = 0, dispatched, accepted, resolved, verified, closed, returned };
std::string_view case_state_name(CaseState state) noexcept;

enum class Operation : uint8_t { assign = 0, accept, return_case, whistle, report_in, resolve, verify, evaluate, close };
std::string_view operation_name(Operation op) noexcept;  // "return" for return_case
std::optional<Operation> parse_operation(std::string_view text) noexcept;

// Units one assign or whistle may name (EINVAL beyond).
inline constexpr size_t kMaxActionUnits = 1024;

// Cases an engine can be pre-sized for (EngineOptions::expected_cases): 2^32.
inline constexpr size_t kMaxExpectedCases = size_t{1} << 32;

struct EngineOptions {
  enum class Clock : uint8_t { manual, realtime };
  Clock clock = Clock::manual;
  Instant start = 0;            // manual clock: the initial instant
  // Realtime clock: where "now" comes from (default: the system clock, ms since the epoch).
  // A host may supply its own, e.g. a simulation clock; it must never go backwards.
  std::function<Instant()> clock_source;
  size_t expected_cases = 0;    // pre-sizes and faults in the case tables (no rehash, no page fault below this many);
                                // at most kMaxExpectedCases, ENOMEM when the memory is not there
  uint32_t shards = 0;          // case shards (rounded up to a power of two, at most 4,096); 0: 8 per hardware thread,
                                // at least 16. Timers are not sharded: a case's live in the timer lane of the thread
                                // that submitted it (one wheel per submitting thread, up to 64).
  // Scoring days are local days at this offset; default: the model's first calendar's.
  std::optional<int32_t> scoring_utc_offset_minutes;
  ScoreWeights weights;
};

struct Submission {
  CaseId id = 0;
  MatterId matter = kNoMatter;
  LonLat point{};             // used when place == kNoNode
  NodeId place = kNoNode;     // a territory node in place of a point: that node, no zones
  Instant received = 0;       // manual clock; the realtime clock uses the system time
  std::string_view channel;   // hotline, app, grid, …
  std::string_view external_ref;  // at most 64 bytes
};

struct Action {
  Operation op = Operation::accept;
  CaseId case_id = 0;
  UnitId actor = kNoUnit;
  Instant at = 0;                  // manual clock; the realtime clock uses the system time
  std::span<const UnitId> units;   // assign: primary, then cooperating; whistle: summoned
  bool pass = false;               // verify
  uint8_t score = 0;               // evaluate: 1-5
  bool reopen = false;             // evaluate
  std::string_view text;           // return: reason; resolve: note; close: reason
};

struct CaseInfo {
  CaseId id = 0;
  CaseState state = CaseState::unrouted;
  MatterId matter = kNoMatter;
  NodeId place = kNoNode;
  RouteOutcome route = RouteOutcome::routed;  // why it was unrouted, when it was
  UnitId primary = kNoUnit;
  std::vector<UnitId> cooperating;
  UnitId supervisor = kNoUnit;
  uint16_t level = 0;
  uint32_t rules_version = 0;
  Instant received = 0;
  std::string channel;
  std::string external_ref;
  struct Deadline {
    Stage stage;
    Instant at;
    UnitId unit = kNoUnit;  // the summoned unit, for the report stage
  };
  std::vector<Deadline> deadlines;  // open stages with a deadline
  std::vector<UnitId> summoned;
  std::vector<UnitId> reported;
};

struct EngineStats {
  size_t cases = 0, open_cases = 0, timers = 0;
  uint64_t events = 0;          // sequence numbers issued
  size_t pending_events = 0;    // emitted, not yet polled or delivered
  size_t memory_bytes = 0;      // case tables, timers, pending events (not the model)
  size_t score_bytes = 0;       // the scoreboard: per unit and day, resolve times (grows with time)
  uint32_t rules_version = 0;
  // Realtime clock: times its thread ran out of memory (std::bad_alloc firing timers or setting
  // up its next wait; each time it goes on 100 ms later, with the timer it failed on). Nonzero
  // means deadlines fired late, not that anything was lost (docs/cpp-guide.md).
  uint64_t realtime_out_of_memory = 0;
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> open(std::shared_ptr<const Model> model, const EngineOptions& options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Out of memory, submit, act and each timer an advance fires throw std::bad_alloc having
  // changed nothing (docs/cpp-guide.md); a batch keeps the submissions before the one that threw.

  // EEXISTS for a known id, ENOTFOUND for an unknown matter or place, EINVAL for an instant
  // before the clock or bad fields; nothing changes then.
  Status submit(const Submission& s);
  // One status per submission (results.size() >= batch.size()), each what submit() would
  // give; the events are those of one submit() each, in order. With a callback, they are
  // delivered once, after the batch (one merge for all: with a callback, a submission costs
  // about two thirds of what it costs through submit()).
  void submit_batch(std::span<const Submission> batch, std::span<Status> results);
  // ENOTFOUND (case or unit), EINVAL (instant, arguments), EDENIED (with a `denied` event),
  // ESTATE; nothing changes unless OK.
  Status act(const Action& a);
  // act() for each action in turn, as submit_batch() is submit() for each submission: a status
  // each, the same events, delivered to a callback once after the batch.
  void act_batch(std::span<const Action> batch, std::span<Status> results);

  // Manual clock: fires every timer due at or before `now`, in deadline order. EINVAL when
  // `now` is before the clock or the engine runs on the realtime clock.
  Status advance(Instant now);
  Instant now() const noexcept;

  // Moves up to `max` pending events into `out` (replacing its contents); returns how many.
  size_t poll_events(EventBatch& out, size_t max = SIZE_MAX);
  // From now on, events go to `callback` instead of the poll queue (pending ones first). The
  // callback must not throw (the rest of the batch it was called for would be lost).
  void set_event_callback(std::function<void(const Event&)> callback);

  Status get_case(CaseId id, CaseInfo& out) const;
  // A hint: starts loading what finding case `id` touches first, and the case record itself
  // four hints later (this thread's), when the first load has arrived. A host working through
  // a stream of operations calls it about eight operations ahead; the misses then overlap
  // other work. Takes no lock and never blocks.
  void prefetch(CaseId id) const noexcept;
  // Which of `partitions` parts of the engine's shards holds case `id` (0 … partitions-1; 0
  // when partitions ≤ 1): a pure function of the id and the shard count. A host running
  // several worker threads can give worker k the cases of partition k — it numbers its new
  // cases in partition k and sends every operation on a case to partition_of(case) — and no
  // shard is then written by two workers: each shard's lock and counters stay in one core's
  // cache. With partitions ≤ the shard count the parts are whole shards, as even as the count
  // divides (16 shards in 3: 6, 5, 5); with more partitions than shards, each shard is split
  // among consecutive parts and a part spans at most two shards.
  uint32_t partition_of(CaseId id, uint32_t partitions) const noexcept;

  // Swaps in a new model version: new responsibility list, matters, SLA classes, calendars.
  // The territory and the units must be the same (codes, in order). Returns the new version.
  // Frees the older versions no open case or submission in flight uses any more.
  Result<uint32_t> reload(std::shared_ptr<const Model> model);
  uint32_t rules_version() const noexcept;
  std::shared_ptr<const Model> model() const;  // the current version

  Score unit_score(UnitId unit, Period period = Period::all()) const;
  Score node_score(NodeId node, Period period = Period::all()) const;
  Score platform_score(Platform platform, Period period = Period::all()) const;
  int64_t scoring_day(Instant at) const noexcept;
  // Forgets the scores of the local days before `day` (a scoring_day): the scoreboard grows
  // with the days units act on, and a host that runs for years bounds it with this, say once
  // a month. Queries then count nothing before `day`. Out of memory, throws std::bad_alloc
  // having forgotten nothing.
  void forget_scores_before(int64_t day);

  EngineStats stats() const;

  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace whistle
