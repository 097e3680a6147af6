#include <algorithm>
#include <bit>

#include "whistle/scoring.hpp"

namespace whistle {

ScoreCounts& ScoreCounts::operator+=(const ScoreCounts& o) {
  received += o.received;
  accepted += o.accepted;
  accepted_on_time += o.accepted_on_time;
  resolved += o.resolved;
  resolved_on_time += o.resolved_on_time;
  evaluated += o.evaluated;
  satisfied += o.satisfied;
  returned += o.returned;
  redone += o.redone;
  summoned += o.summoned;
  reported_on_time += o.reported_on_time;
  escalations += o.escalations;
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

void Scoreboard::Samples::insert(size_t i, int64_t value) {
  if (size_ == block_start(blocks_.size())) {  // full: a block, before anything changes
    const size_t b = blocks_.size();
    std::vector<int64_t> block;
    block.reserve(block_start(b + 1) - block_start(b));
    blocks_.push_back(std::move(block));
  }
  blocks_.back().push_back(value);  // within the block's room
  for (size_t k = size_; k > i; --k) at(k) = at(k - 1);  // a time earlier than the last day's: move up
  if (i < size_) at(i) = value;
  ++size_;
}

// Out of memory (a unit's days or resolve times growing), throws having counted nothing.
void Scoreboard::apply(const ScoreFact& f) {
  if (f.unit >= units_.size()) return;
  UnitDays& u = units_[f.unit];
  const int64_t day = day_of(f.at);
  if (u.days.empty()) {
    u.days.reserve(UnitDays::kDaysReserved);
    u.first_day = day;
  }
  if (day < u.first_day) {  // facts arrive in time order, but be safe: grow to the front
    u.days.insert(u.days.begin(), static_cast<size_t>(u.first_day - day), Day{});  // no times: end 0
    u.first_day = day;
  }
  const auto index = static_cast<size_t>(day - u.first_day);
  if (index >= u.days.size()) {
    const uint64_t end = u.days.empty() ? 0 : u.days.back().resolve_end;
    u.days.resize(index + 1, Day{{}, end});
  }
  Day& d = u.days[index];
  ScoreCounts& c = d.counts;
  switch (f.kind) {
    case ScoreFact::received: ++c.received; break;
    case ScoreFact::accepted:
      ++c.accepted;
      c.accepted_on_time += f.on_time;
      break;
    case ScoreFact::resolved:
      u.resolve_ms.insert(d.resolve_end, f.resolve_ms);  // first: out of memory, nothing is counted
      for (size_t k = index; k < u.days.size(); ++k) ++u.days[k].resolve_end;
      ++c.resolved;
      c.resolved_on_time += f.on_time;
      break;
    case ScoreFact::evaluated:
      ++c.evaluated;
      c.satisfied += f.score >= 4;
      break;
    case ScoreFact::returned: ++c.returned; break;
    case ScoreFact::redone: ++c.redone; break;
    case ScoreFact::summoned: ++c.summoned; break;
    case ScoreFact::reported: c.reported_on_time += f.on_time; break;
    case ScoreFact::escalated: ++c.escalations; break;
  }
}

template <class Pick>
ScoreCounts Scoreboard::sum(Pick&& pick, Period period) const {
  ScoreCounts total;
  std::vector<int64_t> samples;
  for (UnitId unit = 0; unit < units_.size(); ++unit) {
    if (!pick(unit)) continue;
    const UnitDays& u = units_[unit];
    if (u.days.empty()) continue;
    const int64_t from = std::max(period.first_day, u.first_day);
    const int64_t to = std::min(period.end_day, u.first_day + static_cast<int64_t>(u.days.size()));
    if (from >= to) continue;
    for (int64_t day = from; day < to; ++day) total += u.days[static_cast<size_t>(day - u.first_day)].counts;
    const auto first = static_cast<size_t>(from - u.first_day), last = static_cast<size_t>(to - u.first_day);
    const uint64_t begin = first == 0 ? 0 : u.days[first - 1].resolve_end;
    for (uint64_t i = begin; i < u.days[last - 1].resolve_end; ++i) samples.push_back(u.resolve_ms[i]);
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
