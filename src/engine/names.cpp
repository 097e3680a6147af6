// Names of the engine's enums, as events, the CLI and the C API spell them.
#include <array>

#include "whistle/engine.hpp"

namespace whistle {

namespace {
constexpr std::array<std::string_view, kEventKindCount> kEventKinds{
    "dispatched", "unrouted", "assigned", "accepted", "returned", "whistled", "reported_in", "report_overdue", "resolved",
    "verified",   "redo",     "reopened", "closed",   "warned",   "breached", "escalated",   "denied"};
constexpr std::array<std::string_view, 7> kStates{"unrouted", "dispatched", "accepted", "resolved",
                                                  "verified", "closed",     "returned"};
constexpr std::array<std::string_view, 9> kOperations{"assign",  "accept", "return",   "whistle", "report_in",
                                                      "resolve", "verify", "evaluate", "close"};
}  // namespace

std::string_view event_kind_name(EventKind kind) noexcept { return kEventKinds[static_cast<size_t>(kind)]; }

std::optional<EventKind> parse_event_kind(std::string_view text) noexcept {
  for (size_t i = 0; i < kEventKinds.size(); ++i) {
    if (kEventKinds[i] == text) return static_cast<EventKind>(i);
  }
  return std::nullopt;
}

std::string_view case_state_name(CaseState state) noexcept { return kStates[static_cast<size_t>(state)]; }

std::string_view operation_name(Operation op) noexcept { return kOperations[static_cast<size_t>(op)]; }

std::optional<Operation> parse_operation(std::string_view text) noexcept {
  for (size_t i = 0; i < kOperations.size(); ++i) {
    if (kOperations[i] == text) return static_cast<Operation>(i);
  }
  return std::nullopt;
}

}  // namespace whistle
