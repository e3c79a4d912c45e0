// FNV-1a (64-bit): a fast, stable, non-cryptographic hash of bytes, for fingerprints, checksums and
// deriving seeds from names. Stable across platforms and runs (unlike std::hash), which is why it
// is used wherever a hash is written to disk or seeds a random stream. Constants: Fowler, Noll, Vo.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace gr2 {

// The 64-bit FNV-1a hash of `data`.
inline uint64_t fnv1a64(std::string_view data) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  return h;
}

// `value` as 16 lower-case hex digits.
inline std::string hex64(uint64_t value) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
  return buf;
}

}  // namespace gr2
