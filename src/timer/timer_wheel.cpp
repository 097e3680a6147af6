#include "whistle/timer_wheel.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>

#include "common/reserve.hpp"

namespace whistle {

namespace {
// Chains are read start to end but their chunks lie anywhere: ask for the next one early.
// Locality 0 (non-temporal) for a chain read once that should not push other data out.
template <int Locality = 3, class Chunk>
void prefetch_chunk(const Chunk* chunk) noexcept {
  if (chunk == nullptr) return;
  const char* p = reinterpret_cast<const char*>(chunk);
  for (size_t offset = 0; offset < sizeof(Chunk); offset += 64) __builtin_prefetch(p + offset, 0, Locality);
}
}  // namespace

// Chunks live in blocks that never move, handed out and taken back through a free list. Once
// the pool is large, blocks are 2 MiB and asked to be huge pages: the heads of hundreds of
// busy slots then share a few TLB entries instead of hundreds (on a VM a TLB miss is a nested
// page walk; this halved the cost of arming into many slots).
class TimerWheel::ChunkPool {
 public:
  Chunk* get() {
    if (free_.empty()) grow();
    Chunk* c = free_.back();
    free_.pop_back();
    // The chunk handed out next is filled from its start, likely cold: ask for its head now.
    if (!free_.empty()) detail::prefetch_for_write(free_.back());
    return c;
  }
  void put(Chunk* c) { free_.push_back(c); }
  // At least one chunk free, so that the next get() cannot fail.
  void reserve_one() {
    if (free_.empty()) grow();
  }
  void reserve_chunks(size_t chunks) {
    while (free_.size() < chunks) grow();
  }
  bool has_free(size_t chunks) const noexcept { return free_.size() >= chunks; }
  size_t memory_bytes() const noexcept { return bytes_ + free_.capacity() * sizeof(Chunk*); }

