// Small string builders for messages and generated codes. They append piece by piece: GCC 12
// reports a bogus -Wrestrict overlap (a memcpy of 2^63 bytes) for a short literal prepended to
// a temporary string ("'" + std::string(x), "K" + std::to_string(n)), which these avoid.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace whistle::strings {

// 'text', in single quotes, as error messages show what they refuse.
inline std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out += text;
  out += '\'';
  return out;
}

// A prefix and a number: "K" and 12 give "K12".
inline std::string numbered(std::string_view prefix, uint64_t n) {
  std::string out(prefix);
  out += std::to_string(n);
  return out;
}

}  // namespace whistle::strings
