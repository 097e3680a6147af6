// SLA classes (sla.csv, SPEC §1-§2): per stage a limit, a warning lead, an escalation interval
// and the calendar they are counted on. Plain immutable data.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "whistle/calendar.hpp"

namespace whistle {

enum class Stage : uint8_t { dispatch = 0, accept, resolve, report, verify, revisit };
inline constexpr size_t kStageCount = 6;
inline constexpr uint32_t kNoCalendar = 0xFFFFFFFFu;

std::string_view stage_name(Stage stage) noexcept;
std::optional<Stage> parse_stage(std::string_view text) noexcept;

struct StageSla {
  bool has_deadline = false;  // false: an empty limit or no row: the stage has no deadline
  Duration limit;
  std::optional<Duration> warn_before;
  std::optional<Duration> escalate_every;
  uint32_t calendar = kNoCalendar;  // index into Model::calendars()
};

struct SlaClass {
  std::string name;
  std::array<StageSla, kStageCount> stages;
  const StageSla& stage(Stage s) const { return stages[static_cast<size_t>(s)]; }
};

}  // namespace whistle
