// JSON Lines reading and writing. Every reader error names "file:line"; writers are atomic.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"

namespace gr2 {

using Json = nlohmann::json;

// Streams the records of a JSONL file, one JSON value per non-blank line.
class JsonlReader {
 public:
  // Opens `path`; throws Error when it cannot be read.
  explicit JsonlReader(const std::string& path);

  // Reads the next record into `record`. Returns false at end of file. Blank lines are skipped.
  // Throws Error "path:line: invalid JSON (...)" on a malformed line (truncation, bad UTF-8, ...).
  bool next(Json& record);

  // "path:line" of the record last returned by next().
  std::string where() const { return path_ + ":" + std::to_string(line_); }
  // An Error whose message is "path:line: <message>".
  Error error(const std::string& message) const { return Error(where() + ": " + message); }
  const std::string& path() const { return path_; }
  int64_t line() const { return line_; }
  // Number of records returned so far.
  int64_t records() const { return records_; }

 private:
  std::string path_;
  std::ifstream in_;
  std::vector<char> buffer_;
  std::string text_;
  int64_t line_ = 0;
  int64_t records_ = 0;
};

// Parses one JSONL line; `where` prefixes the error message. Exposed for fuzzing and tests.
Json parse_json_line(std::string_view text, const std::string& where);

// Writes records one per line to a temporary file, renamed into place by commit().
class JsonlWriter {
 public:
  explicit JsonlWriter(const std::string& path) : file_(path) {}
  void write(const Json& record);
  // Writes an already serialised JSON value (no trailing newline) as one line.
  void write_raw(std::string_view line);
  void commit() { file_.commit(); }
  int64_t records() const { return records_; }
  const std::string& path() const { return file_.path(); }

 private:
  AtomicFile file_;
  int64_t records_ = 0;
};

// Reads every record of a JSONL file (for small files such as configs and reports).
std::vector<Json> read_jsonl(const std::string& path);

// Checked field access on one JSON record, with errors that name file, line and field.
// Example: JsonFields f(record, reader.where()); std::string id = f.string("item_id");
class JsonFields {
 public:
  JsonFields(const Json& record, std::string where);

  bool has(const char* key) const;
  std::string string(const char* key) const;                  // required, non-empty string
  std::string optional_string(const char* key, const std::string& fallback = "") const;
  int64_t int64(const char* key) const;                       // required integer
  int64_t optional_int64(const char* key, int64_t fallback) const;
  double number(const char* key) const;                       // required finite number
  std::vector<std::string> string_array(const char* key) const;
  std::vector<std::string> optional_string_array(const char* key) const;
  const Json& array(const char* key) const;                   // required array
  // Rejects fields other than those listed (catches typos such as "item_di").
  void allow_only(std::initializer_list<const char*> keys) const;

  // Error "where: field 'key': message".
  Error error(const char* key, const std::string& message) const;
  const std::string& where() const { return where_; }

 private:
  const Json& field(const char* key) const;
  const Json& record_;
  std::string where_;
};

// A short name of a JSON value's type for messages ("a string", "an integer", ...).
std::string json_type_name(const Json& value);

}  // namespace gr2
