#include "sample/workload.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "engine/directory.hpp"
#include "sample/tiling.hpp"

namespace whistle::sample {

namespace {

constexpr Instant kMinute = 60'000, kHour = 3'600'000, kDay = 86'400'000;

// Arrivals by hour of day (12345 traffic: a morning and an afternoon peak, quiet nights).
constexpr double kHourWeight[24] = {1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 3, 6, 8, 8, 7, 5, 6, 7, 7, 6, 5, 4, 3, 3, 2, 1.5, 1};

// The Hangzhou street's mix (SPEC): traffic 22, stability 21, city management 18, cleaning
// 17, fire 12, environment 5, market 3, disputes 2 (percent); other domains get none.
const std::map<std::string, int> kDomainShare = {{"traffic", 22}, {"stability", 21}, {"enforcement", 18},
                                                 {"cleaning", 17}, {"fire", 12},      {"environment", 5},
                                                 {"market", 3},    {"disputes", 2}};

// A stage's limit as rough natural time, to place "on time" and "late" actions.
Instant nominal(const Model& m, MatterId matter, Stage stage) {
  const uint32_t cls = m.matters()[matter].sla_class;
  if (cls == kNoSlaClass) return 8 * kHour;
  const StageSla& s = m.sla_classes()[cls].stage(stage);
  if (!s.has_deadline) return 8 * kHour;
  const Instant n = s.limit.count;
  switch (s.limit.unit) {
    case DurationUnit::working_days: return n * kDay;
    case DurationUnit::working_hours: return n * 2 * kHour;
    case DurationUnit::hours: return n * kHour;
    case DurationUnit::minutes: return n * kMinute;
  }
  return 8 * kHour;
}

class CaseScript {
 public:
  CaseScript(std::vector<WorkOp>& out, CaseId id, Instant start) : out_(out), id_(id), t_(start) {}
  Instant now() const { return t_; }
  void wait(Instant d) { t_ += std::max<Instant>(d, 1000); }
  WorkOp& push(Operation op, UnitId actor) {
    WorkOp w;
    w.at = t_;
    w.case_id = id_;
    w.op = op;
    w.actor = actor;
    out_.push_back(w);
    return out_.back();
  }

