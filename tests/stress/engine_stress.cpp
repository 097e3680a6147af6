// Concurrency stress for the engine (run under ThreadSanitizer by the tsan preset): threads
// submitting and acting on their own and each other's cases (one call at a time, or as batches
// of one), one advancing the clock, one reloading the rules, and the events taken either by a
// thread polling them or (argument `callback`) by a callback, which whichever thread is
// delivering runs. Afterwards every case is in exactly the state its events lead to, sequence
// numbers run 1..N without a gap, and the live scores equal a recount from the events. With the
// callback, every event must also have reached it by the time the last operation returned (no
// poll is left to pick up stragglers), one event at a time, never two threads inside it at
// once: checked after the mixed run and after each of 50,000 bursts of simultaneous
// submissions. (A deliverer that stops without looking at the buffers once more stranded an
// event twice in 50,000 bursts when tried.)
#include <atomic>
#include <barrier>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sample/tiling.hpp"
#include "support/engine_model.hpp"
#include "whistle/engine.hpp"

namespace {

using namespace whistle;

std::atomic<int> failures{0};
#define CHECK(cond, ...)                              \
  do {                                                \
    if (!(cond)) {                                    \
      std::fprintf(stderr, "FAILED: %s: ", #cond);    \
      std::fprintf(stderr, __VA_ARGS__);              \
      std::fputc('\n', stderr);                       \
      if (++failures > 20) std::exit(1);              \
    }                                                 \
  } while (0)

struct Recorded {
  Event event;
  std::vector<UnitId> units;
  std::string detail;
};

CaseState state_after(CaseState s, EventKind k) {
  switch (k) {
    case EventKind::dispatched:
    case EventKind::assigned: return CaseState::dispatched;
    case EventKind::unrouted: return CaseState::unrouted;
    case EventKind::accepted:
    case EventKind::redo:
    case EventKind::reopened: return CaseState::accepted;
    case EventKind::returned: return CaseState::returned;
    case EventKind::resolved: return CaseState::resolved;
    case EventKind::verified: return CaseState::verified;
    case EventKind::closed: return CaseState::closed;
    default: return s;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const size_t ops_per_worker = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20'000;
  const bool by_callback = argc > 2 && std::string_view(argv[2]) == "callback";
  constexpr int kWorkers = 3;
  auto model_a = testing::engine_model();
  auto files = testing::engine_model_files();
  files["rules.csv"].replace(files["rules.csv"].find("road,*,D1,,"), 11, "road,*,D3,D1,");
  auto model_b = testing::engine_model(files);

  const Instant start = 1'758'852'000'000;  // 2025-09-26T10:00+08:00
  EngineOptions options;
  options.start = start;
  options.shards = 4;  // few shards: threads meet on the same shard often
  auto engine = std::move(Engine::open(model_a, options)).value();

  std::atomic<bool> stop{false};
  std::vector<Recorded> events;
  const auto record = [&](const Event& e) {
    events.push_back({e, {e.units.begin(), e.units.end()}, std::string(e.detail)});
  };
  std::atomic<bool> in_callback{false};
  if (by_callback) {
    engine->set_event_callback([&](const Event& e) {
      CHECK(!in_callback.exchange(true), "two threads in the callback at once (seq %llu)", (unsigned long long)e.seq);
      record(e);
      in_callback.store(false);
    });
  }
  std::thread poller([&] {
    if (by_callback) return;
    EventBatch batch;
    auto take = [&] {
      while (engine->poll_events(batch, 512) > 0) {
        for (const Event& e : batch) record(e);
      }
    };
    while (!stop.load()) {
      take();
      std::this_thread::yield();
    }
    take();
  });
  std::thread advancer([&] {
    Instant t = start;
    while (!stop.load()) {
      t += 7 * 60'000;
      CHECK(engine->advance(t).ok(), "advance");
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  std::atomic<int> reloads{0};
  std::thread reloader([&] {
    for (int i = 0; !stop.load(); ++i) {
      auto v = engine->reload(i % 2 ? model_a : model_b);
      CHECK(v.ok(), "reload: %s", v.status().to_string().c_str());
      ++reloads;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });

  const auto matters = static_cast<uint32_t>(model_a->matters().size());
  const auto units = static_cast<uint32_t>(model_a->units().size());
  std::atomic<size_t> done_workers{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      sample::Random rng(100 + static_cast<uint64_t>(w));
      const LonLat points[] = {{0.5, 0.5}, {1.2, 0.3}, {2.5, 0.5}, {1.7, 0.7}, {9, 9}};
      CaseId next = static_cast<CaseId>(w) << 40;
      for (size_t i = 0; i < ops_per_worker; ++i) {
        const Instant at = engine->now() + static_cast<Instant>(rng.below(10) * 60'000);
        if (rng.below(4) == 0 || next == static_cast<CaseId>(w) << 40) {
          Submission s;
          s.id = ++next;
          s.matter = static_cast<MatterId>(rng.below(matters));
          s.point = points[rng.below(5)];
          s.received = at;
          s.channel = "app";
          Status st;
          if (rng.below(2) == 0) {
            st = engine->submit(s);
          } else {  // the batch call, which delivers once at its end
            engine->submit_batch({&s, 1}, {&st, 1});
          }
          CHECK(st.ok() || st.code() == StatusCode::invalid_argument, "submit: %s", st.to_string().c_str());
          continue;
        }
        // Act on one of this worker's cases or, one time in four, on another worker's.
        const int owner = rng.below(4) == 0 ? static_cast<int>(rng.below(kWorkers)) : w;
        Action a;
        a.case_id = (static_cast<CaseId>(owner) << 40) + 1 + rng.below(std::max<uint64_t>(1, next - (static_cast<CaseId>(w) << 40)));
        a.op = static_cast<Operation>(rng.below(9));
        a.at = at;
        // Hints race with every other thread's inserts and rehashes (they try-lock the shard).
        engine->prefetch(a.case_id);
        engine->prefetch(a.case_id + 1);
        CaseInfo info;
        if (engine->get_case(a.case_id, info).ok() && info.primary != kNoUnit && rng.below(2)) {
          a.actor = info.primary;
        } else {
          a.actor = static_cast<UnitId>(rng.below(units));
        }
        const UnitId list[2] = {static_cast<UnitId>(rng.below(units)), static_cast<UnitId>(rng.below(units))};
        a.units = {list, list[0] == list[1] ? 1u : 2u};
        a.pass = rng.below(2);
        a.score = static_cast<uint8_t>(1 + rng.below(5));
        a.reopen = rng.below(5) == 0;
        Status st;
        if (rng.below(2) == 0) {
          st = engine->act(a);
        } else {
          engine->act_batch({&a, 1}, {&st, 1});
        }
        CHECK(st.code() != StatusCode::internal, "act: %s", st.to_string().c_str());
      }
      ++done_workers;
    });
  }
  for (auto& t : workers) t.join();
  stop.store(true);
  advancer.join();
  reloader.join();
  // At a quiescent point: every event so far must have reached the callback, with no call left
  // to deliver a straggler. Counted before stats(), whose merge queues events without delivering.
  const auto check_all_delivered = [&](const char* when, int round) {
    const size_t delivered = events.size();
    const size_t issued = engine->stats().events;
    CHECK(delivered == issued, "%s %d: issued %zu, the callback got %zu", when, round, issued, delivered);
  };
  if (by_callback) {
    check_all_delivered("after the run", 0);
    // Bursts: every worker submits at the same instant, so one delivers while the others
    // append and leave their events to it; afterwards nothing may be left undelivered.
    constexpr int kRounds = 50'000;
    std::barrier sync(kWorkers + 1);
    std::vector<std::thread> bursts;
    for (int w = 0; w < kWorkers; ++w) {
      bursts.emplace_back([&, w] {
        Submission s;
        s.matter = 0;
        s.point = {0.5, 0.5};
        s.channel = "app";
        for (int r = 0; r < kRounds; ++r) {
          s.id = (static_cast<CaseId>(w) << 40) + (CaseId{1} << 32) + static_cast<CaseId>(r);
          s.received = engine->now();
          sync.arrive_and_wait();
          const Status st = engine->submit(s);
          CHECK(st.ok(), "burst submit: %s", st.to_string().c_str());
          sync.arrive_and_wait();
        }
      });
    }
    for (int r = 0; r < kRounds; ++r) {
      sync.arrive_and_wait();
      sync.arrive_and_wait();
      check_all_delivered("burst", r);
    }
    for (auto& t : bursts) t.join();
  }
  // Let every timer run out, then collect the rest.
  CHECK(engine->advance(engine->now() + 60LL * 86'400'000).ok(), "final advance");
  poller.join();
  if (by_callback) {
    check_all_delivered("after the final advance", 0);
    EventBatch batch;
    CHECK(engine->poll_events(batch) == 0, "poll returned events while a callback is set");
  } else {
    EventBatch batch;
    while (engine->poll_events(batch) > 0) {
      for (const Event& e : batch) record(e);
    }
  }

  // Gap-free sequence numbers.
  for (size_t i = 0; i < events.size(); ++i) CHECK(events[i].event.seq == i + 1, "seq %zu at %zu", (size_t)events[i].event.seq, i);
  CHECK(engine->stats().events == events.size(), "issued %zu, polled %zu", (size_t)engine->stats().events, events.size());

  // Every case in exactly the state its events lead to.
  std::map<CaseId, CaseState> states;
  for (const auto& r : events) {
    auto it = states.find(r.event.case_id);
    const CaseState before = it == states.end() ? CaseState::unrouted : it->second;
    states[r.event.case_id] = state_after(before, r.event.kind);
  }
  const EngineStats stats = engine->stats();
  CHECK(states.size() == stats.cases, "%zu cases in events, %zu in the engine", states.size(), stats.cases);
  size_t open = 0;
  for (const auto& [id, state] : states) {
    CaseInfo c;
    CHECK(engine->get_case(id, c).ok(), "case %llu missing", (unsigned long long)id);
    CHECK(c.state == state, "case %llu is %s, its events say %s", (unsigned long long)id,
          std::string(case_state_name(c.state)).c_str(), std::string(case_state_name(state)).c_str());
    open += state != CaseState::closed;
  }
  CHECK(open == stats.open_cases, "open %zu vs %zu", open, stats.open_cases);

  // Live scores equal a recount from the events.
  std::vector<Event> stream;
  for (auto& r : events) {
    Event e = r.event;
    e.units = r.units;
    e.detail = r.detail;
    stream.push_back(e);
  }
  const int32_t offset = model_a->calendars().front().utc_offset_minutes();
  const Scoreboard recount = Scoreboard::recount(*model_a, offset, stream);
  for (UnitId u = 0; u < units; ++u) {
    CHECK(engine->unit_score(u).counts == recount.unit_counts(u, Period::all()), "scores of %s differ",
          model_a->units()[u].code.c_str());
  }
  std::printf("engine stress (%s): %d workers x %zu operations, %zu cases, %zu events, %d reloads: %s\n",
              by_callback ? "callback" : "poll", kWorkers, ops_per_worker, stats.cases, events.size(), reloads.load(),
              failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
