// Statistics of an imported dataset (users, items, interactions, sequence lengths, sparsity and the
// leave-one-out split sizes), printed by `gr2 data import` and saved in data.json.
#pragma once

#include <cstdint>
#include <string>

#include "gr2/core/jsonl.h"
#include "gr2/data/import/imported_dataset.h"

namespace gr2::importer {

struct ImportStats {
  int64_t users = 0;
  int64_t items = 0;  // catalog items (all of them have an interaction after compaction)
  int64_t interactions = 0;
  double avg_sequence_length = 0;
  double sparsity = 0;  // 1 - interactions / (users * items)
  int64_t sequence_length_min = 0;
  double sequence_length_median = 0;  // mean of the two middle values for an even count
  int64_t sequence_length_max = 0;
  int64_t item_interactions_min = 0;  // over catalog items
  int64_t item_interactions_max = 0;
  int64_t repeated_pairs = 0;         // interactions whose (user, item) pair occurred before
  // Leave-one-out split (LeaveOneOut::of on each sequence).
  int64_t train_interactions = 0;
  int64_t valid_targets = 0;
  int64_t test_targets = 0;
  int64_t users_without_targets = 0;  // sequences shorter than 3: train only

  Json to_json() const;
  // A small aligned table for the terminal.
  std::string describe() const;
};

ImportStats compute_stats(const ImportedDataset& data);

// 12345678 -> "12,345,678".
std::string with_commas(int64_t value);

}  // namespace gr2::importer
