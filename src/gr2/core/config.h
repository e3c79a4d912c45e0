// TOML configuration with strict keys: every key in the file must be known to the stage that reads
// its section, so a typo ("num_itmes") is an error naming the key and its line, never ignored.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace gr2 {

class ConfigSection;
struct ConfigTable;  // the parsed TOML table (defined in config.cpp)

// A parsed TOML document. Read it through sections; then call check_sections() with the sections
// the program knows and each section's finish() to reject unknown keys.
class Config {
 public:
  Config();  // an empty configuration (every key takes its default)
  ~Config();
  Config(Config&&) noexcept;
  Config& operator=(Config&&) noexcept;

  // Parses a TOML file. Throws Error "path:line:col: ..." on a syntax error.
  static Config load(const std::string& path);
  // Parses TOML text; `source` names it in messages.
  static Config parse(const std::string& text, const std::string& source = "<config>");

  // Loads `path` (an empty path gives the defaults) and applies each of `overrides`
  // ("section.key=value"). When `only_section` is not empty, overrides of other sections are
  // rejected with a message naming `command` (e.g. "'gr2 sid' only reads the [sid] section").
  static Config load_with_overrides(const std::string& path, const std::vector<std::string>& overrides,
                                    const std::string& only_section = "", const std::string& command = "");

  // Applies "section.key=value" (value in TOML syntax; a bare word is taken as a string).
  void set(const std::string& assignment);

  // The table `name` (may be absent: then every key takes its default).
  ConfigSection section(const std::string& name) const;

  // Throws Error when the document has a top-level key or table not in `known`.
  void check_sections(const std::vector<std::string>& known) const;

  const std::string& source() const { return source_; }

  // The table `name` as canonical text ("" when absent), e.g. to fingerprint what a stage reads.
  std::string section_text(const std::string& name) const;

 private:
  friend class ConfigSection;
  std::unique_ptr<ConfigTable> table_;
  std::string source_;
};

// Typed, checked access to one table of a Config. Each getter records the key as known; finish()
// then rejects any other key of the table.
class ConfigSection {
 public:
  int64_t get_int(const std::string& key, int64_t fallback);
  double get_double(const std::string& key, double fallback);  // integers are accepted
  bool get_bool(const std::string& key, bool fallback);
  std::string get_string(const std::string& key, const std::string& fallback);
  std::vector<std::string> get_string_list(const std::string& key,
                                           const std::vector<std::string>& fallback);
  // Like get_int but rejects values outside [lo, hi] with a message naming the key and line.
  int64_t get_int_in(const std::string& key, int64_t fallback, int64_t lo, int64_t hi);
  double get_double_in(const std::string& key, double fallback, double lo, double hi);

  bool has(const std::string& key) const;
  // Throws Error "source:line: unknown key 'section.key' (known keys: ...)" for unread keys.
  void finish() const;
  const std::string& name() const { return name_; }

 private:
  friend class Config;
  ConfigSection(const Config* config, std::string name) : config_(config), name_(std::move(name)) {}
  std::string describe(const std::string& key) const;  // "source:line: key 'section.key'"
  const Config* config_;
  std::string name_;
  std::set<std::string> known_;
};

}  // namespace gr2
