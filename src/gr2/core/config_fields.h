// Declaring a config struct's fields once. Each field is a key, where its value lives in the struct
// (a member, or a member of a member) and the range it must lie in; reading a TOML section,
// writing JSON and reading that JSON back are all derived from the one list, so they cannot drift
// apart. Defaults are the struct's own (or a defaults object the caller passes).
//
//   static const ConfigFields<SftConfig>& fields() {
//     static const auto f = ConfigFields<SftConfig>()
//                               .real("reasoning_weight", &SftConfig::reasoning_weight, 0.0, 100.0)
//                               .flag("think", &SftConfig::think);
//     return f;
//   }
//
// Plain C++ (no LibTorch); header-only because it is a template.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "gr2/core/config.h"
#include "gr2/core/error.h"
#include "gr2/core/jsonl.h"

namespace gr2 {

template <typename T>
class ConfigFields {
 public:
  // Each kind of field comes in two forms: a member of T, or a member of a member of T (a nested
  // options struct whose keys sit flat in this section, e.g. RlConfig::loss.eps_low).
  // An integer field (int64_t, int or uint64_t member) in [lo, hi].
  template <typename M>
  ConfigFields& integer(const char* key, M T::*member, int64_t lo, int64_t hi) {
    return integer_at(key, direct(member), lo, hi);
  }
  template <typename S, typename M>
  ConfigFields& integer(const char* key, S T::*outer, M S::*inner, int64_t lo, int64_t hi) {
    return integer_at(key, nested(outer, inner), lo, hi);
  }
  // A floating-point field in [lo, hi] (integers in the TOML are accepted).
  ConfigFields& real(const char* key, double T::*member, double lo, double hi) {
    return real_at(key, direct(member), lo, hi);
  }
  template <typename S>
  ConfigFields& real(const char* key, S T::*outer, double S::*inner, double lo, double hi) {
    return real_at(key, nested(outer, inner), lo, hi);
  }
  ConfigFields& flag(const char* key, bool T::*member) { return flag_at(key, direct(member)); }
  template <typename S>
  ConfigFields& flag(const char* key, S T::*outer, bool S::*inner) {
    return flag_at(key, nested(outer, inner));
  }
  ConfigFields& text(const char* key, std::string T::*member) {
    return add(key, direct(member), [](ConfigSection& s, const std::string& k, std::string& v) { v = s.get_string(k, v); });
  }

  // Reads every declared key of `section` into `out` (an absent key keeps out's value), except the
  // keys in `skip`, which stay unread so that finish() rejects them. Throws Error naming key and line.
  void read(ConfigSection& section, T& out, const std::vector<std::string>& skip = {}) const {
    for (const Field& f : fields_) {
      if (std::find(skip.begin(), skip.end(), f.key) != skip.end()) continue;
      f.read(section, out, f.key);
    }
  }
  // Every declared field of `value` as a JSON object (keys as in the TOML section), merged into `into`.
  void write(const T& value, Json& into) const {
    for (const Field& f : fields_) f.write(value, into, f.key);
  }
  Json to_json(const T& value) const {
    Json j = Json::object();
    write(value, j);
    return j;
  }
  // Reads back what to_json wrote; every declared key must be present. Throws Error naming `where`
  // and the key.
  void from_json(const Json& json, T& out, const std::string& where) const {
    for (const Field& f : fields_) {
      try {
        f.parse(json.at(f.key), out);
      } catch (const Json::exception& e) {
        throw Error(where + ": field '" + f.key + "' missing or mistyped (" + e.what() + ")");
      }
    }
  }

 private:
  struct Field {
    const char* key;
    std::function<void(ConfigSection&, T&, const std::string&)> read;
    std::function<void(const T&, Json&, const char*)> write;
    std::function<void(const Json&, T&)> parse;
  };
  // Accessors usable on a T and on a const T (generic lambdas keep the constness).
  template <typename M>
  static auto direct(M T::*member) {
    return [member](auto& t) -> auto& { return t.*member; };
  }
  template <typename S, typename M>
  static auto nested(S T::*outer, M S::*inner) {
    return [outer, inner](auto& t) -> auto& { return (t.*outer).*inner; };
  }
  // A field at `ref`, read from TOML by `get(section, key, value)`; JSON writes and reads the value
  // as its own type.
  template <typename Ref, typename Get>
  ConfigFields& add(const char* key, Ref ref, Get get) {
    fields_.push_back({key, [ref, get](ConfigSection& s, T& t, const std::string& k) { get(s, k, ref(t)); },
                       [ref](const T& t, Json& j, const char* k) { j[k] = ref(t); },
                       [ref](const Json& v, T& t) {
                         auto& m = ref(t);
                         m = v.get<std::remove_reference_t<decltype(m)>>();
                       }});
    return *this;
  }
  template <typename Ref>
  ConfigFields& integer_at(const char* key, Ref ref, int64_t lo, int64_t hi) {
    return add(key, ref, [lo, hi](ConfigSection& s, const std::string& k, auto& v) {
      v = static_cast<std::remove_reference_t<decltype(v)>>(s.get_int_in(k, static_cast<int64_t>(v), lo, hi));
    });
  }
  template <typename Ref>
  ConfigFields& real_at(const char* key, Ref ref, double lo, double hi) {
    return add(key, ref, [lo, hi](ConfigSection& s, const std::string& k, double& v) { v = s.get_double_in(k, v, lo, hi); });
  }
  template <typename Ref>
  ConfigFields& flag_at(const char* key, Ref ref) {
    return add(key, ref, [](ConfigSection& s, const std::string& k, bool& v) { v = s.get_bool(k, v); });
  }

  std::vector<Field> fields_;
};

}  // namespace gr2