 private:
  static constexpr size_t kSmallBlockChunks = 256;
  static constexpr size_t kHugeBytes = size_t{2} << 20;
  static constexpr size_t kHugeAfterBytes = size_t{8} << 20;
  // Blocks come from the global operator new (aligned), so a host's allocator, or a test's
  // that fails on demand, sees them like any other allocation.
  struct Free {
    std::align_val_t alignment;
    void operator()(Chunk* p) const noexcept { ::operator delete(p, alignment); }
  };
  void grow() {
    const bool huge = bytes_ >= kHugeAfterBytes;
    const size_t count = huge ? kHugeBytes / sizeof(Chunk) : kSmallBlockChunks;
    const size_t bytes = huge ? kHugeBytes : count * sizeof(Chunk);
    // The free list has room for every chunk there is, so put() never allocates (a sweep
    // inside cancel(), which is noexcept, gives chunks back).
    free_.reserve(chunks_ + count);
    blocks_.reserve(blocks_.size() + 1);
    const std::align_val_t alignment{huge ? kHugeBytes : size_t{64}};
    void* memory = ::operator new(bytes, alignment);
#ifdef MADV_HUGEPAGE
    if (huge) madvise(memory, kHugeBytes, MADV_HUGEPAGE);
#endif
    std::memset(memory, 0, bytes);  // fault the pages in now, not on a later arm
    blocks_.emplace_back(static_cast<Chunk*>(memory), Free{alignment});
    bytes_ += bytes;
    chunks_ += count;
    Chunk* block = blocks_.back().get();
    for (size_t i = count; i > 0; --i) free_.push_back(block + i - 1);
  }
  std::vector<std::unique_ptr<Chunk, Free>> blocks_;
  std::vector<Chunk*> free_;
  size_t bytes_ = 0;
  size_t chunks_ = 0;  // in all blocks
};

namespace {
constexpr int64_t kSlotMask = TimerWheel::kSlots - 1;
constexpr uint32_t kBits = TimerWheel::kSlotBits;
// A block's level-1 slot comes down as a run once it holds this many entries: building a run
// costs a pass over 4,096 seconds, worth it for a crowded block only.
constexpr uint32_t kRunMinEntries = 256;
}  // namespace

TimerWheel::TimerWheel(Instant start)
    : current_tick_(tick_of(start)), now_(start), pool_(std::make_unique<ChunkPool>()) {}
TimerWheel::~TimerWheel() = default;
TimerWheel::TimerWheel(TimerWheel&&) noexcept = default;
TimerWheel& TimerWheel::operator=(TimerWheel&&) noexcept = default;

// Every arm the inline path in the header does not take: a due or overflowing deadline, a
// slot empty or with its newest chunk full, no free timer number.
// Flattened, with place() and append() inlined, the entry goes to its chunk from registers.
// As calls, arm() stored it on the stack in 8-byte halves and place() read it back with one
// 16-byte load, which store forwarding cannot serve; flattened, an arm took 17 % less time
// (paired runs at 10M live timers, 6 of 6 rounds).
[[gnu::flatten]] TimerWheel::Handle TimerWheel::arm_slow(Instant deadline, uint64_t payload) {
  // What may allocate comes first, before anything changes: a bad_alloc then leaves the wheel
  // as it was, not with an armed timer that has no entry.
  const bool late = deadline <= now_ && tick_of(deadline) <= current_tick_;
  if (late && late_.size() == late_.capacity()) late_.reserve(std::max<size_t>(64, 2 * late_.capacity()));
  pool_->reserve_one();  // the chunk append() takes if the slot's newest one is full
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
  if (late) {
    late_.push_back(e);  // already due while its second is being (or was) drained
    std::push_heap(late_.begin(), late_.end(), [](const Entry& a, const Entry& b) { return b < a; });
  } else {
    place(e);
  }
  return (Handle{generation} << 32) | timer;
}

void TimerWheel::set_bits(uint32_t level, uint32_t word, uint64_t bits) noexcept {
  occupied_[level][word] |= bits;
  if (bits != 0) occupied_words_[level] |= uint64_t{1} << word;
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
  if (list.fill == Chunk::kEntries || list.head == nullptr) {
    Chunk* c = pool_->get();
    c->next = list.head;
    list.head = c;
    list.fill = 0;
  }
  if (list.count == 0 && list_index != kOverflowList) set_bit(list_index >> kBits, list_index & kSlotMask);
  store(list, e);
}

// Empties a list, returning its chain (head, fill) for drain_chain.
std::pair<TimerWheel::Chunk*, uint32_t> TimerWheel::detach(uint32_t list_index) noexcept {
  SlotList& list = lists_[list_index];
  const std::pair<Chunk*, uint32_t> chain{list.head, list.fill};
  list = {};
  if (list_index == kOverflowList) {
    overflow_min_tick_ = INT64_MAX;
  } else {
    clear_bit(list_index >> kBits, list_index & kSlotMask);
  }
  return chain;
}

// Calls f(entry) on every entry of list `list_index`'s detached chain and gives each chunk back
// to `pool` once read, so f may append to any list, the one the chain came from included. With
// `prefetch`, the generations f will check are requested a chunk at a time. Should f throw
// (bad_alloc from a chunk it needed), the entries not yet done go back to the list, so none is
// lost: f must leave the entry it throws on undone, and `pool` must then be the wheel's own
// (sweep drains its old pool with an f that cannot throw: its chunks were reserved first).
template <class F>
void TimerWheel::drain_chain(ChunkPool& pool, uint32_t list_index, Chunk* head, uint32_t fill, bool prefetch, F&& f) {
  uint32_t n = fill, i = 0;
  Chunk* c = head;
  try {
    for (; c != nullptr; n = Chunk::kEntries) {
      prefetch_chunk(c->next);
      if (prefetch) {
        for (uint32_t k = 0; k < n; ++k) __builtin_prefetch(&generation_[c->entries[k].timer]);
      }
      for (i = 0; i < n; ++i) f(c->entries[i]);
      Chunk* next = c->next;
      pool.put(c);
      c = next;
    }
  } catch (...) {
    uint32_t remaining = n - i;  // f threw on c->entries[i]: c is not null
    for (const Chunk* later = c->next; later != nullptr; later = later->next) remaining += Chunk::kEntries;
    reattach(list_index, c, i, n, remaining);
    throw;
  }
}

// Puts the unread rest of a chain back into a list, with no allocation: entries [begin, end) of
// chunk c and the full chunks after it, `remaining` entries in all. The list may have gained
// entries meanwhile (a cascade of the overflow puts some back): c's entries then fill the
// room in the list's newest chunk, what is left of c becomes the newest, and the full chunks
// go at the end.
void TimerWheel::reattach(uint32_t list_index, Chunk* c, uint32_t begin, uint32_t end, uint32_t remaining) noexcept {
  if (begin != 0) std::copy(c->entries + begin, c->entries + end, c->entries);  // to the front
  uint32_t m = end - begin;
  SlotList& list = lists_[list_index];
  if (list.count == 0) {
    list.head = c;
    list.fill = m;
  } else {
    Chunk* const newest = list.head;
    const uint32_t moved = std::min(Chunk::kEntries - list.fill, m);
    std::copy(c->entries + m - moved, c->entries + m, newest->entries + list.fill);
    list.fill += moved;
    m -= moved;
    Chunk* oldest = newest;
    while (oldest->next != nullptr) oldest = oldest->next;
    oldest->next = c->next;
    if (m == 0) {
      pool_->put(c);
    } else {  // the newest chunk is full now
      c->next = newest;
      list.head = c;
      list.fill = m;
    }
  }
  list.count += remaining;
  if (list_index != kOverflowList) set_bit(list_index >> kBits, list_index & kSlotMask);
}

// The list a deadline belongs to, seen from the current tick.
void TimerWheel::place(const Entry& e) {
  const int64_t t = std::max(tick_of(e.deadline), current_tick_);
  const uint32_t list = list_for(t);
  if (list == kOverflowList) overflow_min_tick_ = std::min(overflow_min_tick_, t);
  append(list, e);
}

// Moves a list's entries to where they belong now. Dead entries move too: checking them would
// cost a random read each, copying costs little; collection drops them.
// Out of memory, the entries not yet moved stay in the list (see drain_chain).
void TimerWheel::cascade(uint32_t list_index) {
  if (lists_[list_index].count == 0) return;
  const int64_t overflow_min = overflow_min_tick_;
  const auto [head, fill] = detach(list_index);
  try {
    drain_chain(*pool_, list_index, head, fill, /*prefetch=*/false, [&](const Entry& e) { place(e); });
  } catch (...) {
    // Still a bound for what went back to the overflow.
    if (list_index == kOverflowList) overflow_min_tick_ = std::min(overflow_min_tick_, overflow_min);
    throw;
  }
}

// Entering a crowded block: its level-1 slot becomes the run, one contiguous array grouped by
// second (a counting sort), so collecting a second reads one short warm range instead of a
// cold chunk per second. The loops follow the entries and the seconds they occupy, not the
// block's 4,096 seconds: counts go to run_cursor_ (all zero between builds), the occupied
// seconds to a 64-word bitmap, and the run starts are filled (std::fill) span by span between
// occupied seconds.
void TimerWheel::build_run(uint32_t list_index) {
  run_.resize(lists_[list_index].count);  // first: nothing below throws
  std::array<uint32_t, kSlots>& cursor = run_cursor_;
  Bitmap seconds{};
  uint32_t n = lists_[list_index].fill;
  for (const Chunk* c = lists_[list_index].head; c != nullptr; c = c->next, n = Chunk::kEntries) {
    prefetch_chunk(c->next);
    for (uint32_t i = 0; i < n; ++i) {
      const auto second = static_cast<uint32_t>(tick_of(c->entries[i].deadline) & kSlotMask);
      ++cursor[second];
      seconds[second / 64] |= uint64_t{1} << (second % 64);
    }
  }
  uint32_t total = 0, filled = 0;  // run_start_[0, filled) is written
  for (uint32_t w = 0; w < seconds.size(); ++w) {
    set_bits(0, w, seconds[w]);
    for (uint64_t bits = seconds[w]; bits != 0; bits &= bits - 1) {
      const uint32_t second = w * 64 + static_cast<uint32_t>(std::countr_zero(bits));
      std::fill(run_start_.begin() + filled, run_start_.begin() + second + 1, total);
      filled = second + 1;
      const uint32_t count = cursor[second];
      cursor[second] = total;
      total += count;
    }
  }
  std::fill(run_start_.begin() + filled, run_start_.end(), total);
  run_next_ = 0;
  const auto [head, fill] = detach(list_index);
  drain_chain(*pool_, list_index, head, fill, /*prefetch=*/false,
              [&](const Entry& e) { run_[cursor[static_cast<size_t>(tick_of(e.deadline) & kSlotMask)]++] = e; });
  for (uint32_t w = 0; w < seconds.size(); ++w) {
    for (uint64_t bits = seconds[w]; bits != 0; bits &= bits - 1) cursor[w * 64 + std::countr_zero(bits)] = 0;
  }
}

void TimerWheel::clear_run() noexcept {
  if (!run_.empty()) {
    run_.clear();
    run_start_.fill(0);
  }
  run_next_ = 0;
}

// Room for collect_current() to take `entries` more into ready_, and `chunks` free in the pool.
// Out of line: collect_current() checks inline whether anything has to grow.
void TimerWheel::make_room_to_collect(size_t entries, size_t chunks) {
  reserve_more(ready_, entries);
  pool_->reserve_chunks(chunks);
}

// Moves the current second's due entries (from its level-0 list and its run range) into
// ready_, merged into its sorted order; entries due later in the second wait in the list.
// True when it moved any. Out of memory, it throws before it changes anything.
bool TimerWheel::collect_current() {
  const auto slot = static_cast<uint32_t>(current_tick_ & kSlotMask);
  const bool has_run = run_next_ <= slot && run_start_[slot] != run_start_[slot + 1];
  if (lists_[slot].count == 0 && !has_run) return false;
  // Room first, so that nothing below can fail: in ready_ for every entry of the second, and,
  // when now_ lies inside the second, chunks for those it puts back into the slot (due later).
  // The slot's own chunks return to the pool one by one as they are read, so the run's entries
  // and one chunk are what may need new ones. (Ordering needs scratch_, but can do without:
  // see order_batch.)
  const uint32_t from_run = has_run ? run_start_[slot + 1] - run_start_[slot] : 0;
  const size_t entries = lists_[slot].count + size_t{from_run};
  const bool may_put_back = now_ < (current_tick_ + 1) * kTickMs;
  const auto chunks = [&] { return may_put_back ? 2 + from_run / Chunk::kEntries : 0; };
  if (ready_.capacity() - ready_.size() < entries || (may_put_back && !pool_->has_free(chunks()))) [[unlikely]] {
    make_room_to_collect(entries, chunks());
  }
  const size_t before = ready_.size();
  auto take = [&](const Entry& e) {
    if (!live(e)) {
      --dead_;
    } else if (e.deadline <= now_) {
      ready_.push_back(e);
    } else {
      append(slot, e);
    }
  };
  if (lists_[slot].count != 0) {
    const auto [head, fill] = detach(slot);
    drain_chain(*pool_, slot, head, fill, /*prefetch=*/true, take);
  }
  if (run_next_ <= slot) {
    // The generation checks read a 4-byte word per entry at random: request them a fixed
    // distance ahead along the run (into the next seconds' ranges too), so they overlap.
    constexpr uint32_t kAhead = 32;
    const uint32_t end = static_cast<uint32_t>(run_.size());
    run_next_ = slot + 1;
    for (uint32_t i = run_start_[slot]; i < run_start_[slot + 1]; ++i) {
      if (i + kAhead < end) __builtin_prefetch(&generation_[run_[i + kAhead].timer]);
      take(run_[i]);
    }
  }
  if (lists_[slot].count == 0) clear_bit(0, slot);
  if (ready_.size() == before) return false;
  order_batch(before);
  return true;
}

// Puts ready_[before, end) (one second's entries) in deadline order, keeping the order they
// came in among equal deadlines, then merges them after the entries still pending from an
// earlier collect. Linear: a counting sort by millisecond, so a million timers due at 00:00
// cost no comparison sort. No allocation once scratch_ has grown; should it fail to grow, the
// same order comes from sorting and merging in place (slower, but a poll cannot fail here).
void TimerWheel::order_batch(size_t before) {
  const auto by_deadline = [](const Entry& a, const Entry& b) { return a.deadline < b.deadline; };
  const auto scratch_for = [this](size_t n) noexcept {
    try {
      scratch_.resize(n);
      return true;
    } catch (const std::bad_alloc&) {
      return false;
    }
  };
  Entry* first = ready_.data() + before;
  Entry* last = ready_.data() + ready_.size();
  const size_t n = static_cast<size_t>(last - first);
  if (!std::is_sorted(first, last, by_deadline)) {
    if (n <= 32) {
      for (Entry* i = first + 1; i < last; ++i) {  // insertion sort: stable
        const Entry e = *i;
        Entry* j = i;
        for (; j > first && e.deadline < (j - 1)->deadline; --j) *j = *(j - 1);
        *j = e;
      }
    } else if (scratch_for(n)) {
      // Every entry of the current slot lies in the current second (see place()).
      const Instant base = current_tick_ * kTickMs;
      std::array<uint32_t, kTickMs + 1> start{};
      for (const Entry* e = first; e != last; ++e) ++start[static_cast<size_t>(e->deadline - base) + 1];
      for (size_t ms = 1; ms <= kTickMs; ++ms) start[ms] += start[ms - 1];
      for (const Entry* e = first; e != last; ++e) scratch_[start[static_cast<size_t>(e->deadline - base)]++] = *e;
      std::copy(scratch_.begin(), scratch_.end(), first);
    } else {
      std::stable_sort(first, last, by_deadline);  // without memory: in place, O(n log² n)
    }
  }
  if (ready_pos_ == before) return;
  // Merge with the pending entries (ties: pending first, they came in earlier).
  const auto pending = ready_.begin() + static_cast<std::ptrdiff_t>(ready_pos_);
  const auto batch = ready_.begin() + static_cast<std::ptrdiff_t>(before);
  if (scratch_for(ready_.size() - ready_pos_)) {
    std::merge(pending, batch, batch, ready_.end(), scratch_.begin(), by_deadline);
    std::copy(scratch_.begin(), scratch_.end(), pending);
  } else {
    std::inplace_merge(pending, batch, ready_.end(), by_deadline);
  }
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
    // Nothing stored in between, nothing to cascade on the way.
    if ((target >> kBits) != (current_tick_ >> kBits)) clear_run();
    current_tick_ = target;
    return true;
  }
  current_tick_ = next;
  if ((next & kSlotMask) == 0) enter_block();  // a level-0 event lies inside the block
  return true;
}

