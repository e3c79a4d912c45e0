// Users' leave-one-out sequences (sequences.jsonl of an imported data directory) as dense item
// indices, the input of the pre-ranker and of the slate builder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gr2/data/catalog.h"

namespace gr2 {

// Item indices are catalog indices + 1, so that 0 can be padding in the model.
struct UserSequence {
  std::string user_id;
  std::vector<int64_t> train;  // oldest first, catalog index + 1
  int64_t valid_target = 0;    // 0 when the sequence was too short to have one
  int64_t test_target = 0;     // 0 when absent

  // Every item of the user (train, valid and test targets), in order.
  std::vector<int64_t> all_items() const;
};

// Reads sequences.jsonl, mapping item ids through `catalog`. Errors name file:line:field (unknown
// items, missing fields, duplicate users); an empty file is an error.
std::vector<UserSequence> read_sequences(const std::string& path, const Catalog& catalog);

// Which of `folds` folds a user belongs to: a hash of (seed, user_id), stable across runs and
// independent of file order. folds >= 1.
int fold_of(const std::string& user_id, uint64_t seed, int64_t folds);

}  // namespace gr2
