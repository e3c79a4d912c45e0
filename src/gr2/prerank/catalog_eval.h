// Full-catalog next-item evaluation of the pre-ranker (Recall@K and NDCG@K over every item, the
// protocol of SASRec/TIGER tables): the target's rank among all catalog items, with the items of
// the user's input sequence excluded (except the target itself).
#pragma once

#include <cstdint>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/prerank/sasrec.h"
#include "gr2/data/sequences.h"

namespace gr2::prerank {

enum class Target { Valid, Test };

struct CatalogMetrics {
  int64_t users = 0;  // users with a target of that split
  double recall5 = 0, recall10 = 0, ndcg5 = 0, ndcg10 = 0;
  Json to_json() const;
};

// The model input for a target: train items (Valid) or train + valid target (Test).
std::vector<int64_t> input_for(const UserSequence& user, Target target);

// Evaluates `model` (switched to eval mode) on the users of `users` that have the target; at most
// `limit` of them when limit > 0 (the first ones). Batches of `batch` users on `device`.
CatalogMetrics evaluate_catalog(SasRec& model, const std::vector<UserSequence>& users, Target target,
                                const torch::Device& device, int64_t limit = 0, int64_t batch = 512);

}  // namespace gr2::prerank
