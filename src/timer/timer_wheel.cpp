#include "whistle/timer_wheel.hpp"

#include <algorithm>
#include <bit>

namespace whistle {

// A fixed-size run of entries; a slot is a singly linked chain of them, the head partly filled.
struct TimerWheel::Chunk {
  static constexpr uint32_t kEntries = 40;  // 968 bytes: little slack in sparsely used slots
  uint32_t next;
  uint32_t count;
  Entry entries[kEntries];
};

// Chunks live in blocks that never move; chunk numbers start at 1 (0 ends a chain).
class TimerWheel::ChunkPool {
 public:
  Chunk& at(uint32_t number) const noexcept {
    const uint32_t i = number - 1;
    return blocks_[i / kBlockChunks][i % kBlockChunks];
  }
  uint32_t get() {
    if (free_.empty()) grow();
    const uint32_t n = free_.back();
    free_.pop_back();
    return n;
  }
  void put(uint32_t number) { free_.push_back(number); }
  void reserve_chunks(size_t chunks) {
    while (free_.size() < chunks) grow();
  }
  size_t memory_bytes() const noexcept {
    return blocks_.size() * kBlockChunks * sizeof(Chunk) + free_.capacity() * sizeof(uint32_t);
  }
 private:
  static constexpr uint32_t kBlockChunks = 256;
  void grow() {
    blocks_.push_back(std::make_unique<Chunk[]>(kBlockChunks));
    const auto base = static_cast<uint32_t>((blocks_.size() - 1) * kBlockChunks);
    for (uint32_t i = kBlockChunks; i > 0; --i) free_.push_back(base + i);
  }
  std::vector<std::unique_ptr<Chunk[]>> blocks_;
  std::vector<uint32_t> free_;
};

namespace {
constexpr int64_t kSlotMask = TimerWheel::kSlots - 1;
constexpr uint32_t kBits = TimerWheel::kSlotBits;
// Dead entries tolerated before a sweep: sweeping is O(entries), so amortized O(1) per cancel.
constexpr size_t kSweepSlack = 1 << 16;
}  // namespace

TimerWheel::TimerWheel(Instant start)
    : pool_(std::make_unique<ChunkPool>()), current_tick_(tick_of(start)), now_(start) {}
TimerWheel::~TimerWheel() = default;
TimerWheel::TimerWheel(TimerWheel&&) noexcept = default;
TimerWheel& TimerWheel::operator=(TimerWheel&&) noexcept = default;

TimerWheel::Handle TimerWheel::arm(Instant deadline, uint64_t payload) {
  uint32_t timer;
  if (!free_.empty()) {
    timer = free_.back();
    free_.pop_back();
  } else {
    timer = static_cast<uint32_t>(generation_.size());
    generation_.push_back(0);
  }
  const uint32_t generation = ++generation_[timer];  // odd: armed
  const Entry e{deadline, payload, timer, generation};
  ++live_;
  if (deadline <= now_ && tick_of(deadline) <= current_tick_) {
    late_.push_back(e);  // already due while its second is being (or was) drained
    std::push_heap(late_.begin(), late_.end(), [](const Entry& a, const Entry& b) { return b < a; });
  } else {
    place(e);
  }
  return (Handle{generation} << 32) | timer;
}

bool TimerWheel::armed(Handle handle) const noexcept {
  const auto timer = static_cast<uint32_t>(handle);
  const auto generation = static_cast<uint32_t>(handle >> 32);
  return (generation & 1u) != 0 && timer < generation_.size() && generation_[timer] == generation;
}

bool TimerWheel::cancel(Handle handle) noexcept {
  if (!armed(handle)) return false;
  retire(static_cast<uint32_t>(handle));
  ++dead_;
  if (dead_ > 2 * live_ + kSweepSlack) sweep(nullptr);
  return true;
}

void TimerWheel::retire(uint32_t timer) noexcept {
  ++generation_[timer];  // even: free; every entry and handle of the old generation is dead
  free_.push_back(timer);
  --live_;
}

void TimerWheel::set_bit(uint32_t level, uint32_t slot) noexcept {
  occupied_[level][slot / 64] |= uint64_t{1} << (slot % 64);
  occupied_words_[level] |= uint64_t{1} << (slot / 64);
}

void TimerWheel::clear_bit(uint32_t level, uint32_t slot) noexcept {
  uint64_t& word = occupied_[level][slot / 64];
  word &= ~(uint64_t{1} << (slot % 64));
  if (word == 0) occupied_words_[level] &= ~(uint64_t{1} << (slot / 64));
}

int TimerWheel::next_set_bit(uint32_t level, uint32_t from) const noexcept {
  if (from >= kSlots) return -1;
  const uint32_t w = from / 64;
  const uint64_t here = occupied_[level][w] & (~uint64_t{0} << (from % 64));
  if (here) return static_cast<int>(w * 64 + static_cast<uint32_t>(std::countr_zero(here)));
  const uint64_t words = w + 1 < 64 ? occupied_words_[level] & (~uint64_t{0} << (w + 1)) : 0;
  if (!words) return -1;
  const auto w2 = static_cast<uint32_t>(std::countr_zero(words));
  return static_cast<int>(w2 * 64 + static_cast<uint32_t>(std::countr_zero(occupied_[level][w2])));
}

void TimerWheel::append(uint32_t list_index, const Entry& e) {
  SlotList& list = lists_[list_index];
  if (list.head == 0 || pool_->at(list.head).count == Chunk::kEntries) {
    const uint32_t c = pool_->get();
    Chunk& chunk = pool_->at(c);
    chunk.next = list.head;
    chunk.count = 0;
    list.head = c;
  }
  Chunk& chunk = pool_->at(list.head);
  chunk.entries[chunk.count++] = e;
  if (list.count++ == 0 && list_index != kOverflowList) set_bit(list_index >> kBits, list_index & kSlotMask);
}

// The list a deadline belongs to, seen from the current tick.
void TimerWheel::place(const Entry& e) {
  const int64_t t = std::max(tick_of(e.deadline), current_tick_), c = current_tick_;
  uint32_t list;
  if ((t >> kBits) == (c >> kBits)) {
    list = static_cast<uint32_t>(t & kSlotMask);
  } else if ((t >> (2 * kBits)) == (c >> (2 * kBits))) {
    list = kSlots + static_cast<uint32_t>((t >> kBits) & kSlotMask);
  } else if ((t >> (3 * kBits)) == (c >> (3 * kBits))) {
    list = 2 * kSlots + static_cast<uint32_t>((t >> (2 * kBits)) & kSlotMask);
  } else {
    list = kOverflowList;
    overflow_min_tick_ = std::min(overflow_min_tick_, t);
  }
  append(list, e);
}

void TimerWheel::cascade(uint32_t list_index) {
  SlotList& list = lists_[list_index];
  if (list.count == 0) return;
  uint32_t c = list.head;
  list = {};
  if (list_index == kOverflowList) {
    overflow_min_tick_ = INT64_MAX;
  } else {
    clear_bit(list_index >> kBits, list_index & kSlotMask);
  }
  while (c != 0) {
    Chunk& chunk = pool_->at(c);
    for (uint32_t i = 0; i < chunk.count; ++i) __builtin_prefetch(&generation_[chunk.entries[i].timer]);
    for (uint32_t i = 0; i < chunk.count; ++i) {
      const Entry& e = chunk.entries[i];
      if (!live(e)) {
        --dead_;
        continue;
      }
      place(e);
    }
    const uint32_t next = chunk.next;
    pool_->put(c);
    c = next;
  }
}

// Moves the current second's due entries into ready_, merged into its sorted order; later
// ones stay. True when it moved any.
bool TimerWheel::collect_current() {
  const auto list_index = static_cast<uint32_t>(current_tick_ & kSlotMask);
  SlotList& list = lists_[list_index];
  if (list.count == 0) return false;
  const size_t before = ready_.size();
  uint32_t c = list.head;
  list = {};
  clear_bit(0, list_index);
  while (c != 0) {
    Chunk& chunk = pool_->at(c);
    for (uint32_t i = 0; i < chunk.count; ++i) __builtin_prefetch(&generation_[chunk.entries[i].timer]);
    for (uint32_t i = 0; i < chunk.count; ++i) {
      const Entry& e = chunk.entries[i];
      if (!live(e)) {
        --dead_;
      } else if (e.deadline <= now_) {
        ready_.push_back(e);
      } else {
        append(list_index, e);
      }
    }
    const uint32_t next = chunk.next;
    pool_->put(c);
    c = next;
  }
  if (ready_.size() == before) return false;
  const auto pending = ready_.begin() + static_cast<std::ptrdiff_t>(ready_pos_);
  const auto added = ready_.begin() + static_cast<std::ptrdiff_t>(before);
  std::sort(added, ready_.end());
  std::inplace_merge(pending, added, ready_.end());
  return true;
}

// The first tick after the current one where a level-0 slot holds entries or a higher-level
// slot (or the overflow) must be cascaded down; INT64_MAX when the wheel holds nothing later.
int64_t TimerWheel::next_event_tick() const noexcept {
  const int64_t c = current_tick_;
  int s = next_set_bit(0, static_cast<uint32_t>(c & kSlotMask) + 1);
  if (s >= 0) return (c & ~kSlotMask) + s;
  s = next_set_bit(1, static_cast<uint32_t>((c >> kBits) & kSlotMask) + 1);
  if (s >= 0) return ((c >> (2 * kBits)) << (2 * kBits)) + (int64_t{s} << kBits);
  s = next_set_bit(2, static_cast<uint32_t>((c >> (2 * kBits)) & kSlotMask) + 1);
  if (s >= 0) return ((c >> (3 * kBits)) << (3 * kBits)) + (int64_t{s} << (2 * kBits));
  if (lists_[kOverflowList].count != 0) return (overflow_min_tick_ >> (3 * kBits)) << (3 * kBits);
  return INT64_MAX;
}

// Moves the current tick towards now's: to the next tick where something is stored or must
// be cascaded, or straight to now's tick when nothing lies between. False when already there.
bool TimerWheel::step() {
  const int64_t target = tick_of(now_);
  if (current_tick_ >= target) return false;
  const int64_t next = next_event_tick();
  if (next > target) {
    current_tick_ = target;  // nothing stored in between, nothing to cascade on the way
    return true;
  }
  current_tick_ = next;
  if ((next & kSlotMask) == 0) {
    if (((next >> kBits) & kSlotMask) == 0) {
      if (((next >> (2 * kBits)) & kSlotMask) == 0 && lists_[kOverflowList].count != 0 &&
          (overflow_min_tick_ >> (3 * kBits)) == (next >> (3 * kBits))) {
        cascade(kOverflowList);
      }
      cascade(2 * kSlots + static_cast<uint32_t>((next >> (2 * kBits)) & kSlotMask));
    }
    cascade(kSlots + static_cast<uint32_t>((next >> kBits) & kSlotMask));
  }
  return true;
}

// The earliest live entry waiting in ready_ or late_, dropping dead ones on the way.
bool TimerWheel::next_ready(Entry& out) {
  const auto later = [](const Entry& a, const Entry& b) { return b < a; };
  for (;;) {
    const bool has_ready = ready_pos_ < ready_.size(), has_late = !late_.empty();
    if (!has_ready && !has_late) return false;
    const bool from_ready = has_ready && (!has_late || !(late_.front() < ready_[ready_pos_]));
    const Entry& e = from_ready ? ready_[ready_pos_] : late_.front();
    if (live(e)) {
      out = e;
      return true;
    }
    --dead_;
    if (from_ready) {
      ++ready_pos_;
    } else {
      std::pop_heap(late_.begin(), late_.end(), later);
      late_.pop_back();
    }
  }
}

size_t TimerWheel::poll_impl(Instant now, size_t budget, FireFn fire, void* context) {
  if (now > now_) {
    now_ = now;
    // Entries of the current second that just became due must take their place among those
    // already waiting in ready_ and late_.
    collect_current();
  }
  size_t fired = 0;
  const auto later = [](const Entry& a, const Entry& b) { return b < a; };
  for (;;) {
    Entry e;
    if (next_ready(e)) {
      if (fired == budget) {
        more_due_ = true;
        return fired;
      }
      if (ready_pos_ < ready_.size() && ready_[ready_pos_].timer == e.timer &&
          ready_[ready_pos_].generation == e.generation) {
        ++ready_pos_;
      } else {
        std::pop_heap(late_.begin(), late_.end(), later);
        late_.pop_back();
      }
      retire(e.timer);
      ++fired;
      fire(context, e.deadline, e.payload);
      continue;
    }
    ready_.clear();
    ready_pos_ = 0;
    if (collect_current()) continue;
    if (!step()) break;
  }
  more_due_ = false;
  return fired;
}

Instant TimerWheel::next_deadline_bound() const noexcept {
  if (live_ == 0) return kNever;
  Instant bound = kNever;
  if (ready_pos_ < ready_.size()) bound = ready_[ready_pos_].deadline;
  if (!late_.empty()) bound = std::min(bound, late_.front().deadline);
  if (bound != kNever) return bound;
  const SlotList& current = lists_[current_tick_ & kSlotMask];
  if (current.count != 0) {  // later in this second: the earliest entry stored there
    for (uint32_t c = current.head; c != 0; c = pool_->at(c).next) {
      const Chunk& chunk = pool_->at(c);
      for (uint32_t i = 0; i < chunk.count; ++i) bound = std::min(bound, chunk.entries[i].deadline);
    }
    return bound;
  }
  const int64_t tick = next_event_tick();
  return tick == INT64_MAX ? kNever : tick * kTickMs;
}

// Drops every dead entry: rebuilds each list from its live entries, into `target` when given
// (a fresh pool holds exactly what is live), else into the same pool.
void TimerWheel::sweep(std::unique_ptr<ChunkPool> target) {
  std::unique_ptr<ChunkPool> source;
  if (target) {
    source = std::move(pool_);
    pool_ = std::move(target);
  }
  ChunkPool& from = source ? *source : *pool_;
  for (uint32_t i = 0; i <= kOverflowList; ++i) {
    if (lists_[i].count == 0) continue;
    uint32_t c = lists_[i].head;
    lists_[i] = {};
    if (i != kOverflowList) clear_bit(i >> kBits, i & kSlotMask);
    while (c != 0) {
      Chunk& chunk = from.at(c);
      for (uint32_t k = 0; k < chunk.count; ++k) __builtin_prefetch(&generation_[chunk.entries[k].timer]);
      for (uint32_t k = 0; k < chunk.count; ++k) {
        if (live(chunk.entries[k])) append(i, chunk.entries[k]);
      }
      const uint32_t next = chunk.next;
      from.put(c);
      c = next;
    }
  }
  ready_.erase(std::remove_if(ready_.begin() + static_cast<std::ptrdiff_t>(ready_pos_), ready_.end(),
                              [&](const Entry& e) { return !live(e); }),
               ready_.end());
  late_.erase(std::remove_if(late_.begin(), late_.end(), [&](const Entry& e) { return !live(e); }), late_.end());
  std::make_heap(late_.begin(), late_.end(), [](const Entry& a, const Entry& b) { return b < a; });
  dead_ = 0;
}

void TimerWheel::reserve(size_t timers) {
  generation_.reserve(timers);
  free_.reserve(timers);
  pool_->reserve_chunks(timers / Chunk::kEntries + kLevels * kSlots);
}

size_t TimerWheel::memory_bytes() const noexcept {
  return sizeof(*this) + generation_.capacity() * sizeof(uint32_t) + free_.capacity() * sizeof(uint32_t) +
         pool_->memory_bytes() + (ready_.capacity() + late_.capacity()) * sizeof(Entry);
}

void TimerWheel::shrink_to_fit() {
  sweep(std::make_unique<ChunkPool>());
  ready_.shrink_to_fit();
  late_.shrink_to_fit();
}

}  // namespace whistle
