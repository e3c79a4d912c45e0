// Iterative k-core filtering of an imported dataset: keep only users and items with at least k
// interactions each, repeating until both conditions hold at once (the "5-core" of the Amazon
// review datasets, applied after loading).
#pragma once

#include <cstdint>

#include "gr2/core/jsonl.h"
#include "gr2/data/import/imported_dataset.h"

namespace gr2::importer {

struct KCoreReport {
  int k = 0;                         // 0 or 1: filtering was off
  int rounds = 0;                    // passes until nothing changed (a no-op filter takes 1)
  int64_t users_removed = 0;
  int64_t items_removed = 0;         // items that had interactions before and have none after
  int64_t interactions_removed = 0;

  bool changed() const { return interactions_removed > 0; }
  Json to_json() const;
};

// Removes, round after round, every user with fewer than `k` interactions and every interaction
// with an item that has fewer than `k` interactions, until every remaining user and item has at
// least `k`. Counts every interaction (a repeated user-item pair counts twice, as the Amazon 5-core
// counts reviews). The catalog is left alone: call drop_items_without_interactions() afterwards.
// Throws Error if k < 0 or if nothing survives. k <= 1 is a no-op.
KCoreReport apply_kcore(ImportedDataset& data, int k);

}  // namespace gr2::importer
