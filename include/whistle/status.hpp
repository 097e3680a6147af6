// Status and Result: how whistle reports expected failures (bad input, unknown codes, wrong
// state) as values. Exceptions are reserved for what cannot go on (out of memory).
// Thread model: plain values, safe to copy and move between threads.
#pragma once

#include <cassert>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace whistle {

// The numeric values match wh_status in whistle.h.
enum class StatusCode : int {
  ok = 0,
  invalid_argument = 1,
  not_found = 2,
  already_exists = 3,
  wrong_state = 4,
  denied = 5,
  io_error = 6,
  corrupt = 7,
  out_of_memory = 8,
  internal = 9,
};

std::string_view status_code_name(StatusCode code) noexcept;

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(code == StatusCode::ok ? nullptr : std::make_unique<std::string>(std::move(message))) {}
  Status(const Status& o) : code_(o.code_), message_(o.message_ ? std::make_unique<std::string>(*o.message_) : nullptr) {}
  Status& operator=(const Status& o) {
    if (this != &o) *this = Status(o);
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status invalid(std::string message) { return {StatusCode::invalid_argument, std::move(message)}; }
  static Status not_found(std::string message) { return {StatusCode::not_found, std::move(message)}; }
  static Status io(std::string message) { return {StatusCode::io_error, std::move(message)}; }
  static Status corrupt(std::string message) { return {StatusCode::corrupt, std::move(message)}; }

  bool ok() const noexcept { return code_ == StatusCode::ok; }
  StatusCode code() const noexcept { return code_; }
  const std::string& message() const noexcept;
  // "<code name>: <message>", for logs and command-line tools.
  std::string to_string() const;

 private:
  // OK costs one word and no allocation: operations return OK on their fast paths.
  StatusCode code_ = StatusCode::ok;
  std::unique_ptr<std::string> message_;
};

// A value or the Status saying why there is none.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool ok() const noexcept { return value_.has_value(); }
  const Status& status() const noexcept { return status_; }
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace whistle

// Propagates a failed Status from an expression yielding Status.
#define WHISTLE_RETURN_IF_ERROR(expr)              \
  do {                                             \
    ::whistle::Status whistle_status_ = (expr);    \
    if (!whistle_status_.ok()) return whistle_status_; \
  } while (0)
