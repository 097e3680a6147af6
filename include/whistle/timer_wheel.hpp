// TimerWheel: millions of SLA deadlines, armed and cancelled in O(1), fired in deadline order
// and never early.
//
// Three levels of 4,096 slots with a one-second tick: level 0 holds the current block of
// 4,096 s one slot per second, level 1 the current span of 4,096 blocks (194 days) one slot
// per block, level 2 one slot per span (2,177 years); later deadlines wait in an overflow
// list. A slot is a chain of fixed-size chunks of (deadline, payload, timer) entries taken
// from a shared pool, so arming appends to a chunk and allocates only when the pool grows.
// Occupancy bitmaps on every level let the wheel jump over empty seconds, blocks and spans:
// advancing by 50 years costs a handful of bit scans, not 400,000 block steps.
//
// Cancellation is lazy: a timer is a 32-bit generation (odd while armed); cancel() bumps it
// and leaves the entry behind, to be dropped when its second is collected (or by a sweep once
// dead entries outnumber twice the live ones). Handles carry the generation, so a handle kept
// after its timer fired or was cancelled is refused and never touches a newer timer.
//
// poll(now, budget, f) fires every timer with deadline <= now in deadline order, at most
// `budget` per call: deadlines cluster (00:00, 17:30) and one second may hold a million
// timers, so a caller bounds the work of one call and calls again while more_due(). Equal
// deadlines fire in an order fixed by the sequence of operations (the same calls give the same
// order), not by payload: ordering a second's batch is a linear counting sort by millisecond.
// A timer armed from inside f with a deadline <= now fires in the same drain, in order.
//
// Out of memory: arm() throws std::bad_alloc having changed nothing; cancel() cannot fail; a
// poll() that throws bad_alloc has lost nothing (what it fired is fired, everything else is
// still armed, and the next poll goes on in deadline order). If f throws, the exception leaves
// poll() and the timer f was given counts as fired.
//
// Thread model: not thread-safe; one owner (the engine keeps one wheel per timer lane under
// the lane's lock; RealtimeTimerService drives one from a Boost.Asio thread).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "whistle/detail/huge_pages.hpp"
#include "whistle/detail/prefetch.hpp"
#include "whistle/time.hpp"

namespace whistle {

class TimerWheel {
 public:
  using Handle = uint64_t;  // generation << 32 | timer index; never 0
  static constexpr Handle kInvalidHandle = 0;
  static constexpr int64_t kTickMs = 1000;
  static constexpr uint32_t kSlotBits = 12;
  static constexpr uint32_t kSlots = 1u << kSlotBits;
  static constexpr uint32_t kLevels = 3;
  static constexpr Instant kNever = INT64_MAX;
  // cancel() sweeps once dead entries exceed 2 × live + this: sweeping is O(entries), so O(1)
  // per cancel, and stored entries stay within about 3× the live timers.
  static constexpr size_t kSweepSlack = 1 << 16;

  explicit TimerWheel(Instant start = 0);
  ~TimerWheel();
  TimerWheel(TimerWheel&&) noexcept;
  TimerWheel& operator=(TimerWheel&&) noexcept;

  // Arms a timer; a deadline at or before now() fires at the next poll.
  //
  // Inline, the common case: a deadline later than now and before the overflow (2,177 years),
  // in a slot whose newest chunk has room, and a timer number free for reuse. It allocates
  // nothing and writes the entry straight from registers; anything else goes to arm_slow().
  Handle arm(Instant deadline, uint64_t payload) {
    if (deadline > now_ && !free_.empty()) {
      const uint32_t index = list_for(std::max(tick_of(deadline), current_tick_));
      SlotList& list = lists_[index];
      // A list with entries has a chunk (and its occupancy bit set).
      if (index != kOverflowList && list.count != 0 && list.fill < Chunk::kEntries) {
        const uint32_t timer = free_.back();
        free_.pop_back();
        const uint32_t generation = ++generation_[timer];  // odd: armed
        ++live_;
        store(list, Entry{deadline, payload, timer, generation});
        return (Handle{generation} << 32) | timer;
      }
    }
    return arm_slow(deadline, payload);
  }
  // False (and nothing changes) for a handle whose timer fired, was cancelled, or never was.
  bool cancel(Handle handle) noexcept {
    if (!armed(handle)) return false;
    retire(static_cast<uint32_t>(handle));
    if (++dead_ > 2 * live_ + kSweepSlack) sweep(false);
    return true;
  }
  // Starts loading what cancel(handle) touches, for callers with other work to do first.
  void prefetch(Handle handle) const noexcept {
    const auto timer = static_cast<uint32_t>(handle);
    if (timer < generation_.size()) detail::prefetch_for_write(&generation_[timer]);
  }
  bool armed(Handle handle) const noexcept {
    const auto timer = static_cast<uint32_t>(handle);
    const auto generation = static_cast<uint32_t>(handle >> 32);
    return (generation & 1u) != 0 && timer < generation_.size() && generation_[timer] == generation;
  }

