// Reading sequences.jsonl into dense indices; fold assignment of users.
#include "gr2/data/sequences.h"

#include <unordered_set>

#include "gr2/core/error.h"
#include "gr2/core/jsonl.h"
#include "gr2/core/rng.h"

namespace gr2 {

std::vector<int64_t> UserSequence::all_items() const {
  std::vector<int64_t> out = train;
  if (valid_target > 0) out.push_back(valid_target);
  if (test_target > 0) out.push_back(test_target);
  return out;
}

std::vector<UserSequence> read_sequences(const std::string& path, const Catalog& catalog) {
  JsonlReader reader(path);
  std::vector<UserSequence> out;
  std::unordered_set<std::string> seen;
  Json record;
  while (reader.next(record)) {
    JsonFields f(record, reader.where());
    f.allow_only({"user_id", "train", "valid_target", "test_target"});
    UserSequence u;
    u.user_id = f.string("user_id");
    if (!seen.insert(u.user_id).second) throw f.error("user_id", "duplicate user '" + u.user_id + "'");
    for (const auto& id : f.string_array("train")) {
      u.train.push_back(catalog.index_of(id, reader.where() + ": field 'train'") + 1);
    }
    auto target = [&](const char* key) -> int64_t {
      if (!f.has(key) || record.at(key).is_null()) return 0;
      return catalog.index_of(f.string(key), reader.where() + ": field '" + key + "'") + 1;
    };
    u.valid_target = target("valid_target");
    u.test_target = target("test_target");
    out.push_back(std::move(u));
  }
  require(!out.empty(), path + ": no sequences (expected one record per user, written by 'gr2 data import')");
  return out;
}

int fold_of(const std::string& user_id, uint64_t seed, int64_t folds) {
  check_internal(folds >= 1, "fold_of: folds must be >= 1");
  return static_cast<int>(derive_seed(seed, "fold:" + user_id) % static_cast<uint64_t>(folds));
}

}  // namespace gr2
