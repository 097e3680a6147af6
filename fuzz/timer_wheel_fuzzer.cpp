// Timer wheel operation sequences decoded from the input, run against a sorted-set reference:
// every fired timer must be armed, due, and have the earliest deadline of all armed timers;
// cancels must agree; a poll that fires fewer than its budget must leave nothing due.
#include <cstdint>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

#include "whistle/timer_wheel.hpp"

namespace {

struct Reader {
  const uint8_t* data;
  size_t size;
  uint64_t take(size_t bytes) {
    uint64_t v = 0;
    for (size_t i = 0; i < bytes && size > 0; ++i, ++data, --size) v = v << 8 | *data;
    return v;
  }
};

// Deltas of very different scales: the same second, minutes, days, years, beyond the wheel.
int64_t delta(Reader& r) {
  const uint64_t scale = r.take(1) % 6;
  const auto v = static_cast<int64_t>(r.take(3));
  switch (scale) {
    case 0: return v % 1000;
    case 1: return v * 37;
    case 2: return v * 60'000;
    case 3: return v * 86'400'000 / 100;
    case 4: return v * 3'600'000 * 24 * 3;
    default: return -(v % 5'000'000);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using whistle::Instant;
  using whistle::TimerWheel;
  Reader r{data, size};
  const Instant start = 1'700'000'000'000 + static_cast<Instant>(r.take(2)) * 1000;
  TimerWheel wheel(start);
  std::set<std::pair<Instant, uint64_t>> live;
  std::vector<std::pair<TimerWheel::Handle, std::pair<Instant, uint64_t>>> handles;
  Instant now = start;
  uint64_t next_payload = 1;
  while (r.size > 0) {
    switch (r.take(1) % 5) {
      case 0:
      case 1: {
        const Instant d = now + delta(r);
        const uint64_t p = next_payload++;
        handles.push_back({wheel.arm(d, p), {d, p}});
        live.insert({d, p});
        break;
      }
      case 2: {
        if (handles.empty()) break;
        const size_t i = r.take(2) % handles.size();
        const bool was_live = live.erase(handles[i].second) != 0;
        if (wheel.cancel(handles[i].first) != was_live || wheel.armed(handles[i].first)) __builtin_trap();
        break;
      }
      case 3: {
        if (r.take(1) % 8 == 0) wheel.compact();
        break;
      }
      default: {
        now += std::max<int64_t>(0, delta(r));
        const size_t budget = r.take(1) % 4 == 0 ? 1 + r.take(1) % 3 : SIZE_MAX;
        size_t fired = 0;
        wheel.poll(now, budget, [&](Instant d, uint64_t p) {
          if (live.empty() || live.begin()->first != d || d > now || live.erase({d, p}) != 1) __builtin_trap();
          ++fired;
        });
        const bool due = !live.empty() && live.begin()->first <= now;
        if (fired < budget && due) __builtin_trap();
        if (wheel.more_due() != (fired == budget && due)) __builtin_trap();
        break;
      }
    }
    if (wheel.size() != live.size()) __builtin_trap();
    if (!live.empty() && wheel.next_deadline_bound() > std::max(live.begin()->first, wheel.now())) __builtin_trap();
  }
  return 0;
}
