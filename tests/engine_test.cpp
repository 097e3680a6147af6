// The engine, scenario by scenario: one test per row of the SPEC §3 table, per escalation path
// (owner at grid, community, township, county; already at the top), per bad input; events are
// compared exactly, rendered as "kind case actor [units] stage level 'detail'".
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <new>
#include <set>
#include <thread>

#include "engine/engine_impl.hpp"
#include "engine/realtime_driver.hpp"
#include "support/engine_harness.hpp"

namespace whistle {
namespace {

using testing::EngineHarness;
using testing::iso;
using testing::kG1;
using testing::kG2;
using testing::kG3;
using testing::kOutside;
using testing::kZ1;
using testing::Strings;

constexpr Instant kMinute = 60'000;
const Instant T0 = iso("2025-09-26T10:00:00+08:00");  // a Friday, before National Day

// The names of SPEC §3 (event kinds in the event stream, operations in ops.csv) read back.
TEST(EngineNames, EventKindsAndOperationsReadBack) {
  for (size_t k = 0; k < kEventKindCount; ++k) {
    const auto kind = static_cast<EventKind>(k);
    EXPECT_EQ(parse_event_kind(event_kind_name(kind)), kind) << event_kind_name(kind);
  }
  EXPECT_EQ(event_kind_name(EventKind::report_overdue), "report_overdue");
  EXPECT_EQ(parse_event_kind("returned"), EventKind::returned);
  for (const char* bad : {"", "Dispatched", "return", "escalated ", "warn"}) EXPECT_EQ(parse_event_kind(bad), std::nullopt) << bad;
  for (uint8_t k = 0; k <= static_cast<uint8_t>(Operation::close); ++k) {
    const auto op = static_cast<Operation>(k);
    EXPECT_EQ(parse_operation(operation_name(op)), op) << operation_name(op);
  }
  EXPECT_EQ(operation_name(Operation::return_case), "return");
  EXPECT_EQ(parse_operation("return"), Operation::return_case);
  for (const char* bad : {"", "return_case", "submit", "advance", "Accept"}) EXPECT_EQ(parse_operation(bad), std::nullopt) << bad;
}

TEST(EngineSubmit, RoutedCaseIsDispatchedWithTheRuleUnitsAndItsTimers) {
  EngineHarness h(T0);
  ASSERT_TRUE(h.submit(1, "quick", kG1, T0, "BJ-1").ok());
  EXPECT_EQ(h.events(), (Strings{"dispatched 1 - [GT1,D2] - 0 'G1'"}));
  const CaseInfo c = h.info(1);
  EXPECT_EQ(c.state, CaseState::dispatched);
  EXPECT_EQ(c.primary, h.unit("GT1"));
  EXPECT_EQ(c.cooperating, std::vector<UnitId>{h.unit("D2")});
  EXPECT_EQ(c.supervisor, h.unit("GC1"));
  EXPECT_EQ(c.external_ref, "BJ-1");
  EXPECT_EQ(c.channel, "hotline");
  ASSERT_EQ(c.deadlines.size(), 2u);
  EXPECT_EQ(c.deadlines[0].stage, Stage::accept);
  EXPECT_EQ(c.deadlines[0].at, T0 + 60 * kMinute);
  EXPECT_EQ(c.deadlines[1].stage, Stage::resolve);
  EXPECT_EQ(c.deadlines[1].at, T0 + 120 * kMinute);
}

// Working-day arithmetic covers 1900-2199 (the calendars' tables): a stage whose wd or wh
// deadline would fall after that has none (and an escalation that would, does not come);
// minutes and hours (clock time) go on. Nothing fails: the engine takes instants to 9999.
TEST(EngineSubmit, DeadlinesPastTheCalendarsRangeAreNotSet) {
  const Instant t = iso("2199-12-31T10:00:00+08:00");  // a Tuesday
  EngineHarness h(t);
  ASSERT_TRUE(h.submit(1, "noise", kG1, t).ok());  // accept 4wh, escalated every 4wh; resolve 3wd
  CaseInfo c = h.info(1);
  ASSERT_EQ(c.deadlines.size(), 1u);
  EXPECT_EQ(c.deadlines[0].stage, Stage::accept);
  EXPECT_EQ(c.deadlines[0].at, iso("2199-12-31T15:30:00+08:00"));
  ASSERT_TRUE(h.engine().advance(iso("2200-01-10T00:00:00+08:00")).ok());
  // Escalated once, at the breach; the next, 4wh on, would fall in 2200.
  EXPECT_EQ(h.events(), (Strings{"dispatched 1 - [GT1,D2,TW1] - 0 'G1'", "warned 1 - [] accept 0",
                                 "breached 1 - [] accept 0", "escalated 1 - [KC1] accept 1"}));
  const Instant later = iso("2250-06-01T10:00:00+08:00");
  ASSERT_TRUE(h.submit(2, "quick", kG1, later).ok());  // minutes, 24x7
  c = h.info(2);
  ASSERT_EQ(c.deadlines.size(), 2u);
  EXPECT_EQ(c.deadlines[1].at, later + 120 * kMinute);
  ASSERT_TRUE(h.submit(3, "road", kG1, later).ok());
  EXPECT_TRUE(h.info(3).deadlines.empty());
}

TEST(EngineSubmit, ChannelNamesUpTo32BytesAreKeptLongerOnesRefused) {
  EngineHarness h(T0);
  Submission s;
  s.matter = h.model().find_matter("road");
  s.point = kG1;
  s.received = T0;
  const std::string longest(32, 'c');
  for (CaseId id : {1, 2}) {  // the second finds the name already interned
    s.id = id;
    s.channel = longest;
    ASSERT_TRUE(h.engine().submit(s).ok());
    EXPECT_EQ(h.info(id).channel, longest);
  }
  s.id = 3;
  s.channel = "app";
  ASSERT_TRUE(h.engine().submit(s).ok());
  EXPECT_EQ(h.info(3).channel, "app");
  const std::string too_long(33, 'c');
  s.id = 4;
  s.channel = too_long;
  const Status refused = h.engine().submit(s);
  EXPECT_EQ(refused.code(), StatusCode::invalid_argument);
  EXPECT_NE(refused.message().find("channel name longer than 32 bytes"), std::string::npos) << refused.to_string();
  CaseInfo absent;
  EXPECT_EQ(h.engine().get_case(4, absent).code(), StatusCode::not_found);
}

TEST(EngineSubmit, UnroutedCasesWaitForAssignUnderTheDispatchDeadline) {
  EngineHarness h(T0);
  ASSERT_TRUE(h.submit(2, "orphan", kG2, T0).ok());
  ASSERT_TRUE(h.submit(3, "road", kOutside, T0).ok());
  EXPECT_EQ(h.events(), (Strings{"unrouted 2 - [] - 0 'no_rule'", "unrouted 3 - [] - 0 'outside_territory'"}));
  EXPECT_EQ(h.info(2).supervisor, h.unit("CC"));  // the highest centre owns an unrouted case
  EXPECT_EQ(h.info(3).supervisor, h.unit("CC"));  // outside the territory: the root's centres
  // 1wd after Friday 09-26: Sunday 09-28 is a make-up working day.
  ASSERT_EQ(h.info(2).deadlines.size(), 1u);
  EXPECT_EQ(h.info(2).deadlines[0].at, iso("2025-09-29T00:00:00+08:00"));
  ASSERT_TRUE(h.engine().advance(iso("2025-09-29T00:00:00+08:00")).ok());
  EXPECT_EQ(h.events(), (Strings{"breached 2 - [] dispatch 0", "breached 3 - [] dispatch 0",
                                 "escalated 2 - [CC] dispatch 0 'top'", "escalated 3 - [CC] dispatch 0 'top'"}));
}

TEST(EngineAssign, ACentreOnTheLadderAssignsAndNoOneElseMay) {
  EngineHarness h(T0);
  ASSERT_TRUE(h.submit(2, "orphan", kG2, T0).ok());
  const Instant t = T0 + 5 * kMinute;
  EXPECT_EQ(h.act(Operation::assign, 2, "GC1", t, {"D1"}).code(), StatusCode::denied);  // a centre, not on G2's ladder
  EXPECT_EQ(h.act(Operation::assign, 2, "D1", t, {"D1"}).code(), StatusCode::denied);   // not a centre
  EXPECT_EQ(h.act(Operation::assign, 2, "TC1", t, {}).code(), StatusCode::invalid_argument);
  EXPECT_EQ(h.act(Operation::assign, 2, "TC1", t, {"D1", "D1"}).code(), StatusCode::invalid_argument);
  ASSERT_TRUE(h.act(Operation::assign, 2, "TC1", t, {"D1", "D3"}).ok());
  EXPECT_EQ(h.act(Operation::assign, 2, "TC1", t, {"D2"}).code(), StatusCode::wrong_state);
  EXPECT_EQ(h.events(), (Strings{"unrouted 2 - [] - 0 'no_rule'", "denied 2 GC1 [] - 0 'assign'",
                                 "denied 2 D1 [] - 0 'assign'", "assigned 2 TC1 [D1,D3] dispatch 0"}));
  const CaseInfo c = h.info(2);
  EXPECT_EQ(c.state, CaseState::dispatched);
  EXPECT_EQ(c.primary, h.unit("D1"));
  EXPECT_EQ(c.supervisor, h.unit("CC"));  // D1 serves the county: the county centre owns it
  ASSERT_EQ(c.deadlines.size(), 2u);      // accept and resolve; dispatch is over
  EXPECT_EQ(c.deadlines[0].stage, Stage::accept);
}

// More units than an event keeps inline (six): the event names them all, in order, and the
// case holds the rest as cooperating units beyond the four its record has room for.
TEST(EngineAssign, AnAssignmentToManyUnitsNamesThemAll) {
  EngineHarness h(T0);
  ASSERT_TRUE(h.submit(2, "orphan", kG2, T0).ok());
  const Instant t = T0 + 5 * kMinute;
  ASSERT_TRUE(h.act(Operation::assign, 2, "TC1", t, {"D2", "D1", "D3", "SM1", "TW2", "KU1", "GT3", "ZU1"}).ok());
  EXPECT_EQ(h.events(), (Strings{"unrouted 2 - [] - 0 'no_rule'", "assigned 2 TC1 [D2,D1,D3,SM1,TW2,KU1,GT3,ZU1] dispatch 0"}));
  const CaseInfo c = h.info(2);
  EXPECT_EQ(c.primary, h.unit("D2"));
  std::vector<UnitId> cooperating;
  for (const char* u : {"D1", "D3", "SM1", "TW2", "KU1", "GT3", "ZU1"}) cooperating.push_back(h.unit(u));
  EXPECT_EQ(c.cooperating, cooperating);
}

TEST(EngineAccept, OnlyThePrimaryAcceptsAndOnlyOnce) {
  EngineHarness h(T0);
  ASSERT_TRUE(h.submit(1, "road", kG1, T0).ok());
  EXPECT_EQ(h.act(Operation::accept, 1, "D2", T0).code(), StatusCode::denied);
  ASSERT_TRUE(h.act(Operation::accept, 1, "D1", T0 + kMinute).ok());
  EXPECT_EQ(h.act(Operation::accept, 1, "D1", T0 + kMinute).code(), StatusCode::wrong_state);
  EXPECT_EQ(h.events(), (Strings{"dispatched 1 - [D1] - 0 'G1'", "denied 1 D2 [] - 0 'accept'",
                                 "accepted 1 D1 [] accept 0"}));
  const CaseInfo c = h.info(1);
  EXPECT_EQ(c.state, CaseState::accepted);
  ASSERT_EQ(c.deadlines.size(), 1u);  // the accept stage is over, resolve runs on
  EXPECT_EQ(c.deadlines[0].stage, Stage::resolve);
}

TEST(EngineReturn, ThePrimaryReturnsTheCaseToTheCentre) {
  EngineHarness h(T0);
  ASSERT_TRUE(h.submit(1, "stall", kG1, T0).ok());  // @stationed.market at T1: SM1, owner TC1
  EXPECT_EQ(h.info(1).supervisor, h.unit("TC1"));
  ASSERT_TRUE(h.act(Operation::accept, 1, "SM1", T0 + kMinute).ok());
  EXPECT_EQ(h.act(Operation::return_case, 1, "D3", T0 + kMinute, {}, "not mine").code(), StatusCode::denied);
  ASSERT_TRUE(h.act(Operation::return_case, 1, "SM1", T0 + 2 * kMinute, {}, "not mine").ok());
  EXPECT_EQ(h.act(Operation::return_case, 1, "SM1", T0 + 2 * kMinute, {}, "again").code(), StatusCode::denied);
  EXPECT_EQ(h.events(), (Strings{"dispatched 1 - [SM1,D3] - 0 'G1'", "accepted 1 SM1 [] accept 0",
                                 "denied 1 D3 [] - 0 'return'", "returned 1 SM1 [] - 0 'not mine'",
                                 "denied 1 SM1 [] - 0 'return'"}));
  const CaseInfo c = h.info(1);
  EXPECT_EQ(c.state, CaseState::returned);
  EXPECT_EQ(c.primary, kNoUnit);
  EXPECT_TRUE(c.cooperating.empty());
  EXPECT_EQ(c.supervisor, h.unit("CC"));  // a returned case belongs to the highest centre
  ASSERT_EQ(c.deadlines.size(), 1u);
  EXPECT_EQ(c.deadlines[0].stage, Stage::dispatch);
  ASSERT_TRUE(h.act(Operation::assign, 1, "KC1", T0 + 3 * kMinute, {"D3"}).ok());
  EXPECT_EQ(h.events(), (Strings{"assigned 1 KC1 [D3] dispatch 0"}));
}

TEST(EngineWhistle, SummonedUnitsJoinReportInOrRunOverdue) {
  EngineHarness h(T0);
  ASSERT_TRUE(h.submit(1, "quick", kG1, T0).ok());  // GT1 primary, D2 cooperating
  EXPECT_EQ(h.act(Operation::whistle, 1, "D1", T0, {"D3"}).code(), StatusCode::denied);  // neither primary nor centre
  EXPECT_EQ(h.act(Operation::whistle, 1, "GT1", T0, {}).code(), StatusCode::invalid_argument);
  Action unknown;  // a unit id the model does not have, beside a good one: refused whole
  unknown.op = Operation::whistle;
  unknown.case_id = 1;
  unknown.actor = h.unit("GT1");
  unknown.at = T0;
  const UnitId summoned[] = {h.unit("D1"), 9999};
  unknown.units = summoned;
  const Status refused = h.engine().act(unknown);
  EXPECT_EQ(refused.code(), StatusCode::not_found) << refused.to_string();
  EXPECT_TRUE(h.info(1).summoned.empty());
  ASSERT_TRUE(h.act(Operation::whistle, 1, "GT1", T0 + kMinute, {"D1", "D2"}).ok());
  ASSERT_TRUE(h.act(Operation::whistle, 1, "TC1", T0 + 2 * kMinute, {"D3"}).ok());  // a centre on the ladder
  EXPECT_EQ(h.info(1).cooperating, (std::vector<UnitId>{h.unit("D2"), h.unit("D1"), h.unit("D3")}));
  EXPECT_EQ(h.act(Operation::report_in, 1, "SM1", T0 + 3 * kMinute).code(), StatusCode::denied);  // not summoned
  ASSERT_TRUE(h.act(Operation::report_in, 1, "D1", T0 + 10 * kMinute).ok());
  EXPECT_EQ(h.act(Operation::report_in, 1, "D1", T0 + 11 * kMinute).code(), StatusCode::wrong_state);
  ASSERT_TRUE(h.engine().advance(T0 + 35 * kMinute).ok());  // D2 ran out at T0+31m, D3 at T0+32m
  ASSERT_TRUE(h.act(Operation::report_in, 1, "D3", T0 + 36 * kMinute).ok());
  EXPECT_EQ(h.events(), (Strings{"dispatched 1 - [GT1,D2] - 0 'G1'", "denied 1 D1 [] - 0 'whistle'",
                                 "whistled 1 GT1 [D1,D2] report 0", "whistled 1 TC1 [D3] report 0",
                                 "denied 1 SM1 [] - 0 'report_in'", "reported_in 1 D1 [D1] report 0",
                                 "report_overdue 1 - [D2] report 0", "report_overdue 1 - [D3] report 0",
                                 "reported_in 1 D3 [D3] report 0"}));
  const CaseInfo c = h.info(1);
  EXPECT_EQ(c.summoned, (std::vector<UnitId>{h.unit("D1"), h.unit("D2"), h.unit("D3")}));
  EXPECT_EQ(c.reported, (std::vector<UnitId>{h.unit("D1"), h.unit("D3")}));
}

TEST(EngineResolveVerify, ResolvedThenVerifiedOrSentBackToRedo) {
  EngineHarness h(T0);
  ASSERT_TRUE(h.submit(1, "quick", kG1, T0).ok());
  EXPECT_EQ(h.act(Operation::resolve, 1, "GT1", T0).code(), StatusCode::wrong_state);  // not accepted yet
  ASSERT_TRUE(h.act(Operation::accept, 1, "GT1", T0 + kMinute).ok());
  EXPECT_EQ(h.act(Operation::resolve, 1, "D2", T0 + 2 * kMinute).code(), StatusCode::denied);
  ASSERT_TRUE(h.act(Operation::resolve, 1, "GT1", T0 + 2 * kMinute, {}, "fixed").ok());
  EXPECT_EQ(h.info(1).deadlines[0].stage, Stage::verify);
  EXPECT_EQ(h.act(Operation::verify, 1, "GT1", T0 + 3 * kMinute, {}, {}, true).code(), StatusCode::denied);
  ASSERT_TRUE(h.act(Operation::verify, 1, "KC1", T0 + 3 * kMinute, {}, {}, false).ok());
  EXPECT_EQ(h.info(1).state, CaseState::accepted);
  EXPECT_EQ(h.info(1).deadlines[0].at, T0 + 3 * kMinute + 120 * kMinute);  // resolve afresh
  ASSERT_TRUE(h.act(Operation::resolve, 1, "GT1", T0 + 4 * kMinute, {}, "fixed again").ok());
  ASSERT_TRUE(h.act(Operation::verify, 1, "GC1", T0 + 5 * kMinute, {}, {}, true).ok());
  EXPECT_EQ(h.act(Operation::verify, 1, "GC1", T0 + 5 * kMinute, {}, {}, true).code(), StatusCode::wrong_state);
  EXPECT_EQ(h.events(), (Strings{"dispatched 1 - [GT1,D2] - 0 'G1'", "accepted 1 GT1 [] accept 0",
                                 "denied 1 D2 [] - 0 'resolve'", "resolved 1 GT1 [] resolve 0 'fixed'",
                                 "denied 1 GT1 [] - 0 'verify'", "redo 1 KC1 [] verify 0",
                                 "resolved 1 GT1 [] resolve 0 'fixed again'", "verified 1 GC1 [] verify 0"}));
  const CaseInfo c = h.info(1);
  EXPECT_EQ(c.state, CaseState::verified);
  ASSERT_EQ(c.deadlines.size(), 1u);
  EXPECT_EQ(c.deadlines[0].stage, Stage::revisit);
}

// Drives case `id` (matter `quick` at G1) to verified.
void to_verified(EngineHarness& h, CaseId id, Instant t) {
  ASSERT_TRUE(h.submit(id, "quick", kG1, t).ok());
  ASSERT_TRUE(h.act(Operation::accept, id, "GT1", t).ok());
  ASSERT_TRUE(h.act(Operation::resolve, id, "GT1", t).ok());
  ASSERT_TRUE(h.act(Operation::verify, id, "GC1", t, {}, {}, true).ok());
  h.events();
}

TEST(EngineEvaluate, ClosesOrReopensAndRejectsScoresOutOfRange) {
  EngineHarness h(T0);
  to_verified(h, 1, T0);
  to_verified(h, 2, T0);
  EXPECT_EQ(h.act(Operation::evaluate, 1, "CC", T0, {}, {}, false, 0).code(), StatusCode::invalid_argument);
  EXPECT_EQ(h.act(Operation::evaluate, 1, "CC", T0, {}, {}, false, 6).code(), StatusCode::invalid_argument);
  EXPECT_EQ(h.act(Operation::evaluate, 1, "GT1", T0, {}, {}, false, 5).code(), StatusCode::denied);
  ASSERT_TRUE(h.act(Operation::evaluate, 1, "CC", T0 + kMinute, {}, {}, false, 5).ok());
  ASSERT_TRUE(h.act(Operation::evaluate, 2, "TC1", T0 + kMinute, {}, {}, false, 2, true).ok());
  EXPECT_EQ(h.act(Operation::evaluate, 1, "CC", T0 + kMinute, {}, {}, false, 5).code(), StatusCode::wrong_state);
  EXPECT_EQ(h.events(), (Strings{"denied 1 GT1 [] - 0 'evaluate'", "closed 1 CC [] revisit 0 'score:5'",
                                 "reopened 2 TC1 [] revisit 0 'score:2'"}));
  EXPECT_EQ(h.info(1).state, CaseState::closed);
  EXPECT_TRUE(h.info(1).deadlines.empty());
  EXPECT_EQ(h.info(2).state, CaseState::accepted);
  EXPECT_EQ(h.info(2).deadlines[0].stage, Stage::resolve);
}

TEST(EngineRevisit, NoEvaluationInTimeClosesTheCase) {
  EngineHarness h(T0);
  to_verified(h, 7, T0);
  ASSERT_TRUE(h.engine().advance(T0 + 59 * kMinute).ok());
  EXPECT_TRUE(h.events().empty());
  ASSERT_TRUE(h.engine().advance(T0 + 60 * kMinute).ok());
  EXPECT_EQ(h.events(), (Strings{"closed 7 - [] revisit 0 'no_evaluation'"}));
  EXPECT_EQ(h.info(7).state, CaseState::closed);
}

TEST(EngineClose, ACentreClosesAnyOpenCaseAndEveryTimerStops) {
  EngineHarness h(T0);
  ASSERT_TRUE(h.submit(1, "quick", kG1, T0).ok());
  ASSERT_TRUE(h.act(Operation::whistle, 1, "GT1", T0, {"D1"}).ok());
  EXPECT_EQ(h.act(Operation::close, 1, "GT1", T0, {}, "dup").code(), StatusCode::denied);
  ASSERT_TRUE(h.act(Operation::close, 1, "KC1", T0 + kMinute, {}, "duplicate").ok());
  EXPECT_EQ(h.act(Operation::close, 1, "KC1", T0 + kMinute, {}, "again").code(), StatusCode::wrong_state);
  EXPECT_EQ(h.act(Operation::whistle, 1, "KC1", T0 + kMinute, {"D2"}).code(), StatusCode::wrong_state);
  EXPECT_EQ(h.act(Operation::report_in, 1, "D1", T0 + kMinute).code(), StatusCode::wrong_state);
  ASSERT_TRUE(h.engine().advance(T0 + 24 * 60 * kMinute).ok());
  EXPECT_EQ(h.events(), (Strings{"dispatched 1 - [GT1,D2] - 0 'G1'", "whistled 1 GT1 [D1] report 0",
                                 "denied 1 GT1 [] - 0 'close'", "closed 1 KC1 [] - 0 'duplicate'"}));
  EXPECT_EQ(h.engine().stats().timers, 0u);
}

// ---- escalation paths ----

TEST(EngineEscalation, OwnerAtGridClimbsEveryCentreThenNotifiesTheTopOnce) {
  EngineHarness h(T0);
  ASSERT_TRUE(h.submit(1, "quick", kG1, T0).ok());  // GT1 at G1: owner GC1
  ASSERT_TRUE(h.engine().advance(T0 + 300 * kMinute).ok());
  EXPECT_EQ(h.events(), (Strings{"dispatched 1 - [GT1,D2] - 0 'G1'", "warned 1 - [] accept 0",
                                 "breached 1 - [] accept 0", "escalated 1 - [KC1] accept 1",
                                 "warned 1 - [] resolve 1", "breached 1 - [] resolve 1",
                                 "escalated 1 - [TC1] accept 2", "escalated 1 - [CC] resolve 3",
                                 "escalated 1 - [CC] accept 3 'top'", "escalated 1 - [CC] resolve 3 'top'"}));
  EXPECT_EQ(h.info(1).supervisor, h.unit("CC"));
  EXPECT_EQ(h.info(1).level, 3);
  EXPECT_EQ(h.engine().stats().timers, 0u);  // nothing follows the top notice
}

TEST(EngineEscalation, OwnerAtCommunityTownshipAndCounty) {
  EngineHarness h(T0);
  ASSERT_TRUE(h.submit(1, "quick", kG2, T0).ok());       // GT2 at G2: owner KC1
  ASSERT_TRUE(h.submit_at(2, "quick", "T1", T0).ok());   // placed at T1: no grid team on its chain
  ASSERT_TRUE(h.submit(3, "quickroad", kG1, T0).ok());   // D1 at C: owner CC, already the top
  EXPECT_EQ(h.info(1).supervisor, h.unit("KC1"));
  EXPECT_EQ(h.info(2).state, CaseState::unrouted);       // @grid_team resolves to no unit at T1
  EXPECT_EQ(h.info(3).supervisor, h.unit("CC"));
  h.events();
  // Accept all three so only resolve escalates, then watch the ladders.
  ASSERT_TRUE(h.act(Operation::accept, 1, "GT2", T0).ok());
  ASSERT_TRUE(h.act(Operation::accept, 3, "D1", T0).ok());
  ASSERT_TRUE(h.engine().advance(T0 + 240 * kMinute).ok());
  EXPECT_EQ(h.events(),
            (Strings{"accepted 1 GT2 [] accept 0", "accepted 3 D1 [] accept 0", "warned 2 - [] dispatch 0",
                     "breached 2 - [] dispatch 0", "escalated 2 - [CC] dispatch 0 'top'",
                     "warned 1 - [] resolve 0", "warned 3 - [] resolve 0", "breached 1 - [] resolve 0",
                     "breached 3 - [] resolve 0", "escalated 1 - [TC1] resolve 1",
                     "escalated 3 - [CC] resolve 0 'top'", "escalated 1 - [CC] resolve 2",
                     "escalated 1 - [CC] resolve 2 'top'"}));
}

// SPEC §3: with no centre on the ladder serving an ancestor of the primary's node, the owner is
// the highest centre. Here the county has no centre: D1 serves the county, a case at G1 climbs
// GC1, KC1, TC1, and TC1 owns it, already the top.
TEST(EngineEscalation, WithNoCentreAboveThePrimaryTheHighestCentreOwns) {
  auto files = testing::engine_model_files();
  const std::string county_centre = "CC,County centre,center,C,zongzhi\n";
  files["units.csv"].erase(files["units.csv"].find(county_centre), county_centre.size());
  EngineHarness h(T0, testing::engine_model(files));
  ASSERT_TRUE(h.submit(1, "quickroad", kG1, T0).ok());  // D1 at C
  ASSERT_TRUE(h.submit(2, "quick", kG2, T0).ok());      // GT2 at G2: owner KC1, as with a county centre
  EXPECT_EQ(h.info(1).supervisor, h.unit("TC1"));
  EXPECT_EQ(h.info(2).supervisor, h.unit("KC1"));
  h.events();
  ASSERT_TRUE(h.engine().advance(T0 + 60 * kMinute).ok());  // the accept stages breach
  EXPECT_EQ(h.events(), (Strings{"warned 1 - [] accept 0", "warned 2 - [] accept 0", "breached 1 - [] accept 0",
                                 "breached 2 - [] accept 0", "escalated 1 - [TC1] accept 0 'top'",
                                 "escalated 2 - [TC1] accept 1"}));
}

TEST(EngineEscalation, StationedOfficeAndZoneUnitsAreOwnedByTheirTownship) {
  EngineHarness h(T0);
  ASSERT_TRUE(h.submit(1, "stall", kG1, T0).ok());  // SM1 serves T1
  ASSERT_TRUE(h.submit(2, "stall", kZ1, T0).ok());  // zone rule: ZU1 serves zone Z1 (parent T1)
  EXPECT_EQ(h.events(), (Strings{"dispatched 1 - [SM1,D3] - 0 'G1'", "dispatched 2 - [ZU1,SM1] - 0 'G2'"}));
  EXPECT_EQ(h.info(1).supervisor, h.unit("TC1"));
  EXPECT_EQ(h.info(2).supervisor, h.unit("TC1"));
}

TEST(EngineTimers, SameInstantWarningsThenBreachesThenEscalationsEachInCaseIdOrder) {
  EngineHarness h(T0);
  // Accept windows: 60m with a warning at 40m. Case 20 submitted 20 minutes later warns when
  // cases 5 and 9 breach.
  ASSERT_TRUE(h.submit(9, "quick", kG2, T0).ok());
  ASSERT_TRUE(h.submit(5, "quick", kG1, T0).ok());
  ASSERT_TRUE(h.submit(20, "quick", kG1, T0 + 20 * kMinute).ok());
  h.events();
  ASSERT_TRUE(h.engine().advance(T0 + 60 * kMinute).ok());
  EXPECT_EQ(h.events(), (Strings{"warned 5 - [] accept 0", "warned 9 - [] accept 0", "warned 20 - [] accept 0",
                                 "breached 5 - [] accept 0", "breached 9 - [] accept 0",
                                 "escalated 5 - [KC1] accept 1", "escalated 9 - [TC1] accept 1"}));
}

// What an operation undone during an advance can leave behind (decisions, item 35): the
// advance has taken a timer the operation armed from the wheel and waits for the case's shard;
// the undo puts the clock's generation back, and the operation, retried, arms the clock again
// with that same generation. The taken timer then carries the payload of the clock's current
// timer, at the first attempt's instant, and must not fire. Here timers armed straight into
// the case's lane with the payloads of its clock and of its summons stand for it: the engine
// must give exactly the events of one without them.
TEST(EngineTimers, ATimerItsClockDoesNotHoldNeverFiresEvenWithTheClocksPayload) {
  EngineHarness clean(T0), h(T0);
  for (EngineHarness* e : {&clean, &h}) {
    ASSERT_TRUE(e->submit(1, "quick", kG1, T0).ok());  // accept 60m, resolve 120m
    ASSERT_TRUE(e->act(Operation::whistle, 1, "GT1", T0 + kMinute, {"D1"}).ok());  // report by T0+31m
  }
  Engine::Impl& impl = Engine::Impl::of(h.engine());
  const uint64_t hash = engine::mix_id(1);
  engine::Shard& s = impl.shard_of(hash);
  {
    std::lock_guard lock(s.lock);
    const uint32_t slot = s.cases.find(1, hash);
    const engine::Case& c = s.cases.at(slot);
    engine::TimerLane& l = impl.lane(c.lane);
    const auto stray = [&](Instant at, uint64_t payload) {
      std::lock_guard lane_lock(l.lock);
      ASSERT_NE(l.wheel.arm(at, payload), TimerWheel::kInvalidHandle);
      l.next_due.store(std::min(l.next_due.load(), at));
      impl.note_deadline(at);
    };
    ASSERT_TRUE(c.clocks[0].open);
    ASSERT_NE(c.summons, engine::kNone);
    stray(T0 + 5 * kMinute, engine::clock_payload(s.index, slot, 0, c.clocks[0].generation));
    stray(T0 + 6 * kMinute, engine::clock_payload(s.index, slot, 1, c.clocks[1].generation));
    stray(T0 + 7 * kMinute, engine::summons_payload(s.index, c.summons, s.summons[c.summons].generation));
  }
  for (EngineHarness* e : {&clean, &h}) ASSERT_TRUE(e->engine().advance(T0 + 3 * 24 * 60 * kMinute).ok());
  const Strings expected = clean.events();
  EXPECT_EQ(expected.front(), "dispatched 1 - [GT1,D2] - 0 'G1'");
  EXPECT_EQ(expected.back(), "escalated 1 - [CC] resolve 3 'top'");  // the clean run goes to the end
  EXPECT_EQ(h.events(), expected);
}

TEST(EngineTimers, WorkingDayStagesFollowTheCalendarAcrossNationalDay) {
  EngineHarness h(T0);
  ASSERT_TRUE(h.submit(1, "road", kG1, T0).ok());  // slow: resolve 3wd, warning at 2wd, escalate every 1wd
  ASSERT_TRUE(h.act(Operation::accept, 1, "D1", T0).ok());
  // Working days after Fri 09-26: Sun 09-28 (make-up), Mon 09-29, Tue 09-30; then 10-09.
  const CaseInfo c = h.info(1);
  ASSERT_EQ(c.deadlines.size(), 1u);
  EXPECT_EQ(c.deadlines[0].at, iso("2025-10-01T00:00:00+08:00"));
  h.events();
  ASSERT_TRUE(h.engine().advance(iso("2025-10-10T12:00:00+08:00")).ok());
  EXPECT_EQ(h.events(), (Strings{"warned 1 - [] resolve 0", "breached 1 - [] resolve 0",
                                 "escalated 1 - [CC] resolve 0 'top'"}));
}

// ---- bad input ----

TEST(EngineErrors, PreciseStatusesAndNothingChanges) {
  EngineHarness h(T0);
  ASSERT_TRUE(h.submit(1, "road", kG1, T0).ok());
  EXPECT_EQ(h.submit(1, "noise", kG2, T0).code(), StatusCode::already_exists);
  Submission unknown_matter;
  unknown_matter.id = 2;
  unknown_matter.matter = 999;
  unknown_matter.received = T0;
  EXPECT_EQ(h.engine().submit(unknown_matter).code(), StatusCode::not_found);
  EXPECT_EQ(h.submit(3, "road", kG1, T0, std::string(65, 'x')).code(), StatusCode::invalid_argument);
  EXPECT_EQ(h.act(Operation::accept, 99, "D1", T0).code(), StatusCode::not_found);
  Action unknown_unit;
  unknown_unit.case_id = 1;
  unknown_unit.actor = 9999;
  unknown_unit.at = T0;
  EXPECT_EQ(h.engine().act(unknown_unit).code(), StatusCode::not_found);
  ASSERT_TRUE(h.engine().advance(T0 + kMinute).ok());
  EXPECT_EQ(h.engine().advance(T0).code(), StatusCode::invalid_argument);        // the clock never goes back
  EXPECT_EQ(h.act(Operation::accept, 1, "D1", T0).code(), StatusCode::invalid_argument);  // before the clock
  EXPECT_EQ(h.submit(4, "road", kG1, T0).code(), StatusCode::invalid_argument);
  // A whistle naming more units than an action may (each of them valid) is refused whole.
  Action crowd;
  crowd.op = Operation::whistle;
  crowd.case_id = 1;
  crowd.actor = h.unit("D1");
  crowd.at = T0 + kMinute;
  const std::vector<UnitId> many(kMaxActionUnits + 1, h.unit("D2"));
  crowd.units = many;
  const Status refused = h.engine().act(crowd);
  EXPECT_EQ(refused.code(), StatusCode::invalid_argument);
  EXPECT_NE(refused.message().find("at most 1024"), std::string::npos) << refused.to_string();
  EXPECT_EQ(h.events(), (Strings{"dispatched 1 - [D1] - 0 'G1'"}));
  EXPECT_EQ(h.info(1).state, CaseState::dispatched);
  EXPECT_EQ(h.engine().stats().cases, 1u);
}

// ---- delivery, determinism, reload ----

TEST(EngineEvents, CallbackGetsEveryEventInSequenceOrder) {
  EngineHarness h(T0);
  std::vector<uint64_t> seqs;
  h.engine().set_event_callback([&](const Event& e) { seqs.push_back(e.seq); });
  for (CaseId id = 1; id <= 50; ++id) ASSERT_TRUE(h.submit(id, "quick", id % 2 ? kG1 : kG2, T0).ok());
  ASSERT_TRUE(h.engine().advance(T0 + 600 * kMinute).ok());
  ASSERT_FALSE(seqs.empty());
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1);
  EXPECT_EQ(h.engine().stats().events, seqs.size());
  EXPECT_TRUE(h.events().empty());  // with a callback, nothing waits to be polled
}

// submit_batch: one status per submission, the same as one submit() each would give, the same
// events in the same order; with a callback, every event of the batch delivered, in sequence
// order, before the call returns.
TEST(EngineSubmitBatch, GivesEachSubmissionItsStatusAndTheEventsOfOneByOne) {
  EngineHarness batched(T0), single(T0);
  ASSERT_TRUE(batched.engine().advance(T0 + kMinute).ok());
  ASSERT_TRUE(single.engine().advance(T0 + kMinute).ok());
  const auto submission = [&](CaseId id, const char* matter, LonLat point, Instant at) {
    Submission s;
    s.id = id;
    s.matter = batched.model().find_matter(matter);
    s.point = point;
    s.received = at;
    s.channel = "app";
    return s;
  };
  const std::vector<Submission> batch = {
      submission(1, "quick", kG1, T0 + 2 * kMinute),
      submission(2, "quickroad", kG2, T0 + 2 * kMinute),
      submission(1, "quick", kG2, T0 + 3 * kMinute),                // again: EEXISTS
      submission(3, "quick", kG1, T0),                              // before the clock: EINVAL
      submission(4, "quick", LonLat{0, 0}, T0 + 3 * kMinute),       // outside: unrouted
      submission(5, "quick", kG2, T0 + 4 * kMinute),
  };
  std::vector<Submission> unknown = {submission(6, "quick", kG1, T0 + 4 * kMinute)};
  unknown[0].matter = 9'999;  // ENOTFOUND
  std::vector<Status> results(batch.size());
  batched.engine().submit_batch(batch, results);
  std::vector<Status> one_by_one;
  for (const Submission& s : batch) one_by_one.push_back(single.engine().submit(s));
  const std::vector<StatusCode> expected = {StatusCode::ok,        StatusCode::ok, StatusCode::already_exists,
                                            StatusCode::invalid_argument, StatusCode::ok, StatusCode::ok};
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(results[i].code(), expected[i]) << i << ": " << results[i].message();
    EXPECT_EQ(results[i].message(), one_by_one[i].message()) << i;
  }
  std::vector<Status> one(1);
  batched.engine().submit_batch(unknown, one);
  EXPECT_EQ(one[0].code(), StatusCode::not_found);
  const auto events = batched.events();
  EXPECT_EQ(events.size(), 4u);  // dispatched 1, 2, 5 and unrouted 4
  EXPECT_EQ(events, single.events());

