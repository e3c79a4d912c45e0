// Line reading, splitting and number parsing for the dataset importers.
#include "gr2/data/import/text_lines.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "gr2/core/utf8.h"

namespace gr2::importer {

LineReader::LineReader(std::string path) : path_(std::move(path)), in_(path_, std::ios::binary) {
  if (!in_) throw Error(path_ + ": cannot open for reading (check the path and permissions)");
}

bool LineReader::next(std::string& line) {
  if (!std::getline(in_, line)) {
    if (in_.bad()) throw Error(path_ + ": read error after line " + std::to_string(line_));
    return false;
  }
  ++line_;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line_ == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
  if (const auto bad = first_invalid_utf8(line)) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(line[*bad])));
    throw Error(where() + ":" + std::to_string(*bad + 1) + ": invalid UTF-8 (byte " + byte +
                "); source files must be UTF-8: convert this one first, e.g. iconv -f latin1 -t utf-8 (Latin-1) "
                "or iconv -f cp1252 -t utf-8 (Windows)");
  }
  return true;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

std::vector<std::string_view> split_whitespace(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

std::string_view trim(std::string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end && (text[begin] == ' ' || text[begin] == '\t')) ++begin;
  while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  return text.substr(begin, end - begin);
}

std::vector<std::string> split_trimmed(std::string_view text, std::string_view separator) {
  std::vector<std::string> pieces;
  size_t start = 0;
  while (start <= text.size()) {
    size_t at = text.find(separator, start);
    if (at == std::string_view::npos) at = text.size();
    std::string_view piece = trim(text.substr(start, at - start));
    if (!piece.empty()) pieces.emplace_back(piece);
    start = at + separator.size();
  }
  return pieces;
}

bool is_blank(std::string_view line) { return trim(line).empty(); }

std::optional<double> parse_number(std::string_view text) {
  if (text.empty() || text.size() > 64 || text.front() == ' ' || text.front() == '\t') return std::nullopt;
  std::string copy(text);
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || errno == ERANGE || !std::isfinite(value)) return std::nullopt;
  // strtod also accepts hex floats, "inf" and "nan"; a data file should not contain them.
  if (copy.find_first_of("xXnNiI") != std::string::npos) return std::nullopt;
  return value;
}

std::optional<int64_t> parse_integer(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  size_t i = (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (i == text.size()) return std::nullopt;
  for (size_t k = i; k < text.size(); ++k) {
    if (text[k] < '0' || text[k] > '9') return std::nullopt;
  }
  std::string copy(text);
  errno = 0;
  long long value = std::strtoll(copy.c_str(), nullptr, 10);
  if (errno == ERANGE) return std::nullopt;
  return static_cast<int64_t>(value);
}

std::string quote_for_message(std::string_view text) {
  constexpr size_t kMax = 60;
  std::string out = "'";
  out += text.size() > kMax ? std::string(text.substr(0, kMax)) + "..." : std::string(text);
  out += "'";
  return out;
}

}  // namespace gr2::importer
