// The engine against the slow reference model (support/reference_engine.hpp): random
// sequences of every operation, legal and illegal, by the right units and by wrong ones, singly
// and in batches, with the clock crossing National Day 2025 and its make-up working days and
// the model reloaded back and forth between two versions (other rules, matters, SLA limits,
// office hours and holidays) while cases are open; statuses, events (with sequence numbers and
// instants), and what get_case shows (state, units, version, open deadlines, summons) of a
// random case every 64 steps and of every case at the end, must agree exactly; the live
// scores must equal a recount from the delivered events.
#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sample/tiling.hpp"
#include "support/engine_harness.hpp"
#include "support/reference_engine.hpp"
#include "whistle/scoring.hpp"

namespace whistle {
namespace {

using testing::iso;

std::string render_full(const Event& e, const Model& m) {
  return std::to_string(e.seq) + " " + std::to_string(e.at) + " " + testing::render(e, m);
}

// A second version of a model for reloads: the same territory and units; another lead for
// noise and cooperating units for road, no rule for litter (unrouted) and litter on the fast
// class, a matter more (graffiti, routed in T1 only), other limits and warnings for both
// classes, other office hours, and a working day and a weekend day traded in the holiday
// window.
std::map<std::string, std::string> second_version(std::map<std::string, std::string> files) {
  const auto replace = [&](const std::string& file, const std::string& from, const std::string& to) {
    std::string& text = files.at(file);
    const size_t at = text.find(from);
    if (at == std::string::npos) throw std::logic_error(file + " lacks " + from);
    text.replace(at, from.size(), to);
  };
  replace("rules.csv", "noise,*,@grid_team,D2;@township,\n", "noise,*,D2,@grid_team;@township,\n");
  replace("rules.csv", "road,*,D1,,\n", "road,*,D1,D3;TW1,\n");
  replace("rules.csv", "litter,*,KU1,,\n", "graffiti,T1,TW1,KU1,\n");
  replace("matters.csv", "litter,Litter,cleaning,order,slow\n", "litter,Litter,cleaning,order,fast\n");
  files.at("matters.csv") += "graffiti,Graffiti,cleaning,order,slow\n";
  replace("sla.csv", "slow,accept,4wh,1wh,4wh,cn\n", "slow,accept,2wh,1wh,3wh,cn\n");
  replace("sla.csv", "slow,resolve,3wd,1wd,1wd,cn\n", "slow,resolve,5wd,2wd,2wd,cn\n");
  replace("sla.csv", "slow,report,4wh,,,cn\n", "slow,report,1wd,,,cn\n");
  replace("sla.csv", "fast,accept,60m,20m,60m,24x7\n", "fast,accept,2h,1h,1h,24x7\n");
  replace("sla.csv", "fast,resolve,120m,30m,60m,24x7\n", "fast,resolve,90m,45m,20m,24x7\n");
  replace("calendars.csv", "cn,+08:00,08:30-12:00;13:30-17:30\n", "cn,+08:00,09:00-12:00;14:00-18:00\n");
  replace("calendars/cn/2025.json", "{\"name\":\"Make-up\",\"date\":\"2025-10-11\",\"isOffDay\":false}",
          "{\"name\":\"Make-up\",\"date\":\"2025-10-11\",\"isOffDay\":false},"
          "{\"name\":\"Off\",\"date\":\"2025-09-30\",\"isOffDay\":true},"
          "{\"name\":\"Make-up\",\"date\":\"2025-10-04\",\"isOffDay\":false}");
  return files;
}

struct Scenario {
  std::shared_ptr<const Model> model;  // the current version
  std::shared_ptr<const Model> versions[2];  // reloads alternate between these
  sample::Random rng;
  Instant now = iso("2025-09-24T08:00:00+08:00");
  std::unique_ptr<Engine> engine;
  testing::ReferenceEngine reference{model, now};
  std::vector<std::string> engine_events;
  // The events as delivered, for a recount of the scores, with copies of what they point to.
  std::vector<Event> delivered;
  std::deque<std::vector<UnitId>> delivered_units;
  std::deque<std::string> delivered_details;
  std::vector<CaseId> ids;
  CaseId next_id = 1;
  size_t operations = 0, denied = 0, wrong_state = 0, ok = 0, reloads = 0, batches = 0;
  std::deque<std::string> texts;        // what the batches' string_views point into
  std::deque<std::vector<UnitId>> unit_lists;  // and their spans

  Scenario(uint64_t seed, std::shared_ptr<const Model> first, std::shared_ptr<const Model> second)
      : model(first), versions{std::move(first), std::move(second)}, rng(seed) {
    EngineOptions options;
    options.start = now;
    engine = std::move(Engine::open(model, options)).value();
  }

