#include "engine/event_log.hpp"

#include <mutex>

namespace whistle {

uint64_t EventLog::append(const EventDraft& e, std::span<const ScoreFact> facts) {
  std::lock_guard lock(lock_);
  const uint64_t seq = next_seq_++;
  records_.push_back({seq, e.case_id, e.at, e.actor, static_cast<uint32_t>(units_.size()),
                      static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(e.detail.size()),
                      static_cast<uint16_t>(e.units.size()), e.level, e.kind, e.stage});
  units_.insert(units_.end(), e.units.begin(), e.units.end());
  text_.append(e.detail);
  for (const ScoreFact& f : facts) scores_.apply(f);
  return seq;
}

// Moves up to `max` records into `out`; spans are fixed up once the batch's buffers are final.
size_t EventLog::take(EventBatch& out, size_t max) {
  out.clear();
  const size_t n = std::min(max, records_.size() - head_);
  out.events_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const Record& r = records_[head_ + i];
    Event& e = out.events_[i];
    e.seq = r.seq;
    e.case_id = r.case_id;
    e.at = r.at;
    e.kind = r.kind;
    e.stage = r.stage;
    e.level = r.level;
    e.actor = r.actor;
    out.units_.insert(out.units_.end(), units_.begin() + r.units_at, units_.begin() + r.units_at + r.units_count);
    out.text_.append(text_, r.text_at, r.text_length);
  }
  size_t units_at = 0, text_at = 0;
  for (size_t i = 0; i < n; ++i) {
    const Record& r = records_[head_ + i];
    Event& e = out.events_[i];
    e.units = {out.units_.data() + units_at, r.units_count};
    e.detail = {out.text_.data() + text_at, r.text_length};
    units_at += r.units_count;
    text_at += r.text_length;
  }
  head_ += n;
  compact();
  return n;
}

// Drops taken records once they are the larger part, so the buffers stay near the lag.
void EventLog::compact() {
  if (head_ == records_.size()) {
    records_.clear();
    units_.clear();
    text_.clear();
    head_ = 0;
    return;
  }
  if (head_ < 4096 || head_ * 2 < records_.size()) return;
  const uint32_t units_base = records_[head_].units_at, text_base = records_[head_].text_at;
  records_.erase(records_.begin(), records_.begin() + static_cast<std::ptrdiff_t>(head_));
  for (Record& r : records_) {
    r.units_at -= units_base;
    r.text_at -= text_base;
  }
  units_.erase(units_.begin(), units_.begin() + units_base);
  text_.erase(0, text_base);
  head_ = 0;
}

size_t EventLog::poll(EventBatch& out, size_t max) {
  if (has_callback_.load(std::memory_order_acquire)) {
    out.clear();
    return 0;
  }
  std::lock_guard lock(lock_);
  return take(out, max);
}

void EventLog::set_callback(std::function<void(const Event&)> callback) {
  {
    std::lock_guard lock(lock_);
    callback_ = callback ? std::make_shared<std::function<void(const Event&)>>(std::move(callback)) : nullptr;
    has_callback_.store(callback_ != nullptr, std::memory_order_release);
  }
  deliver();
}

void EventLog::deliver() {
  if (!has_callback_.load(std::memory_order_acquire)) return;
  if (delivering_.exchange(true, std::memory_order_acq_rel)) return;  // the deliverer takes ours too
  EventBatch batch;
  for (;;) {
    std::shared_ptr<std::function<void(const Event&)>> callback;
    {
      std::lock_guard lock(lock_);
      if (head_ == records_.size() || !callback_) {
        // Released under the lock: an append that saw `delivering_` set is already visible here.
        delivering_.store(false, std::memory_order_release);
        return;
      }
      take(batch, 1024);
      callback = callback_;
    }
    for (const Event& e : batch) (*callback)(e);
  }
}

uint64_t EventLog::issued() const {
  std::lock_guard lock(lock_);
  return next_seq_ - 1;
}

size_t EventLog::pending() const {
  std::lock_guard lock(lock_);
  return records_.size() - head_;
}

size_t EventLog::memory_bytes() const {
  std::lock_guard lock(lock_);
  return records_.capacity() * sizeof(Record) + units_.capacity() * sizeof(UnitId) + text_.capacity();
}

}  // namespace whistle