  // With a callback: the batch's events, all of them, in order, by the time it returns.
  EngineHarness delivered(T0);
  std::vector<uint64_t> seqs;
  std::vector<CaseId> cases;
  delivered.engine().set_event_callback([&](const Event& e) {
    seqs.push_back(e.seq);
    cases.push_back(e.case_id);
  });
  std::vector<Submission> many;
  for (CaseId id = 1; id <= 300; ++id) many.push_back(submission(id, "quick", id % 2 ? kG1 : kG2, T0 + kMinute));
  std::vector<Status> statuses(many.size());
  delivered.engine().submit_batch(many, statuses);
  ASSERT_EQ(seqs.size(), many.size());
  for (size_t i = 0; i < seqs.size(); ++i) {
    EXPECT_EQ(seqs[i], i + 1);
    EXPECT_EQ(cases[i], many[i].id);
    EXPECT_TRUE(statuses[i].ok()) << statuses[i].message();
  }
}

// act_batch: the statuses and events of one act() each (a denial's event included), and with a
// callback every event delivered by the time it returns.
TEST(EngineActBatch, GivesEachActionItsStatusAndTheEventsOfOneByOne) {
  EngineHarness batched(T0), single(T0);
  std::vector<uint64_t> delivered;
  batched.engine().set_event_callback([&](const Event& e) { delivered.push_back(e.seq); });
  for (EngineHarness* h : {&batched, &single}) {
    for (CaseId id = 1; id <= 3; ++id) ASSERT_TRUE(h->submit(id, "quick", id % 2 ? kG1 : kG2, T0).ok());
  }
  const UnitId primary = batched.info(1).primary;
  const auto action = [&](Operation op, CaseId id, UnitId actor, Instant at) {
    Action a;
    a.op = op;
    a.case_id = id;
    a.actor = actor;
    a.at = at;
    return a;
  };
  const std::vector<Action> batch = {
      action(Operation::accept, 1, primary, T0 + kMinute),
      action(Operation::accept, 2, batched.unit("D3"), T0 + kMinute),  // not its primary: EDENIED
      action(Operation::resolve, 1, primary, T0 + 2 * kMinute),
      action(Operation::accept, 1, primary, T0 + 3 * kMinute),         // accepted already: ESTATE
      action(Operation::accept, 99, primary, T0 + 3 * kMinute),        // no such case: ENOTFOUND
      action(Operation::accept, 3, batched.info(3).primary, T0 + 4 * kMinute),
  };
  ASSERT_NE(batched.info(2).primary, batched.unit("D3"));
  std::vector<Status> results(batch.size());
  const size_t before = delivered.size();
  batched.engine().act_batch(batch, results);
  const std::vector<StatusCode> expected = {StatusCode::ok,    StatusCode::denied, StatusCode::ok,
                                            StatusCode::wrong_state, StatusCode::not_found, StatusCode::ok};
  for (size_t i = 0; i < batch.size(); ++i) {
    const Status s = single.engine().act(batch[i]);
    EXPECT_EQ(results[i].code(), expected[i]) << i << ": " << results[i].message();
    EXPECT_EQ(results[i].message(), s.message()) << i;
  }
  EXPECT_EQ(delivered.size() - before, 4u);  // accepted, denied, resolved, accepted
  for (size_t i = 0; i < delivered.size(); ++i) EXPECT_EQ(delivered[i], i + 1);
  EXPECT_EQ(single.events().size(), delivered.size());
}