  UnitId random_unit() { return static_cast<UnitId>(rng.below(model->units().size())); }
  template <class T>
  T pick(const std::vector<T>& v) {
    return v[rng.below(v.size())];
  }

  void drain() {
    EventBatch batch;
    while (engine->poll_events(batch) > 0) {
      for (const Event& e : batch) {
        engine_events.push_back(render_full(e, *model));
        Event& copy = delivered.emplace_back(e);
        copy.units = delivered_units.emplace_back(e.units.begin(), e.units.end());
        copy.detail = delivered_details.emplace_back(e.detail);
      }
    }
  }

  void count(StatusCode code) {
    ++operations;
    denied += code == StatusCode::denied;
    wrong_state += code == StatusCode::wrong_state;
    ok += code == StatusCode::ok;
  }

  void step() {
    texts.clear();  // what the last step's calls pointed into: the engine keeps copies
    unit_lists.clear();
    const uint64_t r = rng.below(1000);
    if (r < 2) {
      reload();
      return;
    }
    if (r < 12) {
      submit_batch();
      return;
    }
    if (r < 22) {
      act_batch();
      return;
    }
    if (r < 120) {
      // Minutes mostly, sometimes hours or days (warnings, breaches, escalations, holidays).
      const uint64_t k = rng.below(10);
      now += static_cast<Instant>(k < 6 ? rng.below(40) * 60'000 : k < 9 ? rng.below(10) * 3'600'000 : rng.below(3) * 86'400'000);
      const Status a = engine->advance(now);
      ASSERT_EQ(a.code(), reference.advance(now));
      return;
    }
    if (r < 320 || ids.empty()) {
      submit();
      return;
    }
    act();
  }

  // Back and forth between the two versions, while cases of the other stay open.
  void reload() {
    model = versions[++reloads % 2];
    const auto v = engine->reload(model);
    ASSERT_TRUE(v.ok()) << v.status().to_string();
    ASSERT_EQ(*v, reloads);
    reference.reload(model);
  }

  // Two to five submissions or actions in one call; the reference takes them one at a time.
  void submit_batch() {
    std::vector<Submission> batch;
    for (size_t n = 2 + rng.below(4); batch.size() < n;) batch.push_back(make_submission());
    std::vector<Status> got(batch.size());
    engine->submit_batch(batch, got);
    ++batches;
    for (size_t i = 0; i < batch.size(); ++i) {
      ASSERT_EQ(got[i].code(), reference.submit(batch[i])) << "batch submit " << batch[i].id << ": " << got[i].to_string();
      count(got[i].code());
      if (got[i].ok()) ids.push_back(batch[i].id);
    }
  }
  void act_batch() {
    if (ids.empty()) return;
    std::vector<Action> batch;
    for (size_t n = 2 + rng.below(4); batch.size() < n;) batch.push_back(make_action());
    std::vector<Status> got(batch.size());
    engine->act_batch(batch, got);
    ++batches;
    for (size_t i = 0; i < batch.size(); ++i) {
      ASSERT_EQ(got[i].code(), reference.act(batch[i]))
          << "batch " << operation_name(batch[i].op) << " " << batch[i].case_id << ": " << got[i].to_string();
      count(got[i].code());
    }
  }

  void submit() {
    const Submission s = make_submission();
    const Status got = engine->submit(s);
    ASSERT_EQ(got.code(), reference.submit(s)) << "submit " << s.id << ": " << got.to_string();
    count(got.code());
    if (got.ok()) ids.push_back(s.id);
  }

  void act() {
    const Action a = make_action();
    const Status got = engine->act(a);
    ASSERT_EQ(got.code(), reference.act(a)) << operation_name(a.op) << " " << a.case_id << ": " << got.to_string();
    count(got.code());
  }

  Submission make_submission() {
    static const LonLat points[] = {testing::kG1, testing::kG2, testing::kG3, testing::kZ1, testing::kOutside,
                                    {0.25, 0.75}, {1.0, 0.5} /* on the G1-G2 edge */};
    static const char* places[] = {"T1", "K1", "G3", "C", "Z1"};
    Submission s;
    s.id = rng.below(30) == 0 && !ids.empty() ? pick(ids) : next_id++;
    // Now and then a matter only the other version has (graffiti): ENOTFOUND in the first.
    s.matter = static_cast<MatterId>(rng.below(model->matters().size() + (rng.below(50) == 0)));
    if (rng.below(8) == 0) {
      s.place = model->territory().find(places[rng.below(5)]);
    } else {
      s.point = points[rng.below(7)];
    }
    s.received = rng.below(40) == 0 ? now - 60'000 : now + static_cast<Instant>(rng.below(5) * 60'000);
    s.channel = rng.below(2) ? "hotline" : "app";
    s.external_ref = texts.emplace_back(rng.below(50) == 0 ? std::string(70, 'r') : "ref-" + std::to_string(s.id));
    return s;
  }

