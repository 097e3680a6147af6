// TextArena: short strings (external references) stored back to back in 64 KiB blocks that
// never move; a string is a 32-bit handle plus its length. Append-only (an operation that
// fails takes back what it added: rollback).
// Thread model: guarded by the owner's lock.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace whistle::engine {

class TextArena {
 public:
  static constexpr size_t kMaxLength = 255;
  // Stores `text` (at most kMaxLength bytes) and returns its handle.
  uint32_t add(std::string_view text) {
    if (blocks_.empty() || used_ + text.size() > kBlockBytes) {
      blocks_.push_back(std::make_unique<char[]>(kBlockBytes));
      used_ = 0;
    }
    const auto handle = static_cast<uint32_t>((blocks_.size() - 1) << kOffsetBits | used_);
    std::memcpy(blocks_.back().get() + used_, text.data(), text.size());
    used_ += text.size();
    return handle;
  }
  // Where the next string goes; rollback(mark) forgets every string added after it.
  struct Mark {
    size_t blocks = 0;
    size_t used = 0;
  };
  Mark mark() const noexcept { return {blocks_.size(), used_}; }
  void rollback(const Mark& m) noexcept {
    while (blocks_.size() > m.blocks) blocks_.pop_back();
    used_ = m.used;
  }
  std::string_view get(uint32_t handle, size_t length) const {
    return {blocks_[handle >> kOffsetBits].get() + (handle & (kBlockBytes - 1)), length};
  }
  size_t memory_bytes() const noexcept { return blocks_.size() * kBlockBytes; }

 private:
  static constexpr uint32_t kOffsetBits = 16;
  static constexpr size_t kBlockBytes = size_t{1} << kOffsetBits;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = 0;
};

}  // namespace whistle::engine
