// Shared pieces of the libFuzzer targets: a check that aborts (a finding), a scratch directory for
// readers that take file paths, and the split of one input into several files.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>

#include "gr2/core/utf8.h"

namespace gr2::fuzz {

// A broken invariant: libFuzzer reports the crash and keeps the input.
inline void check_or_crash(bool condition) {
  if (!condition) __builtin_trap();
}

// Every string of `s` must be valid UTF-8 (what readers promise for what they write out).
inline void check_utf8_or_crash(std::string_view s) { check_or_crash(!first_invalid_utf8(s).has_value()); }

// A directory of this process for the input files (created once; libFuzzer runs inputs one at a
// time in a process, so one directory per process is enough).
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    std::string base = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
    std::string pattern = base + "/gr2_fuzz_XXXXXX";
    if (!mkdtemp(pattern.data())) std::abort();
    return pattern;
  }();
  return dir;
}

// Writes `bytes` to scratch_dir()/name and returns the path.
inline std::string scratch_file(const std::string& name, std::string_view bytes) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) std::abort();
  return path;
}

// The input split at its first NUL byte: (before, after); no NUL: (all, "").
inline std::pair<std::string_view, std::string_view> split_at_nul(std::string_view input) {
  const size_t nul = input.find('\0');
  if (nul == std::string_view::npos) return {input, {}};
  return {input.substr(0, nul), input.substr(nul + 1)};
}

}  // namespace gr2::fuzz