 private:
  std::vector<WorkOp>& out_;
  CaseId id_;
  Instant t_;
};

}  // namespace

Workload make_workload(const Model& model, const WorkloadSpec& spec) {
  Workload w;
  w.cases = spec.cases;
  Random rng(spec.seed);
  const engine::Directory dir(model);

  // Matters by domain, weighted by the mix.
  std::vector<std::pair<int, std::vector<MatterId>>> mix;
  for (const auto& [domain, share] : kDomainShare) {
    std::vector<MatterId> ms;
    for (MatterId m = 0; m < model.matters().size(); ++m) {
      if (model.matters()[m].domain == domain) ms.push_back(m);
    }
    if (!ms.empty()) mix.emplace_back(share, std::move(ms));
  }
  if (mix.empty()) {  // a model with other domains: all matters alike
    std::vector<MatterId> all(model.matters().size());
    for (MatterId m = 0; m < all.size(); ++m) all[m] = m;
    mix.emplace_back(1, std::move(all));
  }
  int total_share = 0;
  for (const auto& [share, ms] : mix) total_share += share;
  std::vector<UnitId> departments;
  for (UnitId u = 0; u < model.units().size(); ++u) {
    if (model.units()[u].kind == "department") departments.push_back(u);
  }

  // Where cases happen: 40 places (town seats, markets, estates) in the leaf grid's extent,
  // a gaussian blob around each, a few points outside it.
  const GridIndex::GridNode& g = model.leaf_index().top();
  const double x0 = g.x0 / kUnitsPerDegree, y0 = g.y0 / kUnitsPerDegree;
  const double width = double(uint64_t{g.nx} << g.shift) / kUnitsPerDegree, height = double(uint64_t{g.ny} << g.shift) / kUnitsPerDegree;
  std::vector<LonLat> centres(40);
  for (auto& c : centres) c = {x0 + (0.15 + 0.7 * rng.uniform()) * width, y0 + (0.15 + 0.7 * rng.uniform()) * height};
  w.points.resize(spec.cases);
  for (auto& p : w.points) {
    const LonLat& c = centres[rng.below(centres.size())];
    const double r = std::sqrt(-2 * std::log(std::max(rng.uniform(), 1e-12))), a = 2 * M_PI * rng.uniform();
    p = {c.lon + 0.05 * width * r * std::cos(a), c.lat + 0.05 * height * r * std::sin(a)};
  }

  // Arrival instants, sorted: case ids follow arrival order.
  double hour_total = 0;
  for (double v : kHourWeight) hour_total += v;
  std::vector<Instant> arrivals(spec.cases);
  for (auto& t : arrivals) {
    double pick = rng.uniform() * hour_total;
    int hour = 0;
    while (hour < 23 && pick >= kHourWeight[hour]) pick -= kHourWeight[hour++];
    t = spec.start + static_cast<Instant>(rng.below(spec.days)) * kDay + hour * kHour +
        static_cast<Instant>(rng.below(static_cast<uint64_t>(kHour)));
  }
  std::sort(arrivals.begin(), arrivals.end());
  w.channel.resize(spec.cases);

  Route route;
  Location scratch;
  w.ops.reserve(spec.cases * 6);
  auto other_department = [&](UnitId not_this) {
    UnitId d = departments[rng.below(departments.size())];
    if (d == not_this && departments.size() > 1) d = departments[(rng.below(departments.size() - 1) + 1) % departments.size()];
    return d;
  };
  for (size_t i = 0; i < spec.cases; ++i) {
    const CaseId id = i + 1;
    int pick = static_cast<int>(rng.below(static_cast<uint64_t>(total_share)));
    size_t d = 0;
    while (d + 1 < mix.size() && pick >= mix[d].first) pick -= mix[d++].first;
    const MatterId matter = mix[d].second[rng.below(mix[d].second.size())];
    w.channel[i] = static_cast<uint8_t>(rng.below(10) < 6 ? 0 : rng.below(2) + 1);
    CaseScript s(w.ops, id, arrivals[i]);
    WorkOp& submit = s.push(Operation::accept, kNoUnit);
    submit.submit = true;
    submit.matter = matter;
    submit.point = static_cast<uint32_t>(i);
    model.route(matter, w.points[i], route, scratch);
    const NodeId place = route.place;
    if (dir.ladder(place).empty() || departments.empty()) continue;  // nobody to carry it on
    auto late = [&](double share) { return rng.uniform() < share; };
    auto delay = [&](Stage stage, bool is_late) {
      const double f = is_late ? 1.5 + 2.0 * rng.uniform() : 0.05 + 0.55 * rng.uniform();
      return static_cast<Instant>(f * double(nominal(model, matter, stage)));
    };
    UnitId primary = route.routed() ? route.primary : kNoUnit;
    if (primary == kNoUnit) {  // the centre assigns it
      s.wait(delay(Stage::dispatch, late(0.05)));
      primary = departments[rng.below(departments.size())];
      WorkOp& a = s.push(Operation::assign, dir.highest(place));
      a.units[0] = primary;
      a.unit_count = 1;
    }
    UnitId centre = dir.owner(place, primary);
    if (rng.uniform() < 0.01) {  // a duplicate: the centre closes it
      s.wait(static_cast<Instant>(rng.below(48)) * kHour);
      s.push(Operation::close, centre);
      continue;
    }
    if (rng.uniform() < 0.03) {  // 退单: returned, then assigned elsewhere
      s.wait(delay(Stage::accept, false));
      s.push(Operation::return_case, primary);
      s.wait(delay(Stage::dispatch, late(0.1)));
      primary = other_department(primary);
      WorkOp& a = s.push(Operation::assign, dir.highest(place));
      a.units[0] = primary;
      a.unit_count = 1;
      centre = dir.owner(place, primary);
    }
    s.wait(delay(Stage::accept, late(0.08)));
    s.push(Operation::accept, primary);
    std::vector<std::pair<Instant, UnitId>> reports;
    if (rng.uniform() < 0.06) {  // 吹哨: departments summoned to report in
      const Instant at = s.now() + static_cast<Instant>(rng.below(3 * kHour));
      WorkOp whistle;
      whistle.at = at;
      whistle.case_id = id;
      whistle.op = Operation::whistle;
      whistle.actor = primary;
      whistle.unit_count = static_cast<uint8_t>(1 + rng.below(2));
      for (uint8_t k = 0; k < whistle.unit_count; ++k) whistle.units[k] = other_department(primary);
      if (whistle.unit_count == 2 && whistle.units[0] == whistle.units[1]) whistle.unit_count = 1;
      w.ops.push_back(whistle);
      for (uint8_t k = 0; k < whistle.unit_count; ++k) {
        reports.emplace_back(at + 1000 + delay(Stage::report, late(0.15)), whistle.units[k]);
      }
    }
    s.wait(std::max(delay(Stage::resolve, late(0.10)), Instant{3 * kHour}));
    s.push(Operation::resolve, primary);
    const auto verify = [&](bool pass) {
      s.wait(static_cast<Instant>(kHour + rng.below(15 * kHour)));
      s.push(Operation::verify, centre).pass = pass;
    };
    if (rng.uniform() < 0.06) {  // 核实不通过: redo
      verify(false);
      s.wait(delay(Stage::resolve, false));
      s.push(Operation::resolve, primary);
    }
    verify(true);
    if (rng.uniform() >= 0.04) {  // else nobody evaluates: the revisit stage closes it
      const auto evaluate = [&](bool allow_reopen) {
        s.wait(static_cast<Instant>(0.5 * kHour + rng.uniform() * 0.5 * double(nominal(model, matter, Stage::revisit))));
        const double r = rng.uniform();
        const uint8_t score = r < 0.55 ? 5 : r < 0.80 ? 4 : r < 0.90 ? 3 : r < 0.96 ? 2 : 1;
        WorkOp& e = s.push(Operation::evaluate, centre);
        e.score = score;
        e.reopen = allow_reopen && score <= 3 && rng.uniform() < 0.3;
        return e.reopen;
      };
      if (evaluate(true)) {  // 重办: reopened, resolved again
        s.wait(delay(Stage::resolve, false));
        s.push(Operation::resolve, primary);
        verify(true);
        evaluate(false);
      }
    }
    // Report-ins happen while the case is open: before its last step.
    const Instant last = w.ops.back().at;
    for (auto [at, unit] : reports) {
      WorkOp r;
      r.at = std::min(at, last - 1000);
      r.case_id = id;
      r.op = Operation::report_in;
      r.actor = unit;
      w.ops.push_back(r);
    }
  }
  // Time order; each case's own ops were generated in causal order with increasing instants,
  // and ties across cases keep the order they were generated in.
  std::stable_sort(w.ops.begin(), w.ops.end(), [](const WorkOp& a, const WorkOp& b) { return a.at < b.at; });
  return w;
}

Status WorkloadRunner::run_one(const WorkOp& op) {
  if (op.at > engine_.now()) (void)engine_.advance(op.at);
  if (op.submit) {
    Submission s;
    s.id = op.case_id;
    s.matter = op.matter;
    s.point = workload_.points[op.point];
    s.received = op.at;
    s.channel = kChannelNames[workload_.channel[op.case_id - 1]];
    return engine_.submit(s);
  }
  Action a;
  a.op = op.op;
  a.case_id = op.case_id;
  a.actor = op.actor;
  a.at = op.at;
  a.units = {op.units.data(), op.unit_count};
  a.pass = op.pass;
  a.score = op.score;
  a.reopen = op.reopen;
  return engine_.act(a);
}

size_t WorkloadRunner::run(size_t from, size_t to) {
  constexpr size_t kAhead = 8;
  size_t rejected = 0;
  for (size_t i = from; i < to; ++i) {
    if (i + kAhead < workload_.ops.size()) engine_.prefetch(workload_.ops[i + kAhead].case_id);
    rejected += !run_one(workload_.ops[i]).ok();
  }
  return rejected;
}

}  // namespace whistle::sample