TEST(EngineReload, NewCasesUseTheNewRulesOldCasesKeepTheirVersion) {
  EngineHarness h(T0);
  ASSERT_TRUE(h.submit(1, "road", kG1, T0).ok());
  auto files = testing::engine_model_files();
  files["rules.csv"] += "orphan,*,D2,,\n";
  files["rules.csv"].replace(files["rules.csv"].find("road,*,D1,,"), 11, "road,*,D3,,");
  auto v = h.engine().reload(testing::engine_model(files));
  ASSERT_TRUE(v.ok()) << v.status().to_string();
  EXPECT_EQ(*v, 1u);
  ASSERT_TRUE(h.submit(2, "road", kG1, T0).ok());
  ASSERT_TRUE(h.submit(3, "orphan", kG1, T0).ok());
  EXPECT_EQ(h.events(), (Strings{"dispatched 1 - [D1] - 0 'G1'", "dispatched 2 - [D3] - 0 'G1'",
                                 "dispatched 3 - [D2] - 0 'G1'"}));
  EXPECT_EQ(h.info(1).rules_version, 0u);
  EXPECT_EQ(h.info(2).rules_version, 1u);
  auto other = testing::engine_model_files();
  other["units.csv"] += "X1,Extra,department,C,\n";
  EXPECT_EQ(h.engine().reload(testing::engine_model(other)).status().code(), StatusCode::invalid_argument);
}

