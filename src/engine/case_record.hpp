// The state of one case as a shard stores it: a fixed-size record with its open stages' timers
// inline (at most two main stages are open at once: accept and resolve), cooperating units
// inline up to four, summons in a shard pool. Plain data; guarded by the shard's lock.
#pragma once

#include <cstdint>

#include "whistle/engine.hpp"
#include "whistle/timer_wheel.hpp"

namespace whistle::engine {

inline constexpr uint32_t kNone = 0xFFFFFFFFu;

// What the pending timer of a stage clock will do when it fires.
enum class ClockPhase : uint8_t {
  idle = 0,   // no timer: the stage has no deadline, or its escalations are over
  warn,       // at the warning instant: `warned`, then wait for the deadline
  breach,     // at the deadline: `breached`, then the first escalation at once
  escalate,   // every escalate_every after the breach: `escalated` up the ladder
  expire,     // revisit: the case closes with detail no_evaluation
};

// One open main stage (dispatch, accept, resolve, verify, revisit).
struct StageClock {
  Instant deadline = 0;          // valid when has_deadline; the breach instant too (escalations count from it)
  TimerWheel::Handle timer = TimerWheel::kInvalidHandle;
  Stage stage = Stage::dispatch;
  ClockPhase phase = ClockPhase::idle;
  bool open = false;
  bool has_deadline = false;
  bool breached = false;         // an operation closing the stage now is late
  uint8_t escalations = 0;       // escalations this stage has emitted (the next is number k)
  uint16_t generation = 0;       // bumped on every arm: a timer taken before a cancel is ignored
};

// A unit summoned by a whistle: its report stage.
struct Summons {
  UnitId unit = kNoUnit;
  uint32_t next = kNone;         // next summons of the same case, or the next free record
  uint32_t slot = kNone;         // the case
  Instant deadline = 0;
  TimerWheel::Handle timer = TimerWheel::kInvalidHandle;
  uint16_t generation = 0;
  bool has_deadline = false;
  bool reported = false;
  bool overdue = false;
};

inline constexpr uint32_t kInlineCooperating = 4;

// 128 bytes on a cache-line boundary: an operation touches two lines, and prefetch asks for two.
struct alignas(64) Case {
  CaseId id = 0;
  Instant received = 0;
  Instant primary_since = 0;     // when the current primary became primary (resolve time)
  MatterId matter = kNoMatter;
  NodeId place = kNoNode;
  UnitId primary = kNoUnit;
  UnitId supervisor = kNoUnit;
  uint32_t version = 0;
  uint32_t external_ref = kNone; // TextArena handle
  uint32_t cooperating_extra = kNone;  // overflow list in the shard, when more than inline
  uint32_t summons = kNone;      // first Summons record
  UnitId cooperating[kInlineCooperating] = {kNoUnit, kNoUnit, kNoUnit, kNoUnit};
  uint16_t level = 0;
  uint8_t cooperating_count = 0; // inline ones; the rest are in cooperating_extra
  uint8_t external_ref_length = 0;
  uint8_t channel = 0;
  CaseState state = CaseState::unrouted;
  RouteOutcome route = RouteOutcome::routed;
  uint8_t lane = 0;              // the timer lane holding this case's timers (its submitter's)
  StageClock clocks[2];

  bool is_open() const noexcept { return state != CaseState::closed; }
};

// Timer payloads: which clock of which case (or which summons) in which shard, and the arm
// generation. Bits: 0-31 slot or summons, 32-33 kind, 34-49 generation, 50-61 shard.
inline constexpr uint64_t kPayloadSummons = 2;
inline uint64_t clock_payload(uint32_t shard, uint32_t slot, uint32_t clock, uint16_t generation) {
  return uint64_t{slot} | (uint64_t{clock} << 32) | (uint64_t{generation} << 34) | (uint64_t{shard} << 50);
}
inline uint64_t summons_payload(uint32_t shard, uint32_t summons, uint16_t generation) {
  return uint64_t{summons} | (kPayloadSummons << 32) | (uint64_t{generation} << 34) | (uint64_t{shard} << 50);
}
inline uint32_t payload_index(uint64_t p) { return static_cast<uint32_t>(p); }
inline uint32_t payload_kind(uint64_t p) { return static_cast<uint32_t>((p >> 32) & 3); }
inline uint16_t payload_generation(uint64_t p) { return static_cast<uint16_t>(p >> 34); }
inline uint32_t payload_shard(uint64_t p) { return static_cast<uint32_t>(p >> 50) & 0xFFF; }

static_assert(sizeof(Case) == 128, "a case record is two cache lines");

}  // namespace whistle::engine
