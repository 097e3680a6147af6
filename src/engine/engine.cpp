// Engine: opening, the public entry points (each takes the case's shard lock, then delivers
// events outside it), lookups, reload, scores, stats.
#include "whistle/engine.hpp"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <system_error>
#include <thread>

#include "engine/engine_impl.hpp"
#include "engine/realtime_driver.hpp"
#include "whistle/detail/prefetch.hpp"
#include "whistle/realtime_timer_service.hpp"

namespace whistle {

using engine::Case;
using engine::kNone;
using engine::Shard;

// ---- channels ----

uint8_t engine::ChannelTable::intern(std::string_view name) {
  const size_t n = count_.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) {
    if (names_[i].load(std::memory_order_acquire)->view() == name) return static_cast<uint8_t>(i);
  }
  std::lock_guard lock(add_mutex_);
  const size_t now = count_.load(std::memory_order_relaxed);
  for (size_t i = n; i < now; ++i) {
    if (names_[i].load(std::memory_order_relaxed)->view() == name) return static_cast<uint8_t>(i);
  }
  if (now == kMax) return kMax;
  auto added = std::make_unique<Name>();
  added->length = std::min(name.size(), kMaxLength);
  std::copy_n(name.data(), added->length, added->bytes);
  owned_.push_back(std::move(added));
  names_[now].store(owned_.back().get(), std::memory_order_release);
  count_.store(now + 1, std::memory_order_release);
  return static_cast<uint8_t>(now);
}

std::string_view engine::ChannelTable::name(uint8_t channel) const {
  if (channel >= count_.load(std::memory_order_acquire)) return {};
  return names_[channel].load(std::memory_order_acquire)->view();
}

// ---- opening ----

uint32_t Engine::Impl::shard_bits_for(uint32_t requested) {
  uint32_t want = requested;
  if (want == 0) want = std::max(16u, 8 * std::max(1u, std::thread::hardware_concurrency()));
  want = std::clamp(want, 1u, 4096u);
  return static_cast<uint32_t>(std::bit_width(want - 1));  // next power of two's exponent
}

Engine::Impl::Impl(std::shared_ptr<const Model> model, const EngineOptions& opts, int32_t scoring_offset)
    : options(opts),
      shard_bits(shard_bits_for(opts.shards)),
      base(model),
      directory(*model),
      versions(std::make_unique<std::atomic<const Model*>[]>(kMaxVersions)),
      log(Scoreboard(*model, scoring_offset), size_t{1} << shard_bits),
      advanced_to(opts.start) {
  versions[0].store(model.get(), std::memory_order_release);
  version_owners.push_back(model);
  const uint32_t count = 1u << shard_bits;
  const size_t per_shard = opts.expected_cases / count + 1;
  for (uint32_t i = 0; i < count; ++i) {
    shards.push_back(std::make_unique<Shard>(i));
    if (opts.expected_cases > 0) shards.back()->cases.reserve(per_shard + per_shard / 8);
  }
  // A lane per hardware thread, for the threads likely to submit. The first thread's is sized
  // for every case (a one-thread host's timers all go there), the others for their share, so
  // with expected_cases set they arm into memory faulted in now, not under a lock; lanes of
  // further threads are made when they first submit and grow as they arm.
  const uint32_t initial = std::min(engine::kMaxLanes, std::max(1u, std::thread::hardware_concurrency()));
  std::lock_guard lock(lanes_mutex);
  for (uint32_t i = 0; i < initial; ++i) {
    create_lane().wheel.reserve(2 * opts.expected_cases / (i == 0 ? 1 : initial));
  }
}

// Under lanes_mutex.
engine::TimerLane& Engine::Impl::create_lane() {
  const uint32_t index = lane_total.load(std::memory_order_relaxed);
  lane_owners.push_back(std::make_unique<engine::TimerLane>(index, advanced_to.load(std::memory_order_acquire)));
  lanes[index].store(lane_owners.back().get(), std::memory_order_release);
  lane_total.store(index + 1, std::memory_order_release);
  return *lane_owners.back();
}

engine::TimerLane& Engine::Impl::my_lane() {
  engine::LaneRef& ref = thread_lanes.local();
  if (ref.lane != nullptr) [[likely]]
    return *ref.lane;
  std::lock_guard lock(lanes_mutex);
  const uint32_t index = lanes_assigned++ % engine::kMaxLanes;
  ref.lane = index < lane_total.load(std::memory_order_relaxed) ? &lane(index) : &create_lane();
  return *ref.lane;
}

