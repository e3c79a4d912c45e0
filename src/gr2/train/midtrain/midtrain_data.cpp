// Training sequences and evaluation cases for mid-training.
#include "gr2/train/midtrain/midtrain_data.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <unordered_map>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/rng.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/events.h"
#include "gr2/data/sequences.h"

namespace gr2::train::midtrain {
namespace {

struct TimedItem {
  int64_t ts;
  int32_t item;
  bool purchase;
};

// Every user's events in time order (stable), users in order of first appearance.
void group_events(const std::string& path, const Catalog& catalog, std::vector<std::string>& users,
                  std::vector<std::vector<TimedItem>>& events) {
  std::unordered_map<std::string, size_t> index;
  for_each_event(path, &catalog, [&](const Event& e) {
    auto [it, added] = index.emplace(e.user_id, users.size());
    if (added) {
      users.push_back(e.user_id);
      events.emplace_back();
    }
    events[it->second].push_back({e.ts, catalog.index_of(e.item_id, path), e.action == "purchase"});
  });
  for (auto& v : events)
    std::stable_sort(v.begin(), v.end(), [](const TimedItem& a, const TimedItem& b) { return a.ts < b.ts; });
}

}  // namespace

TrainSequences read_train_sequences(const std::string& events_path, const Catalog& catalog) {
  require(file_exists(events_path), events_path + ": missing (mid-training learns from the training events only)");
  TrainSequences out;
  std::vector<std::vector<TimedItem>> events;
  group_events(events_path, catalog, out.users, events);
  for (const auto& v : events) {
    std::vector<int32_t> items;
    items.reserve(v.size());
    for (const auto& e : v) items.push_back(e.item);
    out.events += static_cast<int64_t>(items.size());
    out.items.push_back(std::move(items));
  }
  return out;
}

sid::SidTable align_sids_to_catalog(const sid::SidTable& table, const Catalog& catalog, const std::string& where) {
  std::unordered_map<std::string, int64_t> row;
  for (int64_t i = 0; i < table.size(); ++i) row.emplace(table.ids[static_cast<size_t>(i)], i);
  sid::SidTable out;
  out.levels = table.levels;
  out.codes = table.codes;
  out.ids.reserve(catalog.size());
  out.sids.reserve(catalog.size() * static_cast<size_t>(table.levels));
  for (const auto& item : catalog.items()) {
    auto it = row.find(item.item_id);
    require(it != row.end(), where + ": no SID for catalog item '" + item.item_id +
                                 "' (assign SIDs to the whole catalog with 'gr2 sid train' or 'gr2 sid assign')");
    out.ids.push_back(item.item_id);
    const int32_t* s = table.sid(it->second);
    out.sids.insert(out.sids.end(), s, s + table.levels);
  }
  return out;
}

std::vector<NextItemCase> sample_cases(std::vector<NextItemCase> cases, int64_t n, uint64_t seed) {
  if (n <= 0 || n >= static_cast<int64_t>(cases.size())) return cases;
  Rng rng(seed);
  rng.shuffle(cases);
  cases.resize(static_cast<size_t>(n));
  return cases;
}

std::vector<NextItemCase> next_item_cases(const std::string& data_dir, const Catalog& catalog, SplitPart part,
                                          std::string* protocol) {
  require(part != SplitPart::Train, "next_item_cases: the train part has no evaluation cases");
  const DataDir dir{data_dir};
  std::vector<NextItemCase> cases;
  if (file_exists(dir.sequences())) {
    if (protocol)
      *protocol = part == SplitPart::Valid ? "leave-one-out: valid_target given the train items"
                                           : "leave-one-out: test_target given the train items + valid_target";
    for (const auto& u : read_sequences(dir.sequences(), catalog)) {
      const int64_t target = part == SplitPart::Valid ? u.valid_target : u.test_target;
      if (target <= 0) continue;
      NextItemCase c;
      c.user_id = u.user_id;
      for (int64_t i : u.train) c.history.push_back(static_cast<int32_t>(i - 1));
      if (part == SplitPart::Test) {
        if (u.valid_target <= 0) continue;
        c.history.push_back(static_cast<int32_t>(u.valid_target - 1));
      }
      c.target = static_cast<int32_t>(target - 1);
      if (!c.history.empty()) cases.push_back(std::move(c));
    }
    return cases;
  }
  require(file_exists(dir.events()) && file_exists(dir.info()),
          data_dir + ": neither sequences.jsonl (imported data) nor events.jsonl + data.json (synthetic world)");
  Json info;
  try {
    info = Json::parse(read_file(dir.info()));
  } catch (const Json::exception& e) {
    throw Error(dir.info() + ": not valid JSON (" + e.what() + ")");
  }
  require(info.contains("split") && info["split"].contains("valid_start") && info["split"].contains("test_start"),
          dir.info() + ": missing split.valid_start / split.test_start");
  const int64_t valid_start = info["split"]["valid_start"].get<int64_t>();
  const int64_t test_start = info["split"]["test_start"].get<int64_t>();
  const int64_t lo = part == SplitPart::Valid ? valid_start : test_start;
  const int64_t hi = part == SplitPart::Valid ? test_start : INT64_MAX;
  if (protocol)
    *protocol = part == SplitPart::Valid
                    ? "time split: first purchase in [valid_start, test_start) given the events before valid_start"
                    : "time split: first purchase at ts >= test_start given every event before test_start";
  std::vector<std::string> users;
  std::vector<std::vector<TimedItem>> events;
  group_events(dir.events(), catalog, users, events);
  for (size_t u = 0; u < users.size(); ++u) {
    NextItemCase c;
    c.user_id = users[u];
    for (const auto& e : events[u]) {
      if (e.ts < lo) {
        c.history.push_back(e.item);
      } else if (e.ts < hi && e.purchase) {
        c.target = e.item;
        break;
      }
    }
    if (c.target >= 0 && !c.history.empty()) cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace gr2::train::midtrain