  // Fires up to `budget` due timers in deadline order; returns how many fired. on_fire is
  // called as f(deadline, payload), or as f(deadline, payload, handle) when it takes the
  // handle arm() returned for the timer (an owner that keeps handles can tell this timer from
  // a later one armed with the same payload).
  template <class F>
  size_t poll(Instant now, size_t budget, F&& on_fire) {
    auto trampoline = [](void* f, Instant deadline, uint64_t payload, Handle handle) {
      auto& fn = *static_cast<std::remove_reference_t<F>*>(f);
      if constexpr (std::is_invocable_v<decltype(fn), Instant, uint64_t, Handle>) {
        fn(deadline, payload, handle);
      } else {
        (void)handle;
        fn(deadline, payload);
      }
    };
    return poll_impl(now, budget, trampoline, &on_fire);
  }
  // Fires everything due at or before now (the manual clock).
  template <class F>
  size_t advance(Instant now, F&& on_fire) {
    return poll(now, SIZE_MAX, on_fire);
  }
  // True when the last poll stopped at its budget with timers still due.
  bool more_due() const noexcept { return more_due_; }

  // A lower bound on the earliest armed deadline (kNever when none is armed): nothing fires
  // before it. Exact enough to skip idle polls; may be early (cancelled entries, coarse slots).
  Instant next_deadline_bound() const noexcept;

  Instant now() const noexcept { return now_; }
  size_t size() const noexcept { return live_; }
  // Room for this many live timers without growing (arm then never allocates), the per-timer
  // array faulted in now rather than by the arms that first touch it.
  void reserve(size_t timers);
  size_t memory_bytes() const noexcept;
  // Drops every cancelled entry now (cancel() leaves them for later), keeping the storage for
  // reuse: for a quiet moment. O(entries).
  void compact() { sweep(false); }
  // Drops dead entries everywhere and gives back the storage they held.
  void shrink_to_fit();

 private:
  struct Entry {
    Instant deadline;
    uint64_t payload;
    uint32_t timer;
    uint32_t generation;
    bool operator<(const Entry& o) const noexcept {
      return deadline != o.deadline ? deadline < o.deadline : payload < o.payload;
    }
  };
  // A fixed-size run of entries; a slot is a singly linked chain of them, newest first.
  struct Chunk {
    static constexpr uint32_t kEntries = 40;  // 968 bytes: little slack in sparsely used slots
    Chunk* next;
    Entry entries[kEntries];
  };
  class ChunkPool;
  struct SlotList {
    Chunk* head = nullptr;  // the newest chunk, holding `fill` entries; older chunks are full
    uint32_t fill = 0;
    uint32_t count = 0;  // entries, live or dead
  };
  using Bitmap = std::array<uint64_t, kSlots / 64>;
  using FireFn = void (*)(void*, Instant, uint64_t, Handle);

