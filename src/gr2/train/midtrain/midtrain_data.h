// What mid-training reads from a data directory, and the next-item evaluation cases, with the
// leakage boundary in one place:
//   - training sequences come from DATA/events_train.jsonl only (for the synthetic world the events
//     before the validation cut-off; for imported data each user's leave-one-out train part);
//   - evaluation cases (next_item_cases) are the only readers of later events.
// Plain C++ (no LibTorch).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gr2/data/catalog.h"
#include "gr2/data/split.h"
#include "gr2/sid/sid_table.h"

namespace gr2::train::midtrain {

// Per user, the catalog indices of their training events, oldest first (ties keep file order).
struct TrainSequences {
  std::vector<std::string> users;
  std::vector<std::vector<int32_t>> items;
  int64_t events = 0;
};

// Reads `events_path` (events_train.jsonl), grouping by user and sorting by ts.
TrainSequences read_train_sequences(const std::string& events_path, const Catalog& catalog);

// The SID table reordered so that row i is catalog item i (the catalog's order), so SidTrie item
// indices are catalog indices. Throws Error naming the first catalog item without a SID.
sid::SidTable align_sids_to_catalog(const sid::SidTable& table, const Catalog& catalog, const std::string& where);

// One next-item evaluation case: predict `target` from `history` (oldest first).
struct NextItemCase {
  std::string user_id;
  std::vector<int32_t> history;
  int32_t target = -1;
};

// The evaluation cases of split `part` (Valid or Test) of the data directory `data_dir`:
//   imported data (sequences.jsonl, leave-one-out): Valid = valid_target given the train items;
//     Test = test_target given the train items and the valid target.
//   the synthetic world (events.jsonl + data.json "split"): Valid = each user's first purchase with
//     valid_start <= ts < test_start, given the user's events before valid_start (the training
//     events); Test = each user's first purchase with ts >= test_start, given every event of the
//     user before test_start (training + validation period, all observable before the target).
//   Users with an empty history are left out.
// `protocol` (if not null) receives a one-line description of the rule used.
std::vector<NextItemCase> next_item_cases(const std::string& data_dir, const Catalog& catalog, SplitPart part,
                                          std::string* protocol = nullptr);

// A seeded random subset of `n` cases (all of them, in file order, when n <= 0 or n >= size).
std::vector<NextItemCase> sample_cases(std::vector<NextItemCase> cases, int64_t n, uint64_t seed);

}  // namespace gr2::train::midtrain
