// Line-oriented reading of plain-text source files (sequence files, TSV tables) for the dataset
// importers: "path:line" tracking for error messages, field splitting and strict number parsing.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gr2/core/error.h"

namespace gr2::importer {

// Reads a text file one line at a time. Strips a trailing '\r' (CRLF files) and a UTF-8 byte-order
// mark at the start of the file. Line numbers are 1-based. Every line must be valid UTF-8.
class LineReader {
 public:
  // Opens `path`; throws Error naming the path when it cannot be read.
  explicit LineReader(std::string path);

  // Reads the next line into `line` (without the line end). Returns false at end of file. Throws
  // Error "path:line:column: invalid UTF-8 (byte 0xE9) ..." for a line that is not UTF-8 (a
  // Latin-1 or cp1252 file), so that no importer writes a changed or unreadable text.
  bool next(std::string& line);

  // "path:line" of the line last returned by next().
  std::string where() const { return path_ + ":" + std::to_string(line_); }
  // Error "path:line: <message>".
  Error error(const std::string& message) const { return Error(where() + ": " + message); }
  const std::string& path() const { return path_; }
  int64_t line() const { return line_; }

 private:
  std::string path_;
  std::ifstream in_;
  int64_t line_ = 0;
};

// Splits on every '\t' (empty fields are kept: "a\t\tb" has 3 fields).
std::vector<std::string_view> split_tabs(std::string_view line);
// Splits on runs of spaces and tabs; no empty fields.
std::vector<std::string_view> split_whitespace(std::string_view line);
// Splits on `separator` and trims each piece; empty pieces are dropped.
std::vector<std::string> split_trimmed(std::string_view text, std::string_view separator);
// Removes leading and trailing spaces and tabs.
std::string_view trim(std::string_view text);
// True when `line` has only spaces and tabs.
bool is_blank(std::string_view line);

// The whole of `text` as a finite number (decimal or exponent notation), or nullopt.
std::optional<double> parse_number(std::string_view text);
// The whole of `text` as a signed decimal integer that fits int64, or nullopt.
std::optional<int64_t> parse_integer(std::string_view text);

// `text` quoted for a message, shortened to about 60 characters.
std::string quote_for_message(std::string_view text);

}  // namespace gr2::importer