// A reload keeps the territory and the units as they were (cases hold their ids): a model of
// the same size with one code, kind or place changed is refused, naming what differs, and the
// engine goes on with the version it had.
TEST(EngineReload, AModelWithOtherNodesOrUnitsIsRefused) {
  EngineHarness h(T0);
  EXPECT_EQ(h.engine().rules_version(), 0u);
  const std::shared_ptr<const Model> first = h.engine().model();
  ASSERT_NE(first, nullptr);
  using Edit = std::array<std::string, 3>;  // file, text, replacement
  const auto refused = [&](std::initializer_list<Edit> edits) {
    auto files = testing::engine_model_files();
    for (const auto& [file, from, to] : edits) {
      const size_t at = files[file].find(from);
      EXPECT_NE(at, std::string::npos) << from;
      if (at != std::string::npos) files[file].replace(at, from.size(), to);
    }
    return h.engine().reload(testing::engine_model(files)).status();
  };
  Status s = refused({{"territory.geojson", "\"code\":\"G3\",\"name\":\"G3\"", "\"code\":\"G9\",\"name\":\"G9\""},
                      {"units.csv", "grid_team,G3,", "grid_team,G9,"}});
  EXPECT_EQ(s.code(), StatusCode::invalid_argument);
  EXPECT_EQ(s.message(), "reload: territory node G9 differs");
  s = refused({{"territory.geojson", "\"code\":\"K1\",\"name\":\"K1\",\"level\":\"community\",\"parent\":\"T1\"",
                "\"code\":\"K1\",\"name\":\"K1\",\"level\":\"community\",\"parent\":\"T2\""},
               {"territory.geojson", "\"code\":\"K2\",\"name\":\"K2\",\"level\":\"community\",\"parent\":\"T2\"",
                "\"code\":\"K2\",\"name\":\"K2\",\"level\":\"community\",\"parent\":\"T1\""}});
  EXPECT_EQ(s.code(), StatusCode::invalid_argument);
  EXPECT_EQ(s.message().rfind("reload: territory node K", 0), 0u) << s.message();  // K1 and K2 changed places
  s = refused({{"units.csv", "D3,Market regulation,department,C", "D3,Market regulation,department,T1"}});
  EXPECT_EQ(s.code(), StatusCode::invalid_argument);
  EXPECT_EQ(s.message(), "reload: unit D3 differs");
  s = refused({{"units.csv", "GT3,Grid team 3,grid_team", "GT3,Grid team 3,community"}});
  EXPECT_EQ(s.message(), "reload: unit GT3 differs");
  s = refused({{"units.csv", "GT3,", "GT9,"}});
  EXPECT_EQ(s.message(), "reload: unit GT9 differs");
  EXPECT_EQ(h.engine().reload(nullptr).status().code(), StatusCode::invalid_argument);
  EXPECT_EQ(h.engine().rules_version(), 0u);
  EXPECT_EQ(h.engine().model(), first);

  auto next = testing::engine_model();
  ASSERT_TRUE(h.engine().reload(next).ok());
  EXPECT_EQ(h.engine().rules_version(), 1u);
  EXPECT_EQ(h.engine().model(), next);
}