  static int64_t tick_of(Instant t) noexcept { return floor_div(t, kTickMs); }
  bool live(const Entry& e) const noexcept { return generation_[e.timer] == e.generation; }
  void retire(uint32_t timer) noexcept {
    ++generation_[timer];  // even: free; every entry and handle of the old generation is dead
    --live_;
    // cancel() and firing may not fail: with no memory to grow the free list, the number stays
    // retired (no handle of it passes) and is never reused, four bytes lost.
    try {
      free_.push_back(timer);
    } catch (const std::bad_alloc&) {
    }
  }
  Handle arm_slow(Instant deadline, uint64_t payload);  // every case arm() does not take inline
  // The list of tick t (not before the current tick): a slot of the lowest level whose span
  // holds both, or the overflow list.
  uint32_t list_for(int64_t t) const noexcept {
    const int64_t c = current_tick_;
    if ((t >> kSlotBits) == (c >> kSlotBits)) return static_cast<uint32_t>(t) & (kSlots - 1);
    if ((t >> (2 * kSlotBits)) == (c >> (2 * kSlotBits))) {
      return kSlots + (static_cast<uint32_t>(t >> kSlotBits) & (kSlots - 1));
    }
    if ((t >> (3 * kSlotBits)) == (c >> (3 * kSlotBits))) {
      return 2 * kSlots + (static_cast<uint32_t>(t >> (2 * kSlotBits)) & (kSlots - 1));
    }
    return kOverflowList;
  }
  // Writes e into the list's newest chunk, which has room.
  static void store(SlotList& list, const Entry& e) noexcept {
    list.head->entries[list.fill++] = e;
    ++list.count;
    // Hundreds of slots are appended to in turn, too many streams for the hardware prefetcher:
    // request the slot's next line now, long before its next entry arrives.
    detail::prefetch_for_write(&list.head->entries[std::min(list.fill + 2, Chunk::kEntries - 1)]);
  }
  size_t poll_impl(Instant now, size_t budget, FireFn fire, void* context);
  bool next_ready(Entry& out);
  void place(const Entry& e);
  void append(uint32_t list_index, const Entry& e);
  std::pair<Chunk*, uint32_t> detach(uint32_t list_index) noexcept;
  template <class F>
  void drain_chain(ChunkPool& pool, uint32_t list_index, Chunk* head, uint32_t fill, bool prefetch, F&& f);
  void reattach(uint32_t list_index, Chunk* c, uint32_t begin, uint32_t end, uint32_t remaining) noexcept;
  void build_run(uint32_t list_index);
  void clear_run() noexcept;
  void make_room_to_collect(size_t entries, size_t chunks);
  bool collect_current();
  void order_batch(size_t before);
  bool step();
  void enter_block();
  int64_t next_event_tick() const noexcept;
  void cascade(uint32_t list_index);
  void compact_list(uint32_t list_index, const uint8_t* nibbles);
  void sweep(bool into_fresh_pool);
  void set_bit(uint32_t level, uint32_t slot) noexcept { set_bits(level, slot / 64, uint64_t{1} << (slot % 64)); }
  void set_bits(uint32_t level, uint32_t word, uint64_t bits) noexcept;  // `bits` of word `word` of a level
  void clear_bit(uint32_t level, uint32_t slot) noexcept;
  int next_set_bit(uint32_t level, uint32_t from) const noexcept;  // -1 when none

  static constexpr uint32_t kOverflowList = kLevels * kSlots;

  // What every arm and cancel reads or writes, first and together (one cache line when the
  // wheel starts on one).
  int64_t current_tick_;
  Instant now_;
  size_t live_ = 0;
  size_t dead_ = 0;  // cancelled entries still stored somewhere
  // Per timer: odd while armed. In huge pages once large: every cancel reads a word of it at
  // random, and with 4 KiB pages each of those reads also misses the TLB (a nested page walk
  // on a VM); at 10M timers this took about 13 % off a cancel.
  HugeVector<uint32_t> generation_;
  std::unique_ptr<ChunkPool> pool_;
  std::vector<uint32_t> free_;        // timer numbers ready for reuse
  std::array<SlotList, kLevels * kSlots + 1> lists_{};  // + the overflow list
  std::array<Bitmap, kLevels> occupied_{};
  std::array<uint64_t, kLevels> occupied_words_{};  // bit w: occupied_[level][w] != 0
  int64_t overflow_min_tick_ = INT64_MAX;
  // The current block's timers that came down from level 1, grouped by second: second s is
  // run_[run_start_[s], run_start_[s + 1]); seconds before run_next_ are consumed.
  std::vector<Entry> run_;
  std::array<uint32_t, kSlots + 1> run_start_{};
  std::array<uint32_t, kSlots> run_cursor_{};  // scratch for building the run: all zero between builds
  uint32_t run_next_ = 0;
  std::vector<Entry> ready_;  // the current second's due entries, sorted; drained from ready_pos_
  size_t ready_pos_ = 0;
  std::vector<Entry> late_;   // min-heap: armed during a drain, already due
  std::vector<Entry> scratch_;
  std::vector<Chunk*> chain_;  // compact_list's scratch: the chunks of the chain it packs
  bool more_due_ = false;
  bool entering_ = false;  // enter_block() ran out of memory: the next poll finishes it first
};

}  // namespace whistle
