// Iterative k-core filtering.
#include "gr2/data/import/kcore.h"

namespace gr2::importer {

Json KCoreReport::to_json() const {
  return Json{{"k", k},
              {"rounds", rounds},
              {"users_removed", users_removed},
              {"items_removed", items_removed},
              {"interactions_removed", interactions_removed}};
}

KCoreReport apply_kcore(ImportedDataset& data, int k) {
  require(k >= 0, "--kcore " + std::to_string(k) + ": must be >= 0 (0 turns filtering off)");
  KCoreReport report;
  report.k = k;
  if (k <= 1) return report;

  const int64_t before = data.interactions();
  std::vector<int64_t> item_count(data.catalog.size(), 0);
  for (const auto& u : data.users) {
    for (int32_t item : u.items) ++item_count[static_cast<size_t>(item)];
  }
  std::vector<char> had_interactions(item_count.size());
  for (size_t i = 0; i < item_count.size(); ++i) had_interactions[i] = item_count[i] > 0;

  bool changed = true;
  while (changed) {
    changed = false;
    ++report.rounds;
    std::vector<UserSequence> kept;
    kept.reserve(data.users.size());
    for (auto& u : data.users) {
      // Drop interactions with items below k (counts from the start of this round).
      size_t out = 0;
      for (size_t i = 0; i < u.items.size(); ++i) {
        if (item_count[static_cast<size_t>(u.items[i])] < k) continue;
        u.items[out] = u.items[i];
        u.ts[out] = u.ts[i];
        if (!u.ratings.empty()) u.ratings[out] = u.ratings[i];
        ++out;
      }
      if (out != u.items.size()) changed = true;
      u.items.resize(out);
      u.ts.resize(out);
      if (!u.ratings.empty()) u.ratings.resize(out);
      if (static_cast<int64_t>(u.items.size()) < k) {
        changed = true;
        ++report.users_removed;
        continue;
      }
      kept.push_back(std::move(u));
    }
    data.users = std::move(kept);
    std::fill(item_count.begin(), item_count.end(), 0);
    for (const auto& u : data.users) {
      for (int32_t item : u.items) ++item_count[static_cast<size_t>(item)];
    }
  }
  for (size_t i = 0; i < item_count.size(); ++i) {
    if (had_interactions[i] && item_count[i] == 0) ++report.items_removed;
  }
  report.interactions_removed = before - data.interactions();
  require(!data.users.empty(), "--kcore " + std::to_string(k) + ": no user and item has " + std::to_string(k) +
                                   " or more interactions; nothing is left (use a smaller k, or 0 for none)");
  return report;
}

}  // namespace gr2::importer