// One shard, so cases of two versions take turns at its count of the version opened last.
TEST(EngineReload, AnOldVersionIsFreedOnceItsLastOpenCaseCloses) {
  EngineHarness h(T0, testing::engine_model(), 1);
  std::vector<std::weak_ptr<const Model>> held;
  auto reload = [&] {
    auto m = testing::engine_model();
    held.push_back(m);
    return h.engine().reload(std::move(m));
  };
  ASSERT_TRUE(reload().ok());  // version 1
  ASSERT_TRUE(h.submit(1, "road", kG1, T0).ok());
  ASSERT_TRUE(h.submit(2, "road", kG1, T0).ok());
  ASSERT_TRUE(reload().ok());  // version 2
  ASSERT_TRUE(h.submit(3, "road", kG2, T0).ok());
  ASSERT_TRUE(h.act(Operation::close, 1, "KC1", T0, {}, "duplicate").ok());
  ASSERT_TRUE(reload().ok());  // version 3: 1 and 2 each still hold an open case
  EXPECT_FALSE(held[0].expired());
  EXPECT_FALSE(held[1].expired());
  ASSERT_TRUE(h.act(Operation::close, 2, "KC1", T0, {}, "duplicate").ok());
  ASSERT_TRUE(reload().ok());  // version 4
  EXPECT_TRUE(held[0].expired());
  EXPECT_FALSE(held[1].expired());
  EXPECT_TRUE(held[2].expired());  // never used
  ASSERT_TRUE(h.submit(4, "road", kG1, T0).ok());  // version 4's case is the shard's latest
  ASSERT_TRUE(h.act(Operation::close, 3, "KC1", T0, {}, "duplicate").ok());
  ASSERT_TRUE(reload().ok());  // version 5
  EXPECT_TRUE(held[1].expired());
  EXPECT_FALSE(held[3].expired());
  EXPECT_EQ(h.info(4).rules_version, 4u);
}

