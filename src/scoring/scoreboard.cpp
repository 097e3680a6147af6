#include <algorithm>

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

void Scoreboard::apply(const ScoreFact& f) {
  if (f.unit >= units_.size()) return;
  UnitDays& u = units_[f.unit];
  const int64_t day = day_of(f.at);
  if (u.days.empty()) u.first_day = day;
  if (day < u.first_day) {  // facts arrive in time order, but be safe: grow to the front
    u.days.insert(u.days.begin(), static_cast<size_t>(u.first_day - day), Day{});
    u.first_day = day;
  }
  const auto index = static_cast<size_t>(day - u.first_day);
  if (index >= u.days.size()) u.days.resize(index + 1);
  Day& d = u.days[index];
  ScoreCounts& c = d.counts;
  switch (f.kind) {
    case ScoreFact::received: ++c.received; break;
    case ScoreFact::accepted:
      ++c.accepted;
      c.accepted_on_time += f.on_time;
      break;
    case ScoreFact::resolved:
      d.resolve_ms.push_back(f.resolve_ms);  // first: out of memory, nothing is counted
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
    for (int64_t day = from; day < to; ++day) {
      const Day& d = u.days[static_cast<size_t>(day - u.first_day)];
      total += d.counts;
      samples.insert(samples.end(), d.resolve_ms.begin(), d.resolve_ms.end());
    }
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
