#include <algorithm>
#include <bit>
#include <iterator>

#include "whistle/scoring.hpp"

namespace whistle {

namespace {
// The twelve additive counts of `from` added to `to` (a ScoreCounts, or a day's row of them).
template <class To, class From>
void add_counts(To& to, const From& from) noexcept {
  to.received += from.received;
  to.accepted += from.accepted;
  to.accepted_on_time += from.accepted_on_time;
  to.resolved += from.resolved;
  to.resolved_on_time += from.resolved_on_time;
  to.evaluated += from.evaluated;
  to.satisfied += from.satisfied;
  to.returned += from.returned;
  to.redone += from.redone;
  to.summoned += from.summoned;
  to.reported_on_time += from.reported_on_time;
  to.escalations += from.escalations;
}

// The first of a unit's rows (in day order) on or after `day`.
template <class Rows>
auto first_row_from(Rows& rows, int64_t day) {
  return std::lower_bound(rows.begin(), rows.end(), day, [](const auto& row, int64_t d) { return row.day < d; });
}
}  // namespace

ScoreCounts& ScoreCounts::operator+=(const ScoreCounts& o) {
  add_counts(*this, o);
  return *this;  // the median is not additive: sum() computes it from the samples
}

Score make_score(const ScoreCounts& c, const ScoreWeights& w) {
  Score s;
  s.counts = c;
  auto rate = [](uint64_t num, uint64_t den) { return den == 0 ? -1.0 : double(num) / double(den); };
  s.response_rate = rate(c.accepted_on_time, c.received);
  s.on_time_rate = rate(c.resolved_on_time, c.resolved);
  s.satisfaction_rate = rate(c.satisfied, c.evaluated);
  s.return_rate = rate(c.returned, c.received);
  s.redo_rate = rate(c.redone, c.resolved);
  s.report_rate = rate(c.reported_on_time, c.summoned);
  double total = 0, weight = 0;
  auto add = [&](double r, double wt) {
    if (r < 0 || wt <= 0) return;
    total += r * wt;
    weight += wt;
  };
  add(s.response_rate, w.response);
  add(s.on_time_rate, w.on_time);
  add(s.satisfaction_rate, w.satisfaction);
  add(s.return_rate < 0 ? -1 : 1 - std::min(1.0, s.return_rate), w.no_return);
  add(s.redo_rate < 0 ? -1 : 1 - std::min(1.0, s.redo_rate), w.no_redo);
  add(s.report_rate, w.report_in);
  s.composite = weight > 0 ? 100 * total / weight : -1;
  return s;
}

Scoreboard::Scoreboard(const Model& model, int32_t utc_offset_minutes)
    : offset_minutes_(utc_offset_minutes), units_(model.units().size()), territory_(&model.territory()) {
  for (const Unit& u : model.units()) {
    unit_node_.push_back(u.territory);
    unit_platform_.push_back(u.platform);
  }
}

int64_t Scoreboard::day_of(Instant at) const noexcept {
  return floor_div(at + int64_t{offset_minutes_} * kMsPerMinute, kMsPerDay);
}

size_t Scoreboard::Samples::block_of(size_t i) noexcept {
  if (i < kGrowingEnd) return static_cast<size_t>(std::bit_width((i >> kFirstBits) + 1)) - 1;
  return kGrowing + ((i - kGrowingEnd) >> kLargeBits);
}

size_t Scoreboard::Samples::block_start(size_t b) noexcept {
  if (b < kGrowing) return ((size_t{1} << b) - 1) << kFirstBits;
  return kGrowingEnd + ((b - kGrowing) << kLargeBits);
}

void Scoreboard::Samples::make_room(size_t n) {
  while (block_start(blocks_.size()) < size_ + n) {
    const size_t b = blocks_.size();
    std::vector<int64_t> block;
    block.reserve(block_start(b + 1) - block_start(b));
    blocks_.push_back(std::move(block));
  }
}

void Scoreboard::Samples::insert(size_t i, int64_t value) {
  make_room(1);  // a block when full, before anything changes
  blocks_[block_of(size_)].push_back(value);  // within the block's room (blocks after it may be made already)
  for (size_t k = size_; k > i; --k) at(k) = at(k - 1);  // a time earlier than the last day's: move up
  if (i < size_) at(i) = value;
  ++size_;
}

void Scoreboard::UnitDays::make_room(size_t rows, size_t times) {
  if (days.capacity() - days.size() < rows) days.reserve(std::max({kDaysReserved, 2 * days.size(), days.size() + rows}));
  resolve_ms.make_room(times);
}

void Scoreboard::apply_all(std::span<const ScoreFact> facts) {
  if (facts.size() > 1) {
    // Room first, for every fact: a new row per fact of a unit, a resolve time per resolution.
    for (const ScoreFact& f : facts) {
      if (f.unit >= units_.size()) continue;
      size_t rows = 0, times = 0;
      for (const ScoreFact& g : facts) {
        rows += g.unit == f.unit;
        times += g.unit == f.unit && g.kind == ScoreFact::resolved;
      }
      units_[f.unit].make_room(rows, times);
    }
  }
  for (const ScoreFact& f : facts) apply(f);  // allocates nothing now (one fact: all or nothing itself)
}

void Scoreboard::apply(const ScoreFact& f) {
  if (f.unit >= units_.size()) return;
  UnitDays& u = units_[f.unit];
  std::vector<Day>& days = u.days;
  const auto day = static_cast<int32_t>(day_of(f.at));  // the engine's instants lie in years 0001-9999
  // The day's row: almost always the last one; facts arrive in time order, but be safe.
  size_t index = days.size();
  if (!days.empty() && days.back().day == day) {
    index = days.size() - 1;
  } else if (!days.empty() && days.back().day > day) {
    index = static_cast<size_t>(first_row_from(days, day) - days.begin());
  }
  const bool fresh = index == days.size() || days[index].day != day;
  // What may allocate comes first: out of memory, this throws having counted nothing.
  u.make_room(fresh ? 1 : 0, f.kind == ScoreFact::resolved ? 1 : 0);
  const uint64_t times_begin = index == 0 ? 0 : days[index - 1].resolve_end;  // the day's resolve times
  if (f.kind == ScoreFact::resolved) u.resolve_ms.insert(fresh ? times_begin : days[index].resolve_end, f.resolve_ms);
  if (fresh) {
    days.insert(days.begin() + static_cast<std::ptrdiff_t>(index), Day{.day = day, .resolve_end = times_begin});
  }
  Day& d = days[index];
  switch (f.kind) {
    case ScoreFact::received: ++d.received; break;
    case ScoreFact::accepted:
      ++d.accepted;
      d.accepted_on_time += f.on_time;
      break;
    case ScoreFact::resolved:
      for (size_t k = index; k < days.size(); ++k) ++days[k].resolve_end;
      ++d.resolved;
      d.resolved_on_time += f.on_time;
      break;
    case ScoreFact::evaluated:
      ++d.evaluated;
      d.satisfied += f.score >= 4;
      break;
    case ScoreFact::returned: ++d.returned; break;
    case ScoreFact::redone: ++d.redone; break;
    case ScoreFact::summoned: ++d.summoned; break;
    case ScoreFact::reported: d.reported_on_time += f.on_time; break;
    case ScoreFact::escalated: ++d.escalations; break;
  }
}

size_t Scoreboard::Samples::memory_bytes() const noexcept {
  size_t bytes = blocks_.capacity() * sizeof(blocks_[0]);
  for (const auto& block : blocks_) bytes += block.capacity() * sizeof(int64_t);
  return bytes;
}

Scoreboard::Samples Scoreboard::Samples::suffix(size_t from) const {
  Samples out;
  for (size_t i = from; i < size_; ++i) out.insert(out.size(), (*this)[i]);
  return out;
}

void Scoreboard::forget_before(int64_t day) {
  // Everything that allocates first: each unit's kept rows and resolve times, in fresh storage
  // sized to what is kept (so the memory of what goes is given back).
  std::vector<UnitDays> kept(units_.size());
  std::vector<bool> changed(units_.size(), false);
  for (size_t unit = 0; unit < units_.size(); ++unit) {
    const UnitDays& u = units_[unit];
    const auto first_kept = first_row_from(u.days, day);
    if (first_kept == u.days.begin()) continue;
    changed[unit] = true;
    const uint64_t dropped_times = std::prev(first_kept)->resolve_end;
    std::vector<Day>& rows = kept[unit].days;
    rows.reserve(std::max<size_t>(UnitDays::kDaysReserved, static_cast<size_t>(u.days.end() - first_kept)));
    rows.assign(first_kept, u.days.end());
    for (Day& d : rows) d.resolve_end -= dropped_times;
    kept[unit].resolve_ms = u.resolve_ms.suffix(dropped_times);
  }
  for (size_t unit = 0; unit < units_.size(); ++unit) {
    if (changed[unit]) units_[unit] = std::move(kept[unit]);
  }
}

size_t Scoreboard::memory_bytes() const noexcept {
  size_t bytes = sizeof(*this) + units_.capacity() * sizeof(UnitDays) + unit_node_.capacity() * sizeof(NodeId) +
                 unit_platform_.capacity() * sizeof(Platform);
  for (const UnitDays& u : units_) bytes += u.days.capacity() * sizeof(Day) + u.resolve_ms.memory_bytes();
  return bytes;
}

template <class Pick>
ScoreCounts Scoreboard::sum(Pick&& pick, Period period) const {
  ScoreCounts total;
  std::vector<int64_t> samples;
  for (UnitId unit = 0; unit < units_.size(); ++unit) {
    if (!pick(unit)) continue;
    const std::vector<Day>& days = units_[unit].days;
    const auto first = first_row_from(days, period.first_day);
    const auto last = first_row_from(days, period.end_day);
    if (first == last) continue;
    for (auto d = first; d != last; ++d) add_counts(total, *d);
    const uint64_t begin = first == days.begin() ? 0 : std::prev(first)->resolve_end;
    const Samples& times = units_[unit].resolve_ms;
    for (uint64_t i = begin; i < std::prev(last)->resolve_end; ++i) samples.push_back(times[i]);
  }
  if (!samples.empty()) {
    // The lower median: an actual resolve time, the same however the samples were gathered.
    auto mid = samples.begin() + static_cast<std::ptrdiff_t>((samples.size() - 1) / 2);
    std::nth_element(samples.begin(), mid, samples.end());
    total.median_resolve_ms = *mid;
  }
  return total;
}

ScoreCounts Scoreboard::unit_counts(UnitId unit, Period period) const {
  return sum([&](UnitId u) { return u == unit; }, period);
}

ScoreCounts Scoreboard::node_counts(NodeId node, Period period) const {
  return sum(
      [&](UnitId u) {
        const NodeId at = unit_node_[u];
        if (at == kNoNode || territory_ == nullptr) return false;
        const auto chain = territory_->chain(at);
        return std::find(chain.begin(), chain.end(), node) != chain.end();
      },
      period);
}

ScoreCounts Scoreboard::platform_counts(Platform platform, Period period) const {
  return sum([&](UnitId u) { return unit_platform_[u] == platform; }, period);
}

}  // namespace whistle
