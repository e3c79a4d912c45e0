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
  // An integer field (int64_t, int or uint64_t member) in [lo, hi].
  template <typename M>
  ConfigFields& integer(const char* key, M T::*member, int64_t lo, int64_t hi) {
    return integer_at(key, [member](T& t) -> M& { return t.*member; }, lo, hi);
  }
  // The same for a member of a member (a nested options struct whose keys sit in this section).
  template <typename S, typename M>
  ConfigFields& integer(const char* key, S T::*outer, M S::*inner, int64_t lo, int64_t hi) {
    return integer_at(key, [outer, inner](T& t) -> M& { return (t.*outer).*inner; }, lo, hi);
  }
  // A floating-point field in [lo, hi] (integers in the TOML are accepted).
  ConfigFields& real(const char* key, double T::*member, double lo, double hi) {
    return real_at(key, [member](T& t) -> double& { return t.*member; }, lo, hi);
  }
  template <typename S>
  ConfigFields& real(const char* key, S T::*outer, double S::*inner, double lo, double hi) {
    return real_at(key, [outer, inner](T& t) -> double& { return (t.*outer).*inner; }, lo, hi);
  }
  ConfigFields& flag(const char* key, bool T::*member) {
    fields_.push_back({key,
                       [member](ConfigSection& s, T& t, const std::string& k) { t.*member = s.get_bool(k, t.*member); },
                       [member](const T& t, Json& j, const char* k) { j[k] = t.*member; },
                       [member](const Json& v, T& t) { t.*member = v.get<bool>(); }});
    return *this;
  }
  template <typename S>
  ConfigFields& flag(const char* key, S T::*outer, bool S::*inner) {
    fields_.push_back({key,
                       [outer, inner](ConfigSection& s, T& t, const std::string& k) {
                         (t.*outer).*inner = s.get_bool(k, (t.*outer).*inner);
                       },
                       [outer, inner](const T& t, Json& j, const char* k) { j[k] = (t.*outer).*inner; },
                       [outer, inner](const Json& v, T& t) { (t.*outer).*inner = v.get<bool>(); }});
    return *this;
  }
  ConfigFields& text(const char* key, std::string T::*member) {
    fields_.push_back({key,
                       [member](ConfigSection& s, T& t, const std::string& k) { t.*member = s.get_string(k, t.*member); },
                       [member](const T& t, Json& j, const char* k) { j[k] = t.*member; },
                       [member](const Json& v, T& t) { t.*member = v.get<std::string>(); }});
    return *this;
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
  template <typename Ref>
  ConfigFields& integer_at(const char* key, Ref ref, int64_t lo, int64_t hi) {
    fields_.push_back({key,
                       [ref, lo, hi](ConfigSection& s, T& t, const std::string& k) {
                         auto& m = ref(t);
                         m = static_cast<std::remove_reference_t<decltype(m)>>(
                             s.get_int_in(k, static_cast<int64_t>(m), lo, hi));
                       },
                       [ref](const T& t, Json& j, const char* k) { j[k] = ref(const_cast<T&>(t)); },
                       [ref](const Json& v, T& t) {
                         auto& m = ref(t);
                         m = v.get<std::remove_reference_t<decltype(m)>>();
                       }});
    return *this;
  }
  template <typename Ref>
  ConfigFields& real_at(const char* key, Ref ref, double lo, double hi) {
    fields_.push_back({key,
                       [ref, lo, hi](ConfigSection& s, T& t, const std::string& k) {
                         ref(t) = s.get_double_in(k, ref(t), lo, hi);
                       },
                       [ref](const T& t, Json& j, const char* k) { j[k] = ref(const_cast<T&>(t)); },
                       [ref](const Json& v, T& t) { ref(t) = v.get<double>(); }});
    return *this;
  }

  std::vector<Field> fields_;
};

}  // namespace gr2
