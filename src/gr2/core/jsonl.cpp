// JSON Lines reading and writing with file:line errors.
#include "gr2/core/jsonl.h"

#include <cerrno>
#include <cmath>
#include <cstring>

namespace gr2 {

JsonlReader::JsonlReader(const std::string& path) : path_(path), buffer_(1 << 20) {
  in_.rdbuf()->pubsetbuf(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  in_.open(path, std::ios::binary);
  if (!in_) throw Error(path + ": cannot open file for reading (" + std::strerror(errno) + ")");
}

bool JsonlReader::next(Json& record) {
  while (std::getline(in_, text_)) {
    ++line_;
    if (!text_.empty() && text_.back() == '\r') text_.pop_back();
    bool blank = true;
    for (char c : text_) {
      if (c != ' ' && c != '\t') { blank = false; break; }
    }
    if (blank) continue;
    record = parse_json_line(text_, where());
    ++records_;
    return true;
  }
  if (in_.bad()) throw Error(path_ + ": read failed after line " + std::to_string(line_));
  return false;
}

Json parse_json_line(std::string_view text, const std::string& where) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {  // parse_error, or out_of_range for number overflow
    std::string what = e.what();
    // nlohmann messages start with "[json.exception.parse_error.101] "; keep the readable part.
    auto pos = what.find("] ");
    if (pos != std::string::npos) what = what.substr(pos + 2);
    throw Error(where + ": invalid JSON (" + what + ")");
  }
}

void JsonlWriter::write(const Json& record) {
  // Invalid UTF-8 in a string is replaced rather than aborting a long write.
  std::string line = record.dump(-1, ' ', false, Json::error_handler_t::replace);
  write_raw(line);
}

void JsonlWriter::write_raw(std::string_view line) {
  auto& out = file_.stream();
  out.write(line.data(), static_cast<std::streamsize>(line.size()));
  out.put('\n');
  ++records_;
}

std::vector<Json> read_jsonl(const std::string& path) {
  JsonlReader reader(path);
  std::vector<Json> records;
  Json record;
  while (reader.next(record)) records.push_back(std::move(record));
  return records;
}

std::string json_type_name(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    case Json::value_t::number_float: return "a number";
    default: return "an unsupported value";
  }
}

JsonFields::JsonFields(const Json& record, std::string where)
    : record_(record), where_(std::move(where)) {
  if (!record_.is_object()) {
    throw Error(where_ + ": expected a JSON object, got " + json_type_name(record_));
  }
}

Error JsonFields::error(const char* key, const std::string& message) const {
  return Error(where_ + ": field '" + key + "': " + message);
}

bool JsonFields::has(const char* key) const {
  auto it = record_.find(key);
  return it != record_.end() && !it->is_null();
}

const Json& JsonFields::field(const char* key) const {
  auto it = record_.find(key);
  if (it == record_.end() || it->is_null()) throw error(key, "missing (required)");
  return *it;
}

std::string JsonFields::string(const char* key) const {
  const Json& v = field(key);
  if (!v.is_string()) throw error(key, "expected a string, got " + json_type_name(v));
  std::string s = v.get<std::string>();
  if (s.empty()) throw error(key, "must not be empty");
  return s;
}

std::string JsonFields::optional_string(const char* key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  const Json& v = record_.at(key);
  if (!v.is_string()) throw error(key, "expected a string, got " + json_type_name(v));
  return v.get<std::string>();
}

int64_t JsonFields::int64(const char* key) const {
  const Json& v = field(key);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) throw error(key, "integer out of range");
    return static_cast<int64_t>(u);
  }
  throw error(key, "expected an integer, got " + json_type_name(v));
}

int64_t JsonFields::optional_int64(const char* key, int64_t fallback) const {
  return has(key) ? int64(key) : fallback;
}

double JsonFields::number(const char* key) const {
  const Json& v = field(key);
  if (!v.is_number()) throw error(key, "expected a number, got " + json_type_name(v));
  double d = v.get<double>();
  if (!std::isfinite(d)) throw error(key, "must be a finite number");
  return d;
}

const Json& JsonFields::array(const char* key) const {
  const Json& v = field(key);
  if (!v.is_array()) throw error(key, "expected an array, got " + json_type_name(v));
  return v;
}

std::vector<std::string> JsonFields::string_array(const char* key) const {
  const Json& v = array(key);
  std::vector<std::string> out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) {
      throw error(key, "element " + std::to_string(i) + ": expected a string, got " +
                           json_type_name(v[i]));
    }
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

std::vector<std::string> JsonFields::optional_string_array(const char* key) const {
  if (!has(key)) return {};
  return string_array(key);
}

void JsonFields::allow_only(std::initializer_list<const char*> keys) const {
  for (auto it = record_.begin(); it != record_.end(); ++it) {
    bool known = false;
    for (const char* k : keys) {
      if (it.key() == k) { known = true; break; }
    }
    if (!known) {
      std::string list;
      for (const char* k : keys) list += std::string(list.empty() ? "" : ", ") + k;
      throw Error(where_ + ": unknown field '" + it.key() + "' (expected: " + list + ")");
    }
  }
}

}  // namespace gr2
