// Sparse-ID features of slates for the legacy re-rankers: dense item / brand / category indices
// from the catalog, and slates encoded as index vectors, batched into padded tensors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "gr2/data/catalog.h"
#include "gr2/data/slates.h"
#include "gr2/rank/policy.h"

namespace gr2::legacy {

// Index 0 of every vocabulary means "unknown / none"; items are catalog index + 1.
class FeatureVocab {
 public:
  explicit FeatureVocab(const Catalog& catalog);
  int64_t item(const std::string& item_id) const;  // 0 when not in the catalog
  int64_t num_items() const { return static_cast<int64_t>(brand_of_.size()) - 1; }
  int64_t num_brands() const { return num_brands_; }      // without index 0
  int64_t num_categories() const { return num_categories_; }
  // [N + 1] int64 tensors: brand / category (full path) index of each item.
  torch::Tensor brand_table() const;
  torch::Tensor category_table() const;

 private:
  const Catalog* catalog_;
  std::vector<int64_t> brand_of_, category_of_;
  int64_t num_brands_ = 0, num_categories_ = 0;
};

// One slate as indices. Scores are standardised within the slate (z-scores; 0 when all equal).
struct EncodedSlate {
  std::vector<int64_t> history;     // last max_history items, oldest first
  std::vector<int64_t> candidates;  // incoming order
  std::vector<float> score_z;       // per candidate
  std::vector<int> labels;          // graded; empty for requests (no labels)
};

EncodedSlate encode_request(const RankRequest& request, const FeatureVocab& vocab, int64_t max_history);
EncodedSlate encode_slate(const Slate& slate, const FeatureVocab& vocab, int64_t max_history);

// A padded batch. S slates, K = the largest slate, H = the longest history (>= 1).
struct SlateBatch {
  torch::Tensor cand_item;   // [S, K] int64 (0 where padded or unknown)
  torch::Tensor cand_mask;   // [S, K] bool, true for real candidates
  torch::Tensor position;    // [S, K] int64 incoming position, clipped to max_positions - 1
  torch::Tensor score_z;     // [S, K] float
  torch::Tensor hist_item;   // [S, H] int64
  torch::Tensor hist_mask;   // [S, H] bool
  torch::Tensor labels;      // [S, K] float graded labels (0 when padded or absent)
};

SlateBatch make_batch(const std::vector<const EncodedSlate*>& slates, int64_t max_positions,
                      const torch::Device& device);

}  // namespace gr2::legacy
