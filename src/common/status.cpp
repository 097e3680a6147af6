#include "whistle/status.hpp"

namespace whistle {

std::string_view status_code_name(StatusCode code) noexcept {
  switch (code) {
    case StatusCode::ok: return "OK";
    case StatusCode::invalid_argument: return "EINVAL";
    case StatusCode::not_found: return "ENOTFOUND";
    case StatusCode::already_exists: return "EEXISTS";
    case StatusCode::wrong_state: return "ESTATE";
    case StatusCode::denied: return "EDENIED";
    case StatusCode::io_error: return "EIO";
    case StatusCode::corrupt: return "ECORRUPT";
    case StatusCode::out_of_memory: return "ENOMEM";
    case StatusCode::internal: return "EINTERNAL";
  }
  return "EUNKNOWN";
}

const std::string& Status::message() const noexcept {
  static const std::string empty;
  return message_ ? *message_ : empty;
}

std::string Status::to_string() const {
  if (ok()) return "OK";
  std::string out(status_code_name(code_));
  out += ": ";
  out += message();
  return out;
}

}  // namespace whistle