// Runs a fixed mixed workload and returns every event rendered. With submit_on_threads each
// case is submitted from a thread of its own (so its timers go to that thread's lane) and
// acted on, fired and escalated from this one. Events are polled before and after each
// submission, as a host that wants its calls' order across threads does: the merge orders
// events of one instant from different threads by its tie rule, not by call order.
Strings run_workload(uint32_t shards = 0, bool submit_on_threads = false) {
  EngineHarness h(T0, testing::engine_model(), shards);
  Strings events;
  const auto poll = [&] {
    const Strings more = h.events();
    events.insert(events.end(), more.begin(), more.end());
  };
  Instant t = T0;
  for (CaseId id = 1; id <= 200; ++id) {
    t += 7 * kMinute;
    (void)h.engine().advance(t);
    const char* matter = id % 5 == 0 ? "orphan" : id % 3 == 0 ? "quickroad" : id % 2 ? "quick" : "noise";
    poll();
    if (submit_on_threads) {
      std::thread([&] { EXPECT_TRUE(h.submit(id, matter, id % 4 == 0 ? kG2 : kG1, t).ok()); }).join();
    } else {
      (void)h.submit(id, matter, id % 4 == 0 ? kG2 : kG1, t);
    }
    poll();
    if (id % 3 == 1) (void)h.act(Operation::accept, id, id % 4 == 0 ? "GT2" : "GT1", t);
    if (id % 7 == 0) (void)h.act(Operation::whistle, id - 1, "TC1", t, {"D2", "D3"});
  }
  (void)h.engine().advance(t + 3 * 24 * 60 * kMinute);
  poll();
  return events;
}

