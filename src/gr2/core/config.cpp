// TOML configuration with strict key checking (toml++).
#include "gr2/core/config.h"

#include <toml++/toml.h>

#include <sstream>

#include "gr2/core/error.h"

namespace gr2 {

struct ConfigTable : toml::table {
  ConfigTable() = default;
  explicit ConfigTable(toml::table&& t) : toml::table(std::move(t)) {}
};

namespace {

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}

std::string position(const std::string& source, const toml::node& node) {
  const auto& begin = node.source().begin;
  if (begin.line == 0) return source;
  return source + ":" + std::to_string(begin.line);
}

}  // namespace

Config::Config() : table_(std::make_unique<ConfigTable>()), source_("<defaults>") {}
Config::~Config() = default;
Config::Config(Config&&) noexcept = default;
Config& Config::operator=(Config&&) noexcept = default;

Config Config::load(const std::string& path) {
  Config config;
  config.source_ = path;
  try {
    config.table_ = std::make_unique<ConfigTable>(toml::parse_file(path));
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    throw Error(path + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " +
                std::string(e.description()));
  }
  return config;
}

Config Config::parse(const std::string& text, const std::string& source) {
  Config config;
  config.source_ = source;
  try {
    config.table_ = std::make_unique<ConfigTable>(toml::parse(text, source));
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    throw Error(source + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " +
                std::string(e.description()));
  }
  return config;
}

Config Config::load_with_overrides(const std::string& path, const std::vector<std::string>& overrides,
                                   const std::string& only_section, const std::string& command) {
  Config config = path.empty() ? Config() : Config::load(path);
  for (const auto& assignment : overrides) {
    if (!only_section.empty() && assignment.rfind(only_section + ".", 0) != 0) {
      throw Error("--set '" + assignment + "': '" + command + "' only reads the [" + only_section +
                  "] section (use " + only_section + ".key=value)");
    }
    config.set(assignment);
  }
  return config;
}

void Config::set(const std::string& assignment) {
  auto eq = assignment.find('=');
  auto dot = assignment.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot > eq) {
    throw Error("--set '" + assignment + "': expected section.key=value");
  }
  std::string section = assignment.substr(0, dot);
  std::string key = assignment.substr(dot + 1, eq - dot - 1);
  std::string value = assignment.substr(eq + 1);
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + value);
  } catch (const toml::parse_error&) {
    parsed = toml::table{{"v", value}};  // a bare word: take it as a string
  }
  toml::table* target = (*table_)[section].as_table();
  if (!target) {
    if ((*table_).contains(section)) throw Error("--set '" + assignment + "': '" + section + "' is not a table");
    table_->insert(section, toml::table{});
    target = (*table_)[section].as_table();
  }
  target->insert_or_assign(key, *parsed.get("v"));
}

ConfigSection Config::section(const std::string& name) const {
  const toml::node* node = table_->get(name);
  if (node && !node->is_table()) {
    throw Error(position(source_, *node) + ": '" + name + "' must be a table ([" + name + "])");
  }
  return ConfigSection(this, name);
}

void Config::check_sections(const std::vector<std::string>& known) const {
  for (const auto& [key, node] : *table_) {
    std::string k(key.str());
    bool ok = false;
    for (const auto& name : known) ok = ok || name == k;
    if (!ok) {
      std::string list;
      for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
      throw Error(position(source_, node) + ": unknown section '" + k + "' (known sections: " + list + ")");
    }
  }
}

namespace {
const toml::node* lookup(const toml::table& root, const std::string& section, const std::string& key) {
  const toml::node* sec = root.get(section);
  if (!sec || !sec->is_table()) return nullptr;
  return sec->as_table()->get(key);
}
}  // namespace

bool ConfigSection::has(const std::string& key) const {
  return lookup(*config_->table_, name_, key) != nullptr;
}

std::string ConfigSection::describe(const std::string& key) const {
  const toml::node* node = lookup(*config_->table_, name_, key);
  std::string where = node ? position(config_->source_, *node) : config_->source_;
  return where + ": key '" + name_ + "." + key + "'";
}

int64_t ConfigSection::get_int(const std::string& key, int64_t fallback) {
  known_.insert(key);
  const toml::node* node = lookup(*config_->table_, name_, key);
  if (!node) return fallback;
  if (auto v = node->value_exact<int64_t>()) return *v;
  throw Error(describe(key) + ": expected an integer, got " + type_name(*node));
}

double ConfigSection::get_double(const std::string& key, double fallback) {
  known_.insert(key);
  const toml::node* node = lookup(*config_->table_, name_, key);
  if (!node) return fallback;
  if (auto v = node->value_exact<double>()) return *v;
  if (auto v = node->value_exact<int64_t>()) return static_cast<double>(*v);
  throw Error(describe(key) + ": expected a number, got " + type_name(*node));
}

bool ConfigSection::get_bool(const std::string& key, bool fallback) {
  known_.insert(key);
  const toml::node* node = lookup(*config_->table_, name_, key);
  if (!node) return fallback;
  if (auto v = node->value_exact<bool>()) return *v;
  throw Error(describe(key) + ": expected true or false, got " + type_name(*node));
}

std::string ConfigSection::get_string(const std::string& key, const std::string& fallback) {
  known_.insert(key);
  const toml::node* node = lookup(*config_->table_, name_, key);
  if (!node) return fallback;
  if (auto v = node->value_exact<std::string>()) return *v;
  throw Error(describe(key) + ": expected a string, got " + type_name(*node));
}

std::vector<std::string> ConfigSection::get_string_list(const std::string& key,
                                                        const std::vector<std::string>& fallback) {
  known_.insert(key);
  const toml::node* node = lookup(*config_->table_, name_, key);
  if (!node) return fallback;
  const toml::array* arr = node->as_array();
  if (!arr) throw Error(describe(key) + ": expected an array of strings, got " + type_name(*node));
  std::vector<std::string> out;
  for (const auto& element : *arr) {
    auto v = element.value_exact<std::string>();
    if (!v) throw Error(describe(key) + ": expected an array of strings, found " + type_name(element));
    out.push_back(*v);
  }
  return out;
}

int64_t ConfigSection::get_int_in(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) {
  int64_t v = get_int(key, fallback);
  if (v < lo || v > hi) {
    throw Error(describe(key) + ": " + std::to_string(v) + " is out of range [" + std::to_string(lo) +
                ", " + std::to_string(hi) + "]");
  }
  return v;
}

double ConfigSection::get_double_in(const std::string& key, double fallback, double lo, double hi) {
  double v = get_double(key, fallback);
  if (!(v >= lo && v <= hi)) {
    std::ostringstream msg;
    msg << describe(key) << ": " << v << " is out of range [" << lo << ", " << hi << "]";
    throw Error(msg.str());
  }
  return v;
}

void ConfigSection::finish() const {
  const toml::node* sec = config_->table_->get(name_);
  if (!sec || !sec->is_table()) return;
  for (const auto& [key, node] : *sec->as_table()) {
    std::string k(key.str());
    if (known_.count(k)) continue;
    std::string list;
    for (const auto& name : known_) list += (list.empty() ? "" : ", ") + name;
    throw Error(position(config_->source_, node) + ": unknown key '" + name_ + "." + k +
                "' (known keys: " + list + ")");
  }
}

std::string Config::section_text(const std::string& name) const {
  const toml::node* node = table_->get(name);
  if (!node || !node->is_table()) return "";
  std::ostringstream out;
  out << toml::json_formatter{*node->as_table()};
  return out.str();
}

}  // namespace gr2
