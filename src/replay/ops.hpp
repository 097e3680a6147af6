// Operation rows for a replay (SPEC §6 `whistle replay`): the ops CSV read into rows with
// codes resolved to ids, in file order. A row that cannot be understood (unknown code, bad
// number) keeps its error, which the replay prints as an `error` object before going on.
// Thread model: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "whistle/engine.hpp"

namespace whistle::replay {

struct OpRow {
  enum class Kind : uint8_t { submit, act, advance };
  uint32_t line = 0;
  Kind kind = Kind::advance;
  std::string op;                 // as written
  Instant at = 0;
  bool has_at = false;            // `at` was read
  int32_t offset_minutes = 0;     // of `at` as written
  CaseId case_id = 0;
  // submit
  MatterId matter = kNoMatter;
  LonLat point{};
  NodeId place = kNoNode;
  std::string channel, external_ref;
  // act
  Operation operation = Operation::accept;
  UnitId actor = kNoUnit;
  std::vector<UnitId> units;
  bool pass = false;
  uint8_t score = 0;
  bool reopen = false;
  std::string text;
  // set when the row could not be read; the replay reports it and goes on
  StatusCode error = StatusCode::ok;
  std::string message;

  Submission submission() const;
  Action action() const;
};

// Reads the ops CSV (columns at,op,case,actor,matter,lon,lat,place,units,value,note, found by
// name). A malformed file (bad CSV, a missing `at` or `op` column) is an error; a bad row is
// a row with its error set.
Result<std::vector<OpRow>> read_ops(std::string_view text, std::string_view file, const Model& model);

}  // namespace whistle::replay