TEST(EngineDeterminism, SameCallsSameEvents) {
  const Strings a = run_workload(), b = run_workload();
  EXPECT_GT(a.size(), 500u);
  EXPECT_EQ(a, b);
}

// The shard count changes where cases live, never what happens to them (one shard included:
// the shard index is then always 0).
TEST(EngineDeterminism, AnyShardCountGivesTheSameEvents) {
  const Strings expected = run_workload();
  for (uint32_t shards : {1u, 2u, 3u, 64u}) EXPECT_EQ(run_workload(shards), expected) << shards << " shards";
}

// Timers live in the lane of the thread that submitted the case (200 threads here: more than
// the 64 lanes, so lanes are shared too); where they live never changes what happens.
TEST(EngineDeterminism, SubmittingFromManyThreadsGivesTheSameEvents) {
  EXPECT_EQ(run_workload(0, /*submit_on_threads=*/true), run_workload());
  EXPECT_EQ(run_workload(1, /*submit_on_threads=*/true), run_workload());
}

// partition_of: with no more parts than shards, each part is a set of whole shards (no shard
// holds cases of two parts) and the parts' shard counts differ by one at most; with more parts
// than shards, each part spans two shards at most and gets its share of the cases. With no
// parts or one, every case is in part 0. Another engine with as many shards (a host's
// restart) puts every id in the same part.
TEST(EnginePartitions, PartsAreWholeShardsAsEvenAsTheCountAllows) {
  constexpr CaseId kIds = 50'000;
  for (uint32_t shards : {1u, 16u, 64u}) {
    EngineHarness h(T0, testing::engine_model(), shards), again(T0, testing::engine_model(), shards);
    Engine& e = h.engine();
    const Engine::Impl& impl = Engine::Impl::of(e);
    const uint32_t count = uint32_t{1} << impl.shard_bits;
    ASSERT_EQ(count, shards);
    EXPECT_EQ(e.partition_of(7, 0), 0u);
    EXPECT_EQ(e.partition_of(7, 1), 0u);
    for (uint32_t parts : {2u, 3u, 5u, 16u, 40u, 1000u}) {
      std::vector<std::set<uint32_t>> shards_of_part(parts), parts_of_shard(count);
      std::vector<size_t> cases_in_part(parts);
      for (CaseId id = 1; id <= kIds; ++id) {
        const uint32_t part = e.partition_of(id, parts);
        ASSERT_LT(part, parts) << id;
        ASSERT_EQ(again.engine().partition_of(id, parts), part) << id;
        const uint32_t shard = impl.shard_index(engine::mix_id(id));
        shards_of_part[part].insert(shard);
        parts_of_shard[shard].insert(part);
        ++cases_in_part[part];
      }
      const std::string where = std::to_string(parts) + " parts of " + std::to_string(count) + " shards";
      if (parts <= count) {
        for (const auto& of_shard : parts_of_shard) EXPECT_EQ(of_shard.size(), 1u) << where;
        for (const auto& of_part : shards_of_part) {
          EXPECT_GE(of_part.size(), count / parts) << where;
          EXPECT_LE(of_part.size(), (count + parts - 1) / parts) << where;
        }
      } else {
        const double share = double(kIds) / parts;  // from 1,000 up, ±50 % is over 15 σ
        for (uint32_t part = 0; part < parts; ++part) {
          EXPECT_LE(shards_of_part[part].size(), 2u) << where << ", part " << part;
          EXPECT_GT(cases_in_part[part], 0u) << where << ", part " << part;
          if (share < 1000) continue;
          EXPECT_GT(double(cases_in_part[part]), share / 2) << where << ", part " << part;
          EXPECT_LT(double(cases_in_part[part]), share * 3 / 2) << where << ", part " << part;
        }
      }
    }
  }
}

// Thousands of events waiting, taken a few at a time: the queue drops what was taken as it
// goes (in place), later events are appended after what is left, and the host sees exactly
// the events, units and texts of one big take at the end.
TEST(EngineEvents, SmallPollsTakeTheSameEventsAsOneBigPoll) {
  const auto run = [](size_t max) {
    EngineHarness h(T0);
    Strings out;
    EventBatch batch;
    const auto take = [&](size_t polls) {
      for (size_t i = 0; i < polls && h.engine().poll_events(batch, max) > 0; ++i) {
        for (const Event& e : batch) out.push_back(testing::render(e, h.model()));
      }
    };
    Instant t = T0;
    for (CaseId id = 1; id <= 9000; ++id) {
      t += 1000;
      (void)h.submit(id, id % 5 == 0 ? "orphan" : id % 2 ? "quick" : "quickroad", id % 4 == 0 ? kG2 : kG1, t);
      if (id % 3 == 0) (void)h.act(Operation::whistle, id, "TC1", t, {"D2", "D3"});
      if (id == 6000) take(max == SIZE_MAX ? 0 : 6000 / max);  // most of the first 8,000
    }
    take(SIZE_MAX);
    return out;
  };
  const Strings whole = run(SIZE_MAX);
  ASSERT_EQ(whole.size(), 12000u);  // 9,000 dispatched or unrouted, 3,000 whistled or denied
  EXPECT_EQ(run(1000), whole);
  EXPECT_EQ(run(4097), whole);
  EXPECT_EQ(run(7), whole);
}

TEST(EngineScores, LiveCountersEqualARecountFromTheEvents) {
  EngineHarness h(T0);
  std::vector<Event> all;
  std::vector<std::vector<UnitId>> units;
  std::vector<std::string> details;
  EventBatch batch;
  auto drain = [&] {
    while (h.engine().poll_events(batch) > 0) {
      for (const Event& e : batch) {
        all.push_back(e);
        units.emplace_back(e.units.begin(), e.units.end());
        details.emplace_back(e.detail);
      }
    }
  };
  Instant t = T0;
  for (CaseId id = 1; id <= 60; ++id) {
    t += 11 * kMinute;
    ASSERT_TRUE(h.engine().advance(t).ok());
    ASSERT_TRUE(h.submit(id, id % 2 ? "quick" : "quickroad", id % 3 ? kG1 : kG2, t).ok());
    const std::string primary = h.model().units()[h.info(id).primary].code;
    const bool handled = id % 4 != 0;
    if (handled) {
      ASSERT_TRUE(h.act(Operation::accept, id, primary, t + (id % 5) * 20 * kMinute).ok());
    }
    if (id % 6 == 0) {
      ASSERT_TRUE(h.act(Operation::whistle, id, "CC", t, {"D3"}).ok());
      if (id % 12 == 0) {
        ASSERT_TRUE(h.act(Operation::report_in, id, "D3", t + kMinute).ok());
      }
    }
    if (handled) {
      ASSERT_TRUE(h.act(Operation::resolve, id, primary, t + 150 * kMinute).ok());
      ASSERT_TRUE(h.act(Operation::verify, id, "CC", t + 151 * kMinute, {}, {}, id % 5 != 0).ok());
      if (id % 5 != 0) {
        ASSERT_TRUE(h.act(Operation::evaluate, id, "CC", t + 152 * kMinute, {}, {}, false,
                          static_cast<uint8_t>(1 + id % 5), id % 7 == 0)
                        .ok());
      }
    }
    drain();
  }
  ASSERT_TRUE(h.engine().advance(t + 2 * 24 * 60 * kMinute).ok());
  drain();
  for (size_t i = 0; i < all.size(); ++i) {
    all[i].units = units[i];
    all[i].detail = details[i];
  }
  const int32_t offset = 8 * 60;
  const Scoreboard recount = Scoreboard::recount(h.model(), offset, all);
  size_t nonzero = 0;
  for (UnitId u = 0; u < h.model().units().size(); ++u) {
    EXPECT_EQ(h.engine().unit_score(u).counts, recount.unit_counts(u, Period::all())) << h.model().units()[u].code;
    nonzero += h.engine().unit_score(u).counts.received > 0;
  }
  EXPECT_GE(nonzero, 3u);
  for (NodeId n = 0; n < h.model().territory().size(); ++n) {
    EXPECT_EQ(h.engine().node_score(n).counts, recount.node_counts(n, Period::all()));
  }
  const Score d1 = h.engine().unit_score(h.unit("D1"));
  EXPECT_GT(d1.counts.received, 0u);
  EXPECT_GE(d1.composite, 0);
  EXPECT_LE(d1.composite, 100);
  // Forgetting the first day: every query counts from the second, as the recount's does.
  const int64_t cutoff = h.engine().scoring_day(T0) + 1;
  const size_t bytes = h.engine().stats().score_bytes;
  h.engine().forget_scores_before(cutoff);
  EXPECT_LT(h.engine().stats().score_bytes, bytes);
  size_t changed = 0;
  for (UnitId u = 0; u < h.model().units().size(); ++u) {
    const ScoreCounts kept = recount.unit_counts(u, Period{cutoff, INT64_MAX});
    EXPECT_EQ(h.engine().unit_score(u).counts, kept) << h.model().units()[u].code;
    changed += !(kept == recount.unit_counts(u, Period::all()));
  }
  EXPECT_GE(changed, 3u);
}

