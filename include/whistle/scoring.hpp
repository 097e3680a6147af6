// Scoring (考评, SPEC §4): per unit and period, counts derived from the events — received,
// accepted on time, resolved (on time), evaluated (satisfied), returned, redo and reopened,
// summoned (reported in on time), escalations suffered, resolve times — and the rates and
// composite score computed from them. The same numbers per territory node (every unit serving
// a node of its subtree) and per platform (every unit of that platform).
//
// "On time" means before the stage's breach: an acceptance is on time when the accept stage
// had not breached, a resolution when the resolve stage had not, a report-in when the unit's
// report stage had not run out. So the live counters equal a recount from the event stream
// (Scoreboard::recount) exactly.
//
// Periods are local days (in the engine's scoring UTC offset): [first_day, end_day).
// Thread model: a Scoreboard is not thread-safe; the engine guards its own.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "whistle/events.hpp"
#include "whistle/model.hpp"

namespace whistle {

struct Period {
  int64_t first_day = INT64_MIN;  // days since 1970-01-01, local
  int64_t end_day = INT64_MAX;    // exclusive
  static Period all() { return {}; }
};

struct ScoreCounts {
  uint64_t received = 0;            // became primary (dispatched or assigned)
  uint64_t accepted = 0;
  uint64_t accepted_on_time = 0;
  uint64_t resolved = 0;
  uint64_t resolved_on_time = 0;
  uint64_t evaluated = 0;
  uint64_t satisfied = 0;           // score >= 4
  uint64_t returned = 0;
  uint64_t redone = 0;              // verify failed (redo) or reopened on evaluation
  uint64_t summoned = 0;
  uint64_t reported_on_time = 0;
  uint64_t escalations = 0;         // escalations of cases while the unit was primary
  int64_t median_resolve_ms = -1;   // median of (resolved - became primary); -1 when none
  friend bool operator==(const ScoreCounts&, const ScoreCounts&) = default;
  ScoreCounts& operator+=(const ScoreCounts& o);
};

// Weights of the composite; a rate whose denominator is zero drops out of the average.
struct ScoreWeights {
  double response = 20;      // accepted on time / received (响应率)
  double on_time = 25;       // resolved on time / resolved (按期办结率)
  double satisfaction = 25;  // satisfied / evaluated (满意率)
  double no_return = 10;     // 1 - returned / received (回退率)
  double no_redo = 10;       // 1 - redone / resolved (重办率)
  double report_in = 10;     // reported in on time / summoned (报到率)
};

struct Score {
  ScoreCounts counts;
  double response_rate = -1, on_time_rate = -1, satisfaction_rate = -1, return_rate = -1, redo_rate = -1,
         report_rate = -1;  // -1: no denominator
  double composite = -1;    // 0-100 weighted mean of the defined rates; -1 when none is
};
Score make_score(const ScoreCounts& counts, const ScoreWeights& weights);

// What one event contributes, with the facts the event alone does not carry (whether a stage
// had breached, the primary at that moment, the resolve time). The engine builds these as it
// goes; recount() rebuilds them from the events.
struct ScoreFact {
  enum Kind : uint8_t { received, accepted, resolved, evaluated, returned, redone, summoned, reported, escalated };
  Kind kind;
  bool on_time = false;
  uint8_t score = 0;
  UnitId unit = kNoUnit;
  Instant at = 0;
  int64_t resolve_ms = 0;
};

class Scoreboard {
 public:
  Scoreboard() = default;
  Scoreboard(const Model& model, int32_t utc_offset_minutes);

  // Counts one fact. Out of memory (a unit's days or resolve times growing), throws having
  // counted nothing.
  void apply(const ScoreFact& fact);
  // Counts the facts of one event (a whistle carries one per unit summoned): all of them or,
  // out of memory, none (room for every one is made before any is counted).
  void apply_all(std::span<const ScoreFact> facts);

  ScoreCounts unit_counts(UnitId unit, Period period) const;
  // Every unit serving `node` or a node below it.
  ScoreCounts node_counts(NodeId node, Period period) const;
  ScoreCounts platform_counts(Platform platform, Period period) const;

