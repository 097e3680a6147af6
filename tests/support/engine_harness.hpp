// Helpers for engine tests: an engine on the test model, actions by unit code, and events
// rendered as one line each ("seq kind case actor [units] stage level 'detail'") so a test
// states the exact stream it expects.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "support/engine_model.hpp"
#include "whistle/engine.hpp"

namespace whistle::testing {

inline Instant iso(const char* text) {
  auto p = parse_iso8601(text);
  if (!p.ok()) throw std::runtime_error(p.status().to_string());
  return p->at;
}

inline std::string render(const Event& e, const Model& m) {
  std::string s = std::string(event_kind_name(e.kind)) + " " + std::to_string(e.case_id);
  s += " " + (e.actor == kNoUnit ? std::string("-") : m.units()[e.actor].code);
  s += " [";
  for (size_t i = 0; i < e.units.size(); ++i) s += (i ? "," : "") + m.units()[e.units[i]].code;
  s += "]";
  s += " " + (e.has_stage() ? std::string(stage_name(static_cast<Stage>(e.stage))) : std::string("-"));
  s += " " + std::to_string(e.level);
  if (!e.detail.empty()) s += " '" + std::string(e.detail) + "'";
  return s;
}

class EngineHarness {
 public:
  explicit EngineHarness(Instant start, std::shared_ptr<const Model> m = engine_model(), uint32_t shards = 0)
      : model_(std::move(m)) {
    EngineOptions options;
    options.start = start;
    options.shards = shards;
    auto e = Engine::open(model_, options);
    if (!e.ok()) throw std::runtime_error(e.status().to_string());
    engine_ = std::move(e).value();
  }

  Engine& engine() { return *engine_; }
  const Model& model() const { return *model_; }
  UnitId unit(const std::string& code) const {
    const UnitId u = model_->find_unit(code);
    if (u == kNoUnit) throw std::runtime_error("no unit " + code);
    return u;
  }
  NodeId node(const std::string& code) const { return model_->territory().find(code); }

  Status submit(CaseId id, const std::string& matter, LonLat point, Instant at, const std::string& ref = "") {
    Submission s;
    s.id = id;
    s.matter = model_->find_matter(matter);
    s.point = point;
    s.received = at;
    s.channel = "hotline";
    s.external_ref = ref;
    return engine_->submit(s);
  }
  Status submit_at(CaseId id, const std::string& matter, const std::string& place, Instant at) {
    Submission s;
    s.id = id;
    s.matter = model_->find_matter(matter);
    s.place = node(place);
    s.received = at;
    return engine_->submit(s);
  }

  Status act(Operation op, CaseId id, const std::string& actor, Instant at, std::initializer_list<const char*> units = {},
             std::string_view text = {}, bool pass = false, uint8_t score = 0, bool reopen = false) {
    std::vector<UnitId> ids;
    for (const char* u : units) ids.push_back(unit(u));
    Action a;
    a.op = op;
    a.case_id = id;
    a.actor = unit(actor);
    a.at = at;
    a.units = ids;
    a.text = text;
    a.pass = pass;
    a.score = score;
    a.reopen = reopen;
    return engine_->act(a);
  }

  // Every event emitted since the last call, rendered.
  std::vector<std::string> events() {
    std::vector<std::string> out;
    EventBatch batch;
    while (engine_->poll_events(batch) > 0) {
      for (const Event& e : batch) {
        out.push_back(render(e, *model_));
        all_.push_back(e.seq);
      }
    }
    return out;
  }
  const std::vector<uint64_t>& seen_seqs() const { return all_; }

  CaseInfo info(CaseId id) {
    CaseInfo c;
    EXPECT_TRUE(engine_->get_case(id, c).ok());
    return c;
  }

 private:
  std::shared_ptr<const Model> model_;
  std::unique_ptr<Engine> engine_;
  std::vector<uint64_t> all_;
};

// Points inside each grid (and inside zone Z1, which lies in G2).
inline constexpr LonLat kG1{0.5, 0.5}, kG2{1.2, 0.3}, kG3{2.5, 0.5}, kZ1{1.7, 0.7}, kOutside{9, 9};

using Strings = std::vector<std::string>;

}  // namespace whistle::testing
