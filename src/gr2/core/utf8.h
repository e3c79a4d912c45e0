// UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), shared by
// every reader of external text. Hand-written: a few lines, and no Debian package offers it without
// pulling in a whole Unicode library. Plain C++.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace gr2 {

// Length (1-4) of the valid UTF-8 sequence starting at s[i], or 0 when the bytes there are not one.
// Requires i < s.size().
inline size_t utf8_length(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  const size_t left = s.size() - i;
  const auto cont = [&](size_t k) { return (byte(i + k) & 0xC0) == 0x80; };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && byte(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && byte(i + 1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && byte(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && byte(i + 1) >= 0x90) return 0;  // > U+10FFFF
    return 4;
  }
  return 0;
}

// The byte offset of the first byte of `s` that does not start a valid UTF-8 sequence, or nullopt
// when all of `s` is valid UTF-8.
inline std::optional<size_t> first_invalid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_length(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::nullopt;
}

// For messages and logs only (never for data): the longest prefix of `s` of at most `max_bytes`
// bytes that does not end inside a UTF-8 sequence, with every byte that does not start a valid
// sequence replaced by U+FFFD, so that the result is valid UTF-8 (JSON can hold it) however `s`
// was cut or encoded. A replaced byte counts as one byte of `max_bytes`.
inline std::string utf8_excerpt(std::string_view s, size_t max_bytes) {
  std::string out;
  size_t used = 0;
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_length(s, i);
    if (used + (n == 0 ? 1 : n) > max_bytes) break;
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      used += 1;
      i += 1;
    } else {
      out.append(s.substr(i, n));
      used += n;
      i += n;
    }
  }
  return out;
}

}  // namespace gr2