  Action make_action() {
    Action a;
    a.case_id = rng.below(40) == 0 ? 999'999 : pick(ids);
    a.at = rng.below(60) == 0 ? now - 1 : now + static_cast<Instant>(rng.below(3) * 60'000);
    CaseInfo info;
    const bool known = engine->get_case(a.case_id, info).ok();
    // Mostly an operation the case's state allows, so lifecycles run to their end; any otherwise.
    a.op = static_cast<Operation>(rng.below(9));
    if (known && rng.below(10) < 7) {
      switch (info.state) {
        case CaseState::unrouted:
        case CaseState::returned: a.op = Operation::assign; break;
        case CaseState::dispatched: a.op = rng.below(6) == 0 ? Operation::return_case : Operation::accept; break;
        case CaseState::accepted: a.op = rng.below(8) == 0 ? Operation::return_case : Operation::resolve; break;
        case CaseState::resolved: a.op = Operation::verify; break;
        case CaseState::verified: a.op = Operation::evaluate; break;
        case CaseState::closed: break;
      }
      if (rng.below(8) == 0) a.op = rng.below(2) ? Operation::whistle : Operation::report_in;
      if (rng.below(40) == 0) a.op = Operation::close;
    }
    // The right actor most of the time, anyone otherwise.
    std::vector<UnitId> centres;
    for (UnitId u = 0; u < model->units().size(); ++u) {
      if (model->units()[u].kind == "center") centres.push_back(u);
    }
    UnitId actor = random_unit();
    if (known && rng.below(10) < 7) {
      switch (a.op) {
        case Operation::accept:
        case Operation::return_case:
        case Operation::resolve:
          if (info.primary != kNoUnit) actor = info.primary;
          break;
        case Operation::report_in:
          if (!info.summoned.empty()) actor = pick(info.summoned);
          break;
        case Operation::whistle:
          actor = info.primary != kNoUnit && rng.below(2) ? info.primary : pick(centres);
          break;
        default: actor = pick(centres); break;
      }
    }
    a.actor = rng.below(100) == 0 ? 5000 : actor;
    std::vector<UnitId> units;
    const size_t n = rng.below(4);
    for (size_t i = 0; i < n; ++i) units.push_back(rng.below(20) == 0 && !units.empty() ? units[0] : random_unit());
    if (rng.below(50) == 0) units.push_back(4242);
    a.units = unit_lists.emplace_back(std::move(units));
    a.pass = rng.below(3) != 0;
    a.score = static_cast<uint8_t>(rng.below(20) == 0 ? rng.below(2) * 6 : 1 + rng.below(5));
    a.reopen = rng.below(4) == 0;
    a.text = rng.below(2) ? "done" : "";
    return a;
  }
};

// What get_case says of a case against the reference's account of it.
void expect_same_case(const CaseInfo& c, const testing::ReferenceEngine::Summary& r, const std::string& where) {
  EXPECT_EQ(c.state, r.state) << where;
  EXPECT_EQ(c.primary, r.primary) << where;
  EXPECT_EQ(c.supervisor, r.supervisor) << where;
  EXPECT_EQ(c.level, r.level) << where;
  EXPECT_EQ(c.cooperating, r.cooperating) << where;
  EXPECT_EQ(c.rules_version, r.version) << where;
  EXPECT_EQ(c.summoned, r.summoned) << where;
  EXPECT_EQ(c.reported, r.reported) << where;
  ASSERT_EQ(c.deadlines.size(), r.deadlines.size()) << where;
  for (size_t i = 0; i < r.deadlines.size(); ++i) {
    EXPECT_EQ(c.deadlines[i].stage, r.deadlines[i].stage) << where << " deadline " << i;
    EXPECT_EQ(c.deadlines[i].at, r.deadlines[i].at) << where << " deadline " << i;
    EXPECT_EQ(c.deadlines[i].unit, r.deadlines[i].unit) << where << " deadline " << i;
  }
}

void run_against_reference(uint64_t seed, size_t steps,
                           std::map<std::string, std::string> files = testing::engine_model_files()) {
  Scenario s(seed, testing::engine_model(files), testing::engine_model(second_version(files)));
  for (size_t i = 0; i < steps; ++i) {
    ASSERT_NO_FATAL_FAILURE(s.step()) << "seed " << seed << " step " << i;
    if (i % 64 == 0) {
      s.drain();
      // A case picked at random, as get_case shows it mid-flight: open stages and summons.
      if (!s.ids.empty()) {
        const CaseId id = s.pick(s.ids);
        CaseInfo c;
        ASSERT_TRUE(s.engine->get_case(id, c).ok());
        const auto r = s.reference.summary(id);
        ASSERT_TRUE(r.has_value());
        ASSERT_NO_FATAL_FAILURE(expect_same_case(c, *r, "seed " + std::to_string(seed) + " step " + std::to_string(i) +
                                                            " case " + std::to_string(id)));
      }
    }
  }
  // Let every remaining timer run out: escalations, revisits, reports.
  s.now += 30LL * 86'400'000;
  ASSERT_TRUE(s.engine->advance(s.now).ok());
  ASSERT_EQ(s.reference.advance(s.now), StatusCode::ok);
  s.drain();
  const auto& want = s.reference.events();
  ASSERT_EQ(s.engine_events.size(), want.size()) << "seed " << seed;
  for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(s.engine_events[i], want[i]) << "seed " << seed << " event " << i;
  for (const auto& [id, r] : s.reference.summaries()) {
    CaseInfo c;
    ASSERT_TRUE(s.engine->get_case(id, c).ok());
    ASSERT_NO_FATAL_FAILURE(expect_same_case(c, r, "seed " + std::to_string(seed) + " case " + std::to_string(id)));
  }
  // The sequences exercised every kind of outcome.
  EXPECT_GT(s.ok, steps / 10);
  EXPECT_GT(s.denied, steps / 50);
  EXPECT_GT(s.wrong_state, steps / 50);
  EXPECT_GT(want.size(), steps / 2);
  // The live scores equal a recount from the events: every kind of event, denials, reloads.
  const Model& m = *s.model;
  const Scoreboard recount = Scoreboard::recount(m, m.calendars().front().utc_offset_minutes(), s.delivered);
  size_t scored = 0;
  for (UnitId u = 0; u < m.units().size(); ++u) {
    EXPECT_EQ(s.engine->unit_score(u).counts, recount.unit_counts(u, Period::all())) << m.units()[u].code;
    scored += s.engine->unit_score(u).counts.received > 0;
  }
  for (NodeId n = 0; n < m.territory().size(); ++n) {
    EXPECT_EQ(s.engine->node_score(n).counts, recount.node_counts(n, Period::all())) << m.territory().code(n);
  }
  for (const Platform p : {Platform::zongzhi, Platform::market, Platform::enforcement, Platform::service}) {
    EXPECT_EQ(s.engine->platform_score(p).counts, recount.platform_counts(p, Period::all()));
  }
  EXPECT_GT(scored, 5u);
  EXPECT_GT(s.reloads, steps / 1000);
  EXPECT_GT(s.batches, steps / 100);
}

TEST(EngineReference, RandomOperationSequencesAgreeEventForEvent) {
  // 8 sequences of 25,000 steps: ~2,000 cases each, ~200,000 operations and timers in all.
  // WHISTLE_REFERENCE_SEEDS=FIRST:COUNT runs other seeds instead, for a longer search.
  uint64_t first = 1, count = 8;
  if (const char* seeds = std::getenv("WHISTLE_REFERENCE_SEEDS")) {
    char* end = nullptr;
    first = std::strtoull(seeds, &end, 10);
    ASSERT_TRUE(end != seeds && *end == ':') << "WHISTLE_REFERENCE_SEEDS=" << seeds << ": want FIRST:COUNT";
    const char* rest = end + 1;
    count = std::strtoull(rest, &end, 10);
    ASSERT_TRUE(end != rest && *end == '\0' && count > 0) << "WHISTLE_REFERENCE_SEEDS=" << seeds << ": want FIRST:COUNT";
  }
  for (uint64_t i = 0; i < count; ++i) {
    run_against_reference(first + i, 25'000);
    if (HasFatalFailure()) return;
  }
}

// The same on a model whose county has no centre: cases whose primary serves the county are
// owned by the highest centre of their ladder, and the cases of T2 have no centre at all
// (nobody to escalate to, nobody to verify, close or assign).
TEST(EngineReference, AModelWithoutACountyCentreAgreesToo) {
  auto files = testing::engine_model_files();
  const std::string county_centre = "CC,County centre,center,C,zongzhi\n";
  files["units.csv"].erase(files["units.csv"].find(county_centre), county_centre.size());
  for (uint64_t seed = 101; seed <= 102; ++seed) {
    run_against_reference(seed, 25'000, files);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace whistle
