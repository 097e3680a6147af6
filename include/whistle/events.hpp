// Events: what the engine tells the host (SPEC §3). Every operation emits exactly one event
// and timers emit theirs; each carries a per-engine sequence number, strictly increasing with
// no gaps, and the events of one case keep their causal order.
// Thread model: Event is a view into an EventBatch (or into the engine during a callback);
// EventBatch is a plain value owned by one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "whistle/responsibility.hpp"
#include "whistle/sla.hpp"
#include "whistle/time.hpp"

namespace whistle {

using CaseId = uint64_t;

enum class EventKind : uint8_t {
  dispatched = 0,
  unrouted,
  assigned,
  accepted,
  returned,
  whistled,
  reported_in,
  report_overdue,
  resolved,
  verified,
  redo,
  reopened,
  closed,
  warned,
  breached,
  escalated,
  denied,
};
inline constexpr size_t kEventKindCount = 17;
std::string_view event_kind_name(EventKind kind) noexcept;
std::optional<EventKind> parse_event_kind(std::string_view text) noexcept;

// The stage an event is about: a timer's stage, or the stage an operation completes (accept,
// resolve, verify, report for report_in, revisit for evaluate, dispatch for assign).
inline constexpr uint8_t kNoStage = 0xFF;

struct Event {
  uint64_t seq = 0;
  CaseId case_id = 0;
  Instant at = 0;
  EventKind kind = EventKind::dispatched;
  uint8_t stage = kNoStage;  // a Stage, or kNoStage
  uint16_t level = 0;        // escalations of the case since it was last dispatched or assigned
  UnitId actor = kNoUnit;    // the acting unit; kNoUnit for the host (submit) and for timers
  std::span<const UnitId> units;  // the units concerned (see SPEC §3)
  std::string_view detail;
  bool has_stage() const noexcept { return stage != kNoStage; }
};

// Events polled from the engine, with the storage their spans and strings point into.
// Reuse one batch across polls: its vectors keep their capacity, so polling allocates nothing
// in steady state.
class EventBatch {
 public:
  const std::vector<Event>& events() const noexcept { return events_; }
  size_t size() const noexcept { return events_.size(); }
  bool empty() const noexcept { return events_.empty(); }
  const Event& operator[](size_t i) const { return events_[i]; }
  auto begin() const noexcept { return events_.begin(); }
  auto end() const noexcept { return events_.end(); }
  void clear() noexcept {
    events_.clear();
    units_.clear();
    text_.clear();
  }

 private:
  friend class EventLog;
  std::vector<Event> events_;
  std::vector<UnitId> units_;
  std::string text_;
};

}  // namespace whistle