  int32_t utc_offset_minutes() const noexcept { return offset_minutes_; }
  int64_t day_of(Instant at) const noexcept;

  // Bytes held: the per-unit day rows and resolve times (capacity included).
  size_t memory_bytes() const noexcept;
  // Drops every count and resolve time of the days before `day` (local days since
  // 1970-01-01), to bound the memory of a board that runs for years: a query then sees
  // nothing before it (a period that starts earlier counts from `day`), and one from `day` on
  // is unchanged. Out of memory (the resolve times kept are copied), throws having changed
  // nothing.
  void forget_before(int64_t day);

  // The scoreboard a stream of events implies, computed apart from the engine.
  static Scoreboard recount(const Model& model, int32_t utc_offset_minutes, std::span<const Event> events);

 private:
  // A unit's resolve times in day order, in blocks that never move: the first holds 64, each
  // next one twice as many up to 4,096, then 4,096 each. Storing one allocates only when a
  // block fills (no allocation per resolution, and no long copy under the event merge's lock
  // as a unit's history grows), and a unit that resolves little holds little.
  class Samples {
   public:
    size_t size() const noexcept { return size_; }
    const int64_t& operator[](size_t i) const noexcept {
      const size_t b = block_of(i);
      return blocks_[b][i - block_start(b)];
    }
    // Puts `value` at position `at` (almost always the end). Out of memory, throws having
    // changed nothing.
    void insert(size_t at, int64_t value);
    // Room for `n` more times: the next n inserts allocate nothing. Out of memory, throws
    // (the room made so far stays, unused).
    void make_room(size_t n);
    size_t memory_bytes() const noexcept;
    // The times from `from` on, in new blocks. Out of memory, throws.
    Samples suffix(size_t from) const;

   private:
    static constexpr size_t kFirstBits = 6, kLargeBits = 12;  // 64, then up to 4,096
    static constexpr size_t kGrowing = kLargeBits - kFirstBits;  // blocks 0-5 grow
    static constexpr size_t kGrowingEnd = (size_t{1} << kLargeBits) - (size_t{1} << kFirstBits);  // 4,032
    static size_t block_of(size_t i) noexcept;
    static size_t block_start(size_t b) noexcept;
    int64_t& at(size_t i) noexcept { return const_cast<int64_t&>(std::as_const(*this)[i]); }
    std::vector<std::vector<int64_t>> blocks_;  // each with room for its whole size
    size_t size_ = 0;
  };
  // One day of one unit with any fact: its counts (32 bits are ample for a unit's day) and
  // where its resolve times end (they begin where the row before's end). 64 bytes, a line.
  struct Day {
    int32_t day = 0;  // days since 1970-01-01, local (years 0001-9999 need 22 bits)
    uint32_t received = 0, accepted = 0, accepted_on_time = 0, resolved = 0, resolved_on_time = 0, evaluated = 0,
             satisfied = 0, returned = 0, redone = 0, summoned = 0, reported_on_time = 0, escalations = 0;
    uint64_t resolve_end = 0;
  };
  static_assert(sizeof(Day) == 64);
  // A unit's days with facts, in day order: a unit that acts one day in ten holds a row for
  // that day only, not for the nine between.
  struct UnitDays {
    static constexpr size_t kDaysReserved = 64;  // room made on a unit's first fact
    std::vector<Day> days;
    Samples resolve_ms;
    // Room for `rows` more days and `times` more resolve times: counting them then allocates
    // nothing. Out of memory, throws (the room made so far stays, unused).
    void make_room(size_t rows, size_t times);
  };
  template <class Pick>
  ScoreCounts sum(Pick&& pick, Period period) const;

  int32_t offset_minutes_ = 0;
  std::vector<UnitDays> units_;
  std::vector<NodeId> unit_node_;
  std::vector<Platform> unit_platform_;
  const Territory* territory_ = nullptr;
};

}  // namespace whistle
