// SID table export steps, uniqueness and sids.jsonl I/O.
#include "gr2/sid/sid_table.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "gr2/core/error.h"
#include "gr2/core/jsonl.h"
#include "gr2/core/rng.h"

namespace gr2::sid {
namespace {

// FNV-1a over `n` codes: a hash for prefixes and full SIDs.
uint64_t hash_codes(const int32_t* codes, int64_t n) {
  uint64_t h = 1469598103934665603ull;
  for (int64_t k = 0; k < n; ++k) h = (h ^ static_cast<uint32_t>(codes[k])) * 1099511628211ull;
  return splitmix64(h);
}

struct SidKey {
  const int32_t* codes;
  int64_t levels;
  bool operator==(const SidKey& o) const { return std::equal(codes, codes + levels, o.codes); }
};
struct SidKeyHash {
  size_t operator()(const SidKey& k) const { return hash_codes(k.codes, k.levels); }
};

// Full SIDs stored as a string of 4-byte codes (owns its bytes, unlike SidKey).
std::string sid_string(const int32_t* codes, int64_t levels) {
  return std::string(reinterpret_cast<const char*>(codes), static_cast<size_t>(levels) * sizeof(int32_t));
}

}  // namespace

UniquenessStats uniqueness(const SidTable& table) {
  UniquenessStats s;
  s.items = table.size();
  std::unordered_map<SidKey, int64_t, SidKeyHash> counts;
  counts.reserve(static_cast<size_t>(table.size()));
  for (int64_t i = 0; i < table.size(); ++i) ++counts[SidKey{table.sid(i), table.levels}];
  for (const auto& kv : counts) {
    if (kv.second == 1) {
      ++s.unique_items;
    } else {
      ++s.collision_groups;
      s.items_in_collisions += kv.second;
    }
    s.largest_group = std::max(s.largest_group, kv.second);
  }
  return s;
}

void spread_last_level(SidTable& table, uint64_t seed) {
  require(table.levels >= 2, "random last level needs at least 2 levels");
  const int64_t prefix_len = table.levels - 1;
  std::unordered_map<SidKey, std::vector<int64_t>, SidKeyHash> groups;
  std::vector<SidKey> order;  // first appearance order, for determinism
  for (int64_t i = 0; i < table.size(); ++i) {
    SidKey key{table.sid(i), prefix_len};
    auto [it, inserted] = groups.try_emplace(key);
    if (inserted) order.push_back(key);
    it->second.push_back(i);
  }
  std::vector<int32_t> perm(static_cast<size_t>(table.codes));
  for (const auto& key : order) {
    // Copy the member list first: writing last codes does not change prefixes, so keys stay valid.
    const std::vector<int64_t>& members = groups[key];
    Rng rng(seed ^ hash_codes(key.codes, prefix_len));
    std::iota(perm.begin(), perm.end(), 0);
    rng.shuffle(perm);
    for (size_t m = 0; m < members.size(); ++m) {
      table.sid(members[m])[prefix_len] = perm[m % perm.size()];
    }
  }
}

std::string sid_key(const int32_t* sid, int64_t levels) { return sid_string(sid, levels); }

bool take_nearest_free_sid(int32_t* sid, int64_t levels, int64_t codes, std::unordered_set<std::string>& used) {
  if (used.insert(sid_string(sid, levels)).second) return true;
  std::vector<int32_t> candidate(static_cast<size_t>(levels));
  // Change positions >= level (level from the last upward), enumerating the suffix like an
  // odometer that starts at the item's own codes, so the closest alternatives come first.
  for (int64_t level = levels - 1; level >= 0; --level) {
    const int64_t suffix = levels - level;
    const double combos = std::pow(static_cast<double>(codes), static_cast<double>(suffix));
    std::copy(sid, sid + levels, candidate.begin());
    for (double t = 1; t < combos; t += 1) {
      // increment the odometer over positions [level, levels)
      for (int64_t pos = levels - 1; pos >= level; --pos) {
        candidate[static_cast<size_t>(pos)] = (candidate[static_cast<size_t>(pos)] + 1) % static_cast<int32_t>(codes);
        if (candidate[static_cast<size_t>(pos)] != sid[pos]) break;
      }
      if (used.insert(sid_string(candidate.data(), levels)).second) {
        std::copy(candidate.begin(), candidate.end(), sid);
        return true;
      }
    }
  }
  return false;
}

int64_t deduplicate(SidTable& table) {
  const int64_t levels = table.levels, codes = table.codes;
  const double capacity = std::pow(static_cast<double>(codes), static_cast<double>(levels));
  require(static_cast<double>(table.size()) <= capacity,
          std::to_string(table.size()) + " items cannot all have distinct SIDs with " + std::to_string(levels) +
              " levels of " + std::to_string(codes) + " codes; raise [sid] codes or levels");
  std::unordered_set<std::string> used;
  used.reserve(static_cast<size_t>(table.size()) * 2);
  std::vector<int64_t> movers;
  for (int64_t i = 0; i < table.size(); ++i) {
    if (!used.insert(sid_string(table.sid(i), levels)).second) movers.push_back(i);
  }
  for (int64_t i : movers) {
    check_internal(take_nearest_free_sid(table.sid(i), levels, codes, used),
                   "deduplicate: no free SID found although N <= C^L");
  }
  return static_cast<int64_t>(movers.size());
}

void write_sids_jsonl(const SidTable& table, const std::string& path) {
  JsonlWriter writer(path);
  std::string line;
  for (int64_t i = 0; i < table.size(); ++i) {
    line = "{\"item_id\":" + Json(table.ids[static_cast<size_t>(i)]).dump() + ",\"sid\":[";
    for (int64_t k = 0; k < table.levels; ++k) {
      if (k) line += ',';
      line += std::to_string(table.sid(i)[k]);
    }
    line += "]}";
    writer.write_raw(line);
  }
  writer.commit();
}

SidTable read_sids_jsonl(const std::string& path, int64_t codes) {
  JsonlReader reader(path);
  SidTable table;
  table.codes = codes;
  std::unordered_set<std::string> seen;
  Json record;
  while (reader.next(record)) {
    JsonFields f(record, reader.where());
    f.allow_only({"item_id", "sid"});
    std::string id = f.string("item_id");
    const Json& sid = f.array("sid");
    if (table.levels == 0) {
      if (sid.empty()) throw f.error("sid", "expected a non-empty array of codes");
      table.levels = static_cast<int64_t>(sid.size());
    }
    if (static_cast<int64_t>(sid.size()) != table.levels) {
      throw f.error("sid", "expected " + std::to_string(table.levels) + " codes like the first line, got " +
                               std::to_string(sid.size()));
    }
    for (const auto& c : sid) {
      if (!c.is_number_integer() || c.get<int64_t>() < 0 || (codes > 0 && c.get<int64_t>() >= codes)) {
        throw f.error("sid", "codes must be integers in [0, " + (codes > 0 ? std::to_string(codes) : "C") + "), got " + c.dump());
      }
      table.sids.push_back(c.get<int32_t>());
    }
    if (!seen.insert(id).second) throw f.error("item_id", "duplicate item id '" + id + "'");
    table.ids.push_back(std::move(id));
  }
  require(!table.ids.empty(), path + ": no SIDs (empty file)");
  if (codes <= 0) {
    table.codes = 1 + *std::max_element(table.sids.begin(), table.sids.end());
  }
  return table;
}

std::string sid_to_tokens(const int32_t* sid, int64_t levels) {
  std::string out = "<|sid_begin|>";
  for (int64_t k = 0; k < levels; ++k) {
    out += "<s_";
    out += static_cast<char>('a' + k);
    out += "_" + std::to_string(sid[k]) + ">";
  }
  return out + "<|sid_end|>";
}

void require_unique_sids(const SidTable& table, const std::string& source) {
  std::unordered_map<std::string, int64_t> first;
  first.reserve(static_cast<size_t>(table.size()));
  for (int64_t i = 0; i < table.size(); ++i) {
    const std::string key = sid_to_tokens(table.sid(i), table.levels);
    const auto [it, inserted] = first.emplace(key, i);
    if (!inserted)
      throw Error(source + ": items '" + table.ids[static_cast<size_t>(it->second)] + "' and '" +
                  table.ids[static_cast<size_t>(i)] + "' share the SID " + key +
                  "; a re-ranker tells candidates apart by SID, so every item needs its own (export the table "
                  "with sid.dedup = true)");
  }
}

}  // namespace gr2::sid
