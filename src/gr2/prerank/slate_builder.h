// Builds one re-ranking slate from the pre-ranker's scores: the positive plus K-1 negatives drawn
// from the pre-ranker's top-M (items the user has touched excluded) and, for a configurable share,
// by popularity; the K candidates are then ordered by pre-ranker score (the incoming order).
// Plain C++ (no LibTorch) so that its invariants are cheap to test.
#pragma once

#include <cstdint>
#include <unordered_set>
#include <vector>

#include "gr2/core/rng.h"

namespace gr2::prerank {

struct SlateDifficulty {
  int64_t slate_size = 10;      // K
  int64_t top_m = 50;           // pool of the score-based negatives
  double popular_share = 0.0;   // share of the K-1 negatives drawn proportionally to popularity
};

// Popularity sampling over items 1..N (index 0 unused): cumulative weights for O(log N) draws.
class PopularitySampler {
 public:
  // counts[i] = training interactions of item i (counts[0] ignored); +1 smoothing so every item
  // can be drawn.
  explicit PopularitySampler(const std::vector<int64_t>& counts);
  int64_t draw(Rng& rng) const;
  int64_t num_items() const { return static_cast<int64_t>(cumulative_.size()); }

 private:
  std::vector<double> cumulative_;  // cumulative_[i - 1] = weight of items 1..i
};

struct BuiltCandidate {
  int64_t item = 0;   // item index (1..N)
  float score = 0;    // pre-ranker score
};

// Candidates of one slate, in decreasing score order (ties: smaller item index first).
// `scores`: [N + 1] scores of items 0..N (0 = padding, never drawn). `positive` in 1..N.
// `exclude`: items never drawn as negatives (the user's other items); the positive is always in.
// Throws Error when fewer than K-1 eligible items exist.
std::vector<BuiltCandidate> build_slate_candidates(const float* scores, int64_t num_items, int64_t positive,
                                                   const std::unordered_set<int64_t>& exclude,
                                                   const SlateDifficulty& difficulty,
                                                   const PopularitySampler* popularity, Rng& rng);

}  // namespace gr2::prerank
