// RL's guard against ending worse than its start: the policy's greedy ranking quality on a fixed
// sample of held-out (validation-split) slates, measured at the start and at every checkpoint, so
// that `gr2 rl` can keep the best of them (docs/rl.md, "Keeping the best policy"). The validation
// split is never the test split the evaluation reports on.
#pragma once

#include <cstdint>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/data/slates.h"
#include "gr2/rank/metrics.h"

namespace gr2 {
class Catalog;
class LmReranker;
struct DataDir;
}  // namespace gr2

namespace gr2::train::rl {

// Up to `count` (>= 1) slates with a positive label from DATA/slates_valid.jsonl: a uniform sample
// without replacement drawn with `seed` (the same slates for the same seed and file), in file
// order. Throws Error naming the file when it has no slate with a positive label.
std::vector<Slate> validation_sample(const DataDir& data, const Catalog& catalog, int64_t count, uint64_t seed);

struct ValidationScore {
  double score = 0;       // the mean of the selection metric
  Json metrics;           // {"R@1": mean, "N@3": ..., "invalid_rate": share}: the standard metrics
  int64_t slates = 0;
  std::vector<double> per_slate;  // [slates] the selection metric of each slate, NaN where undefined
                                  // (AUC without a negative): the pairs of a paired bootstrap
};

// The greedy answers of `reranker` to `slates` (each with a positive label), scored with `metric`
// and the standard metrics (rank/metrics.h). The re-ranker's sampling options are set to greedy
// for the call and restored after, even when it throws. An invalid answer counts as the incoming
// order, as in evaluation (rank/evaluation.h), and in invalid_rate.
ValidationScore validate_policy(LmReranker& reranker, const std::vector<Slate>& slates, const MetricSpec& metric);

}  // namespace gr2::train::rl