// Instants outside years 0001-9999 are refused with a message, never computed with (deadline
// arithmetic there could overflow), and advancing to the last instant does not spin.
TEST(EngineErrors, InstantsOutsideYears1To9999AreRefusedAndChangeNothing) {
  for (Instant at : {INT64_MIN, kFirstInstant - 1, kLastInstant + 1, INT64_MAX / 2, INT64_MAX}) {
    EngineHarness h(T0);
    const Status submitted = h.submit(1, "quick", kG1, at);
    EXPECT_EQ(submitted.code(), StatusCode::invalid_argument) << at;
    EXPECT_EQ(h.engine().advance(at).code(), StatusCode::invalid_argument) << at;
    EXPECT_TRUE(h.events().empty());
    EXPECT_EQ(h.engine().now(), T0);
    EngineOptions o;
    o.start = at;
    EXPECT_EQ(Engine::open(testing::engine_model(), o).status().code(), StatusCode::invalid_argument) << at;
  }
  EngineHarness h(T0);
  ASSERT_TRUE(h.submit(1, "quick", kG1, T0).ok());
  ASSERT_TRUE(h.engine().advance(kLastInstant).ok());  // every timer fires, then nothing is left
  EXPECT_EQ(h.engine().now(), kLastInstant);
  EXPECT_FALSE(h.events().empty());
  const Status late = h.act(Operation::accept, 1, "GT1", kLastInstant + 1);
  EXPECT_NE(late.message().find("after year 9999"), std::string::npos) << late.to_string();
  EXPECT_EQ(format_iso8601(INT64_MIN, 0), "-9223372036854775808 ms after the epoch");
  EXPECT_EQ(format_iso8601(kLastInstant, 0), "9999-12-31T23:59:59.999+00:00");
}

// Options out of range: precise statuses, no engine, no crash.
TEST(EngineErrors, OptionsOutOfRange) {
  EngineOptions o;
  o.start = T0;
  o.expected_cases = kMaxExpectedCases + 1;
  EXPECT_EQ(Engine::open(testing::engine_model(), o).status().code(), StatusCode::invalid_argument);
  // One case more than this machine's memory holds at 128 bytes a record: refused (ENOMEM, not
  // the OOM killer), whatever the machine (kMaxExpectedCases, 512 GiB of records, might fit one).
  const size_t physical = static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
  if (physical / 128 < kMaxExpectedCases) {
    o.expected_cases = physical / 128 + 1;
    const auto huge = Engine::open(testing::engine_model(), o);
    EXPECT_EQ(huge.status().code(), StatusCode::out_of_memory) << huge.status().to_string();
  }
  o.expected_cases = 1000;
  for (int32_t offset : {-18 * 60 - 1, 18 * 60 + 1, INT32_MIN, INT32_MAX}) {
    o.scoring_utc_offset_minutes = offset;
    EXPECT_EQ(Engine::open(testing::engine_model(), o).status().code(), StatusCode::invalid_argument) << offset;
  }
  o.scoring_utc_offset_minutes = -18 * 60;
  EXPECT_TRUE(Engine::open(testing::engine_model(), o).ok());
}

}  // namespace
}  // namespace whistle

namespace whistle {
namespace {

// A realtime engine whose thread cannot be started is refused with ENOMEM naming the thread,
// not an exception. A child process that gives up root for a user held to one process (the
// child itself) has no thread to start. Not under TSan, whose runtime does not support
// starting threads in a child forked from a process with threads.
TEST(EngineRealtime, AClockThreadThatCannotStartIsRefusedWithAStatus) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "TSan: no threads in a forked child";
#else
  if (geteuid() != 0) GTEST_SKIP() << "needs root, to switch to a user held to a process limit";
  const auto model = testing::engine_model();
  EngineOptions options;
  options.clock = EngineOptions::Clock::realtime;
  const pid_t child = fork();
  ASSERT_NE(child, -1) << std::strerror(errno);
  if (child == 0) {
    const rlimit one{1, 1};
    if (setgid(65534) != 0 || setuid(65534) != 0 || setrlimit(RLIMIT_NPROC, &one) != 0) _exit(2);
    try {
      const auto opened = Engine::open(model, options);
      if (opened.ok()) _exit(3);
      if (opened.status().code() != StatusCode::out_of_memory) _exit(4);
      if (opened.status().message().find("cannot start the realtime clock's thread: ") != 0) _exit(5);
    } catch (...) {
      _exit(6);
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  // 2: could not switch user; 3: opened; 4: another status; 5: another message; 6: threw.
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // With the thread to be had, the same options open.
  EXPECT_TRUE(Engine::open(model, options).ok());
#endif
}

TEST(EngineRealtime, TimersFireOnTheClockSourceAndOperationsTakeItsTime) {
  using testing::iso;
  const Instant t0 = iso("2025-09-26T10:00:00+08:00");
  std::atomic<Instant> fake{t0};
  auto model = testing::engine_model();
  EngineOptions options;
  options.clock = EngineOptions::Clock::realtime;
  options.clock_source = [&] { return fake.load(); };
  auto engine = std::move(Engine::open(model, options)).value();
  std::mutex m;
  std::vector<std::string> seen;
  std::vector<Instant> instants;
  engine->set_event_callback([&](const Event& e) {
    std::lock_guard lock(m);
    seen.push_back(testing::render(e, *model));
    instants.push_back(e.at);
  });
  Submission s;
  s.id = 1;
  s.matter = model->find_matter("quick");
  s.point = testing::kG1;
  s.received = 12345;  // ignored: the realtime clock stamps operations
  ASSERT_TRUE(engine->submit(s).ok());
  EXPECT_EQ(engine->advance(t0 + 1).code(), StatusCode::invalid_argument);
  fake = t0 + 61 * 60'000;  // the clock source jumps: the engine's thread catches up within a second
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard lock(m);
      if (seen.size() >= 4) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Action accept;
  accept.op = Operation::accept;
  accept.case_id = 1;
  accept.actor = model->find_unit("GT1");
  ASSERT_TRUE(engine->act(accept).ok());
  std::lock_guard lock(m);
  EXPECT_EQ(seen, (testing::Strings{"dispatched 1 - [GT1,D2] - 0 'G1'", "warned 1 - [] accept 0", "breached 1 - [] accept 0",
                                    "escalated 1 - [KC1] accept 1", "accepted 1 GT1 [] accept 1"}));
  EXPECT_EQ(instants, (std::vector<Instant>{t0, t0 + 40 * 60'000, t0 + 60 * 60'000, t0 + 60 * 60'000, t0 + 61 * 60'000}));
}

// An advance of the realtime clock that runs out of memory must not leave the clock's thread
// (an exception there ends the process): the driver counts it and tries again kRetryMs later,
// and goes on as before once memory is there. Timers never fire early, so the pauses are a
// lower bound on the time the three failures take.
TEST(EngineRealtime, AnAdvanceThatRunsOutOfMemoryIsRetriedAfterAPause) {
  std::atomic<int> calls{0};
  std::atomic<int64_t> fourth_call_after_ms{-1};
  const auto start = std::chrono::steady_clock::now();
  engine::RealtimeDriver driver(
      [&] {
        const int call = calls.fetch_add(1);
        if (call == 3) {
          fourth_call_after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
        }
        if (call < 3) throw std::bad_alloc();
      },
      [] { return Instant{1'000}; }, [] { return Instant{1'000}; });  // always something due
  driver.start();
  for (int i = 0; i < 500 && calls.load() < 6; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  driver.stop();
  EXPECT_GE(calls.load(), 6);  // it went on after the failures
  EXPECT_EQ(driver.out_of_memory(), 3u);
  EXPECT_GE(fourth_call_after_ms.load(), 3 * engine::RealtimeDriver::kRetryMs);
}

}  // namespace
}  // namespace whistle