// Brings the entries of the block the current tick starts down to it: the overflow's and the
// span's when it starts a span too, then the block's level-1 slot (as the run when crowded).
// Out of memory, the cascades keep what they had not moved (see drain_chain) and the block
// stays marked as being entered: the next poll starts by entering it again, before anything
// of it is collected. Each step finds only what is left to do.
void TimerWheel::enter_block() {
  entering_ = true;
  const int64_t t = current_tick_;
  if (((t >> kBits) & kSlotMask) == 0) {
    if (((t >> (2 * kBits)) & kSlotMask) == 0 && lists_[kOverflowList].count != 0 &&
        (overflow_min_tick_ >> (3 * kBits)) == (t >> (3 * kBits))) {
      cascade(kOverflowList);
    }
    cascade(2 * kSlots + static_cast<uint32_t>((t >> (2 * kBits)) & kSlotMask));
  }
  const uint32_t level1 = kSlots + static_cast<uint32_t>((t >> kBits) & kSlotMask);
  if (lists_[level1].count >= kRunMinEntries) {
    build_run(level1);  // replaces the last block's run (consumed: its seconds all came first)
  } else {
    clear_run();
    cascade(level1);
  }
  entering_ = false;
}

// The earliest live entry waiting in ready_ or late_, dropping dead ones on the way.
bool TimerWheel::next_ready(Entry& out) {
  const auto later = [](const Entry& a, const Entry& b) { return b < a; };
  for (;;) {
    const bool has_ready = ready_pos_ < ready_.size(), has_late = !late_.empty();
    if (!has_ready && !has_late) return false;
    const bool from_ready = has_ready && (!has_late || ready_[ready_pos_].deadline <= late_.front().deadline);
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
  if (entering_) enter_block();  // an earlier poll ran out of memory there
  if (now > now_) {
    now_ = now;
    // Entries of the current second that just became due must take their place among those
    // already waiting in ready_ and late_. (Out of memory, they are collected once those are
    // drained, which comes to the same: the waiting ones are due by the old now, these after.)
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
        // Sorting scattered the generations collect had requested: request them again ahead.
        constexpr size_t kAhead = 16;
        if (ready_pos_ + kAhead < ready_.size()) detail::prefetch_for_write(&generation_[ready_[ready_pos_ + kAhead].timer]);
        ++ready_pos_;
      } else {
        std::pop_heap(late_.begin(), late_.end(), later);
        late_.pop_back();
      }
      retire(e.timer);
      ++fired;
      fire(context, e.deadline, e.payload, (Handle{e.generation} << 32) | e.timer);
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
  // A block left half entered (out of memory) may hold anything from its start on.
  Instant bound = entering_ ? current_tick_ * kTickMs : kNever;
  if (ready_pos_ < ready_.size()) bound = std::min(bound, ready_[ready_pos_].deadline);
  if (!late_.empty()) bound = std::min(bound, late_.front().deadline);
  if (bound != kNever) return bound;
  const auto slot = static_cast<uint32_t>(current_tick_ & kSlotMask);
  if (occupied_[0][slot / 64] & (uint64_t{1} << (slot % 64))) {  // later in this second
    uint32_t n = lists_[slot].fill;
    for (const Chunk* c = lists_[slot].head; c != nullptr; c = c->next, n = Chunk::kEntries) {
      for (uint32_t i = 0; i < n; ++i) bound = std::min(bound, c->entries[i].deadline);
    }
    if (run_next_ <= slot) {
      for (uint32_t i = run_start_[slot]; i < run_start_[slot + 1]; ++i) bound = std::min(bound, run_[i].deadline);
    }
    return bound;
  }
  const int64_t tick = next_event_tick();
  return tick == INT64_MAX ? kNever : tick * kTickMs;
}

// Drops a list's dead entries in place: a write cursor trails the read cursor along the chain
// (it never overtakes it), live entries are copied back to it, and the chunks left over go
// back to the pool. The last chunk written, the only partial one, becomes the head.
// `nibbles` holds each timer's generation's low four bits (see sweep()).
void TimerWheel::compact_list(uint32_t list_index, const uint8_t* nibbles) {
  SlotList& list = lists_[list_index];
  // The chain's chunks in order, noted as the read cursor passes them: the write cursor and the
  // return of the leftovers then follow no `next` link, each of which would be a miss by then
  // (a dependent one) since the chunks stream through non-temporally.
  chain_.clear();
  size_t write_at = 0;  // chain_[write_at] is being written
  uint32_t written = 0, kept = 0, n = list.fill;
  for (Chunk* read = list.head; read != nullptr; n = Chunk::kEntries) {
    chain_.push_back(read);
    Chunk* const next = read->next;
    // Loaded non-temporally, the chains push less of the nibble table (read at random) out of
    // the caches.
    prefetch_chunk<0>(next);
    for (uint32_t i = 0; i < n; ++i) __builtin_prefetch(&nibbles[read->entries[i].timer / 2]);
    for (uint32_t i = 0; i < n; ++i) {
      const Entry e = read->entries[i];
      if (((nibbles[e.timer / 2] >> (e.timer % 2 * 4)) & 15u) != (e.generation & 15u)) continue;
      if (written == Chunk::kEntries) {
        ++write_at;
        written = 0;
      }
      chain_[write_at]->entries[written++] = e;
      ++kept;
    }
    read = next;
  }
  if (kept == 0) {
    detach(list_index);
    for (Chunk* c : chain_) pool_->put(c);
    return;
  }
  for (size_t k = write_at + 1; k < chain_.size(); ++k) pool_->put(chain_[k]);
  Chunk* const write = chain_[write_at];
  write->next = nullptr;
  if (write_at > 0) {  // write is the partial one: move it to the front
    chain_[write_at - 1]->next = nullptr;
    write->next = list.head;
    list.head = write;
  }
  list.fill = written;
  list.count = kept;
}

// Drops every dead entry: packs each list in place, or (into_fresh_pool) rebuilds it from its
// live entries in a fresh pool, which then holds only what is live (the old one is freed).
void TimerWheel::sweep(bool into_fresh_pool) {
  std::unique_ptr<ChunkPool> source;
  if (into_fresh_pool) {
    // Every chunk the live entries can need, before anything moves: appending below then
    // cannot fail (a failure half-way would have lost what was still in the old pool).
    auto fresh = std::make_unique<ChunkPool>();
    size_t chunks = 0;
    for (const SlotList& list : lists_) chunks += (list.count + Chunk::kEntries - 1) / Chunk::kEntries;
    fresh->reserve_chunks(chunks);
    source = std::exchange(pool_, std::move(fresh));
  }
  // Packing in place checks each entry against four bits per timer (its generation's low
  // four), a copy an eighth the size of the generation array, made by one sequential pass: the
  // checks are random reads, and at 10M timers the copy (5 MB) mostly stays in the last-level
  // cache where the generation array (40 MB) does not (a byte per timer, 10 MB, took about 6 %
  // more time per cancel at 10M). A dead entry whose timer was re-armed a multiple of 8 times
  // since passes for live and stays, harmlessly: it is dropped when collected, and dead_ is
  // recounted below.
  HugeVector<uint8_t> nibbles;
  if (!source) {
    try {
      nibbles.resize((generation_.size() + 1) / 2);
      size_t longest = 0;  // chunks in a chain: compact_list notes them without allocating
      for (const SlotList& list : lists_) {
        if (list.count != 0) longest = std::max<size_t>(longest, 1 + (list.count - list.fill) / Chunk::kEntries);
      }
      chain_.reserve(longest);
    } catch (const std::bad_alloc&) {
      return;  // cannot sweep now: the garbage stays until collected or the next sweep
    }
    const size_t pairs = generation_.size() / 2;
    for (size_t k = 0; k < pairs; ++k) {
      nibbles[k] = static_cast<uint8_t>((generation_[2 * k] & 15u) | (generation_[2 * k + 1] & 15u) << 4);
    }
    if (generation_.size() % 2 != 0) nibbles[pairs] = static_cast<uint8_t>(generation_.back() & 15u);
  }
  for (uint32_t i = 0; i <= kOverflowList; ++i) {
    if (lists_[i].count == 0) continue;
    if (!source) {
      compact_list(i, nibbles.data());
      continue;
    }
    const int64_t overflow_min = overflow_min_tick_;
    const auto [head, fill] = detach(i);
    drain_chain(*source, i, head, fill, /*prefetch=*/true, [&](const Entry& e) {
      if (live(e)) append(i, e);
    });
    if (i == kOverflowList) overflow_min_tick_ = overflow_min;  // still a bound
  }
  // The run keeps its unconsumed seconds' live entries; consumed ranges become empty.
  uint32_t kept = 0;
  for (uint32_t slot = 0; slot < kSlots; ++slot) {
    const uint32_t first = run_start_[slot], last = run_start_[slot + 1];
    run_start_[slot] = kept;
    if (slot < run_next_) continue;
    for (uint32_t i = first; i < last; ++i) {
      if (live(run_[i])) run_[kept++] = run_[i];
    }
    if (kept != run_start_[slot]) set_bit(0, slot);  // detaching the slot's list cleared it
    if (kept == run_start_[slot] && lists_[slot].count == 0) clear_bit(0, slot);
  }
  run_start_[kSlots] = kept;
  run_.resize(kept);
  if (into_fresh_pool) run_.shrink_to_fit();
  ready_.erase(std::remove_if(ready_.begin() + static_cast<std::ptrdiff_t>(ready_pos_), ready_.end(),
                              [&](const Entry& e) { return !live(e); }),
               ready_.end());
  late_.erase(std::remove_if(late_.begin(), late_.end(), [&](const Entry& e) { return !live(e); }), late_.end());
  std::make_heap(late_.begin(), late_.end(), [](const Entry& a, const Entry& b) { return b < a; });
  size_t stored = run_.size() + (ready_.size() - ready_pos_) + late_.size();
  for (const SlotList& list : lists_) stored += list.count;
  dead_ = stored - live_;  // 0 unless the low-byte check let some through
}

void TimerWheel::reserve(size_t timers) {
  if (timers > generation_.capacity()) {
    // Fault the array's pages in now (they are huge pages once it is large): a first touch
    // taken later, by arm(), zeroes 2 MiB while the caller holds its locks. The engine's
    // submit holds a shard lock there, and another thread wanting that shard then waited
    // milliseconds for it.
    const size_t used = generation_.size();
    generation_.reserve(timers);
    generation_.resize(timers);
    generation_.resize(used);  // keeps the capacity, and the pages
  }
  free_.reserve(timers);
  // Full chunks for all of them, plus one partly filled chunk per slot they can occupy.
  pool_->reserve_chunks(timers / Chunk::kEntries + std::min<size_t>(timers, kLevels * kSlots));
}

size_t TimerWheel::memory_bytes() const noexcept {
  return sizeof(*this) + generation_.capacity() * sizeof(uint32_t) + free_.capacity() * sizeof(uint32_t) +
         pool_->memory_bytes() +
         (ready_.capacity() + late_.capacity() + run_.capacity() + scratch_.capacity()) * sizeof(Entry) +
         chain_.capacity() * sizeof(Chunk*);
}

void TimerWheel::shrink_to_fit() {
  sweep(/*into_fresh_pool=*/true);
  ready_.shrink_to_fit();
  late_.shrink_to_fit();
  scratch_.clear();
  scratch_.shrink_to_fit();
  chain_.clear();
  chain_.shrink_to_fit();
}

}  // namespace whistle