Engine::Impl::~Impl() {  // the clock thread ends before any member goes
  if (realtime) realtime->stop();
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::open(std::shared_ptr<const Model> model, const EngineOptions& options) {
  if (!model) return Status::invalid("no model");
  if (options.clock == EngineOptions::Clock::manual && !in_instant_range(options.start)) {
    return Status::invalid("start " + format_iso8601(options.start, 0) + " is outside years 0001-9999");
  }
  if (options.expected_cases > kMaxExpectedCases) {
    return Status::invalid("expected_cases " + std::to_string(options.expected_cases) + " is above " +
                           std::to_string(kMaxExpectedCases));
  }
  // Pre-sizing faults the case tables in at once: asking for more than the machine has would
  // end in the OOM killer, not in an error.
  const size_t physical = static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
  if (options.expected_cases > physical / sizeof(engine::Case)) {
    return Status(StatusCode::out_of_memory, "expected_cases " + std::to_string(options.expected_cases) +
                                                 " would take more than this machine's " +
                                                 std::to_string(physical >> 20) + " MiB");
  }
  int32_t offset = 0;
  if (options.scoring_utc_offset_minutes) {
    offset = *options.scoring_utc_offset_minutes;
    if (offset < -18 * 60 || offset > 18 * 60) {
      return Status::invalid("scoring_utc_offset_minutes " + std::to_string(offset) + " is outside -18:00..+18:00");
    }
  } else if (!model->calendars().empty()) {
    offset = model->calendars().front().utc_offset_minutes();
  }
  EngineOptions opts = options;
  if (!opts.clock_source) opts.clock_source = &RealtimeTimerService::system_now;
  if (opts.clock == EngineOptions::Clock::realtime) opts.start = opts.clock_source();
  std::unique_ptr<Impl> impl;
  try {
    impl = std::make_unique<Impl>(std::move(model), opts, offset);
  } catch (const std::bad_alloc&) {  // pre-sizing for expected_cases asks for the memory at once
    return Status(StatusCode::out_of_memory,
                  "no memory for " + std::to_string(options.expected_cases) + " expected cases");
  }
  if (opts.clock == EngineOptions::Clock::realtime) {
    Impl* raw = impl.get();
    raw->realtime = std::make_unique<engine::RealtimeDriver>(
        [raw] { (void)raw->advance_to(raw->system_now()); },
        [raw] { return raw->next_due.load(std::memory_order_acquire); }, [raw] { return raw->system_now(); });
    try {
      raw->realtime->start();
    } catch (const std::system_error& e) {  // no thread to be had: a process or pid limit reached
      return Status(StatusCode::out_of_memory, std::string("cannot start the realtime clock's thread: ") + e.what());
    }
  }
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

// ---- operations ----

namespace {
// Routes `sub` against version `version_index` (pinned by the caller) outside the shard lock,
// then creates the case under it. Inlined into submit_one() (as an out-of-line member it cost
// 34 instructions per submission, callgrind), and so into submit() and submit_batch().
[[gnu::always_inline]] inline Status route_and_submit(Engine::Impl& e, Shard& s, uint64_t hash, const Submission& sub, Instant at,
                        uint32_t version_index) {
  const Model& m = e.version(version_index);
  if (sub.matter >= m.matters().size()) return Status::not_found("unknown matter id " + std::to_string(sub.matter));
  if (sub.place != kNoNode && sub.place >= m.territory().size()) {
    return Status::not_found("unknown territory node id " + std::to_string(sub.place));
  }
  engine::Scratch& scratch = engine::scratch();
  Route& route = scratch.route;
  if (sub.place != kNoNode) {
    m.route_at(sub.matter, sub.place, route);
  } else {
    m.route(sub.matter, sub.point, route, scratch.location);
  }
  Engine::Impl::Prepared prepared;
  prepared.version = version_index;
  prepared.lane = static_cast<uint8_t>(e.my_lane().index);
  prepared.route = &route;
  if (route.routed()) {
    prepared.owner = e.directory.owner(route.place, route.primary);
    prepared.first = Engine::Impl::plan_stage(m, sub.matter, Stage::accept, at);
    prepared.second = Engine::Impl::plan_stage(m, sub.matter, Stage::resolve, at);
  } else {
    prepared.owner = e.directory.highest(route.place);
    prepared.first = Engine::Impl::plan_stage(m, sub.matter, Stage::dispatch, at);
  }
  std::lock_guard lock(s.lock);
  return e.all_or_nothing(s, [&] { return e.submit_locked(s, hash, sub, at, prepared); });
}

// A submission, its events not yet delivered to a callback: submit() delivers after each,
// submit_batch() once after the batch.
[[gnu::always_inline]] inline Status submit_one(Engine::Impl& e, const Submission& sub) {
  const Instant at = e.operation_instant(sub.received);
  WHISTLE_RETURN_IF_ERROR(e.check_instant(at));
  if (sub.external_ref.size() > 64) return Status::invalid("external reference longer than 64 bytes");
  if (sub.channel.size() > engine::ChannelTable::kMaxLength) {
    return Status::invalid("channel name longer than " + std::to_string(engine::ChannelTable::kMaxLength) + " bytes");
  }
  const uint64_t hash = engine::mix_id(sub.id);
  Shard& s = e.shard_of(hash);
  // The case's bucket, the record slot it will most likely take, and the shard's first line
  // (lock, counters) if another core wrote it last, arrive while the case is routed.
  s.cases.prefetch(hash);
  s.cases.prefetch_next_slot();
  detail::prefetch_for_write(&s);
  // Route outside the shard lock (the lock is then held for the case's own update only),
  // against a version this thread pins until the new case holds it.
  engine::VersionPin& pin = e.pins.local();
  const engine::PinRelease release(pin);  // also when routing or the update throws
  return route_and_submit(e, s, hash, sub, at, e.pin_current_version(pin));
}  // the pin is released here, before the events are delivered

// An action, its events not yet delivered to a callback (act() delivers after it,
// act_batch() once after the batch).
[[gnu::always_inline]] inline Status act_one(Engine::Impl& e, const Action& a) {
  const Instant at = e.operation_instant(a.at);
  WHISTLE_RETURN_IF_ERROR(e.check_instant(at));
  if (!e.directory.valid_unit(a.actor)) return Status::not_found("unknown unit id " + std::to_string(a.actor));
  const uint64_t hash = engine::mix_id(a.case_id);
  Shard& s = e.shard_of(hash);
  std::lock_guard lock(s.lock);
  const uint32_t slot = s.cases.find(a.case_id, hash);
  if (slot == kNone) return Status::not_found("unknown case " + std::to_string(a.case_id));
  return e.all_or_nothing(s, [&] { return e.act_locked(s, s.cases.at(slot), slot, a, at); });
}

// Runs one(item) for each item, its status into results (while there is room), then delivers
// the events to a callback once. Out of memory, the items before stay done and their events
// are delivered (or wait for the next delivery if that fails too) as the bad_alloc leaves.
template <class T, class One>
void run_batch(Engine::Impl& e, std::span<const T> items, std::span<Status> results, One&& one) {
  try {
    for (size_t i = 0; i < items.size(); ++i) {
      Status s = one(e, items[i]);
      if (i < results.size()) results[i] = std::move(s);
    }
  } catch (...) {
    try {
      e.log.deliver();
    } catch (...) {  // the first failure is the one to report
    }
    throw;
  }
  e.log.deliver();
}
}  // namespace

Status Engine::submit(const Submission& sub) {
  Status status = submit_one(*impl_, sub);
  impl_->log.deliver();
  return status;
}

void Engine::submit_batch(std::span<const Submission> batch, std::span<Status> results) {
  run_batch(*impl_, batch, results, [](Impl& e, const Submission& sub) { return submit_one(e, sub); });
}

Status Engine::act(const Action& a) {
  Status status = act_one(*impl_, a);
  impl_->log.deliver();
  return status;
}

void Engine::act_batch(std::span<const Action> batch, std::span<Status> results) {
  run_batch(*impl_, batch, results, [](Impl& e, const Action& a) { return act_one(e, a); });
}

Status Engine::advance(Instant now) {
  if (impl_->options.clock == EngineOptions::Clock::realtime) {
    return Status::invalid("advance: the engine runs on the realtime clock");
  }
  if (!in_instant_range(now)) return Status::invalid("advance to " + format_iso8601(now, 0) + ": outside years 0001-9999");
  return impl_->advance_to(now);
}

Instant Engine::now() const noexcept {
  if (impl_->options.clock == EngineOptions::Clock::realtime) return impl_->system_now();
  return impl_->advanced_to.load(std::memory_order_acquire);
}

size_t Engine::poll_events(EventBatch& out, size_t max) { return impl_->log.poll(out, max); }

void Engine::set_event_callback(std::function<void(const Event&)> callback) {
  impl_->log.set_callback(std::move(callback));
}

// ---- lookups ----

namespace {
// The ids this thread hinted last, oldest first out: a hint loads the id's bucket at once and
// the case record kRing hints later, when the bucket has arrived and names the record. Neither
// step takes a lock: a lock's atomic exchange would wait for every load in flight, the very
// misses the hints are there to overlap.
struct PrefetchRing {
  static constexpr uint32_t kRing = 4;
  struct Hint {  // an unused place names case 0 (mix_id(0) == 0): looking it up is harmless
    CaseId id = 0;
    uint64_t hash = 0;
  };
  Hint hints[kRing];
  uint32_t next = 0;  // hints[next] is the oldest
};
PrefetchRing& prefetch_ring() {
  thread_local PrefetchRing ring;
  return ring;
}
}  // namespace

void Engine::prefetch(CaseId id) const noexcept {
  const uint64_t hash = engine::mix_id(id);
  impl_->shard_of(hash).cases.prefetch(hash);
  PrefetchRing& ring = prefetch_ring();
  PrefetchRing::Hint& oldest = ring.hints[ring.next];
  ring.next = (ring.next + 1) % PrefetchRing::kRing;
  impl_->shard_of(oldest.hash).cases.prefetch_record(oldest.id, oldest.hash);
  oldest = {id, hash};
}

uint32_t Engine::partition_of(CaseId id, uint32_t partitions) const noexcept {
  if (partitions <= 1) return 0;
  const uint64_t hash = engine::mix_id(id);
  const uint32_t shard_count = 1u << impl_->shard_bits;
  const uint32_t shard = impl_->shard_index(hash);
  if (partitions <= shard_count) return static_cast<uint32_t>(uint64_t{shard} * partitions >> impl_->shard_bits);
  // More parts than shards: shard s holds parts [s·p/count, (s+1)·p/count), told apart by 20
  // bits of the hash's low half (the shard index is its top bits), so a part spans at most two
  // shards. position < count·2^20 ≤ 2^32, so position·partitions fits in 64 bits.
  const uint64_t position = (uint64_t{shard} << 20) | ((hash & 0xffff'ffffu) >> 12);
  return static_cast<uint32_t>((position * partitions) >> (20 + impl_->shard_bits));
}

Status Engine::get_case(CaseId id, CaseInfo& out) const {
  Impl& e = *impl_;
  const uint64_t hash = engine::mix_id(id);
  Shard& s = e.shard_of(hash);
  std::lock_guard lock(s.lock);
  const uint32_t slot = s.cases.find(id, hash);
  if (slot == kNone) return Status::not_found("unknown case " + std::to_string(id));
  const Case& c = s.cases.at(slot);
  out = CaseInfo{};
  out.id = c.id;
  out.state = c.state;
  out.matter = c.matter;
  out.place = c.place;
  out.route = c.route;
  out.primary = c.primary;
  const auto cooperating = e.cooperating(s, c);
  out.cooperating.assign(cooperating.begin(), cooperating.end());
  out.supervisor = c.supervisor;
  out.level = c.level;
  out.rules_version = c.version;
  out.received = c.received;
  out.channel = std::string(e.channels.name(c.channel));
  if (c.external_ref != kNone) out.external_ref = std::string(s.refs.get(c.external_ref, c.external_ref_length));
  for (const auto& clock : c.clocks) {
    if (clock.open && clock.has_deadline) out.deadlines.push_back({clock.stage, clock.deadline, kNoUnit});
  }
  std::sort(out.deadlines.begin(), out.deadlines.end(),
            [](const CaseInfo::Deadline& a, const CaseInfo::Deadline& b) { return a.stage < b.stage; });
  std::vector<uint32_t> records;
  for (uint32_t i = c.summons; i != kNone; i = s.summons[i].next) records.push_back(i);
  std::reverse(records.begin(), records.end());  // in the order they were summoned
  for (uint32_t i : records) {
    const engine::Summons& m = s.summons[i];
    out.summoned.push_back(m.unit);
    if (m.reported) out.reported.push_back(m.unit);
    if (c.is_open() && !m.reported && m.has_deadline && !m.overdue) {
      out.deadlines.push_back({Stage::report, m.deadline, m.unit});
    }
  }
  return {};
}

// ---- versions ----

namespace {
Status same_shape(const Model& a, const Model& b) {
  if (a.territory().size() != b.territory().size()) return Status::invalid("reload: the territory differs");
  for (NodeId n = 0; n < a.territory().size(); ++n) {
    if (a.territory().code(n) != b.territory().code(n) || a.territory().parent(n) != b.territory().parent(n)) {
      return Status::invalid("reload: territory node " + std::string(b.territory().code(n)) + " differs");
    }
  }
  if (a.units().size() != b.units().size()) return Status::invalid("reload: the units differ");
  for (UnitId u = 0; u < a.units().size(); ++u) {
    const Unit &x = a.units()[u], &y = b.units()[u];
    if (x.code != y.code || x.kind != y.kind || x.territory != y.territory) {
      return Status::invalid("reload: unit " + y.code + " differs");
    }
  }
  return {};
}
}  // namespace

Result<uint32_t> Engine::reload(std::shared_ptr<const Model> model) {
  Impl& e = *impl_;
  if (!model) return Status::invalid("reload: no model");
  WHISTLE_RETURN_IF_ERROR(same_shape(*e.base, *model));
  std::lock_guard lock(e.reload_mutex);
  const auto next = static_cast<uint32_t>(e.version_owners.size());
  if (next >= Impl::kMaxVersions) return Status(StatusCode::out_of_memory, "reload: too many model versions");
  e.versions[next].store(model.get(), std::memory_order_release);
  e.version_owners.push_back(std::move(model));
  e.current.store(next, std::memory_order_seq_cst);
  // Versions no one uses any more can go: not pinned by a submission routing against it, and
  // no open case in any shard (a submission adds its case under the shard lock before it
  // unpins, so a version seen unpinned and then without cases in every shard stays unused).
  for (uint32_t v = 1; v < next; ++v) {
    if (!e.version_owners[v]) continue;
    bool pinned = false;  // a submission routing against it right now (seq_cst: see VersionPin)
    e.pins.for_each([&](engine::VersionPin& pin) { pinned |= pin.version.load(std::memory_order_seq_cst) == v; });
    if (pinned) continue;
    size_t open = 0;
    for (auto& shard : e.shards) {
      std::lock_guard shard_lock(shard->lock);
      open += shard->open_in(v);
    }
    if (open == 0) {
      e.versions[v].store(nullptr, std::memory_order_release);
      e.version_owners[v].reset();
    }
  }
  return next;
}

uint32_t Engine::rules_version() const noexcept { return impl_->current.load(std::memory_order_acquire); }

std::shared_ptr<const Model> Engine::model() const {
  std::lock_guard lock(impl_->reload_mutex);
  return impl_->version_owners[impl_->current.load(std::memory_order_acquire)];
}

// ---- scores and stats ----

Score Engine::unit_score(UnitId unit, Period period) const {
  return make_score(impl_->log.with_scores([&](const Scoreboard& s) { return s.unit_counts(unit, period); }),
                    impl_->options.weights);
}

Score Engine::node_score(NodeId node, Period period) const {
  return make_score(impl_->log.with_scores([&](const Scoreboard& s) { return s.node_counts(node, period); }),
                    impl_->options.weights);
}

Score Engine::platform_score(Platform platform, Period period) const {
  return make_score(impl_->log.with_scores([&](const Scoreboard& s) { return s.platform_counts(platform, period); }),
                    impl_->options.weights);
}

int64_t Engine::scoring_day(Instant at) const noexcept {
  return impl_->log.with_scores([&](const Scoreboard& s) { return s.day_of(at); });
}

void Engine::forget_scores_before(int64_t day) {
  impl_->log.with_scores([&](Scoreboard& s) { s.forget_before(day); });
}

EngineStats Engine::stats() const {
  Impl& e = *impl_;
  EngineStats out;
  for (auto& shard : e.shards) {
    std::lock_guard lock(shard->lock);
    out.cases += shard->cases.size();
    out.open_cases += shard->open_cases;
    out.memory_bytes += shard->cases.memory_bytes() + shard->refs.memory_bytes() +
                        shard->summons.capacity() * sizeof(engine::Summons) + sizeof(Shard);
  }
  for (uint32_t i = 0; i < e.lane_count(); ++i) {
    engine::TimerLane& l = e.lane(i);
    std::lock_guard lock(l.lock);
    out.timers += l.wheel.size();
    out.memory_bytes += l.wheel.memory_bytes() + sizeof(engine::TimerLane);
  }
  out.events = e.log.issued();
  out.pending_events = e.log.pending();
  out.memory_bytes += e.log.memory_bytes();
  out.score_bytes = e.log.with_scores([](const Scoreboard& s) { return s.memory_bytes(); });
  out.rules_version = e.current.load(std::memory_order_acquire);
  if (e.realtime) out.realtime_out_of_memory = e.realtime->out_of_memory();
  return out;
}

}  // namespace whistle
