// Next-item generation metrics: constrained beam search over the catalog's SID trie (lm/beam_search)
// from the next_item prompt, then Recall@K and NDCG@K of the target among the top 10 items
// (one relevant item: R@K = 1 if it is in the top K, NDCG@K = 1 / log2(1 + rank)).
#pragma once

#include <cstdint>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/lm/qwen3_model.h"
#include "gr2/lm/sid_trie.h"
#include "gr2/train/midtrain/midtrain_data.h"
#include "gr2/train/midtrain/midtrain_formats.h"

namespace gr2::train::midtrain {

struct NextItemMetrics {
  int64_t users = 0;
  double recall5 = 0, recall10 = 0, ndcg5 = 0, ndcg10 = 0;
  double seconds = 0;
  Json to_json() const;
};

// Adds one case whose target came at 1-based `rank` among the results (0 = not in the results).
void add_rank(NextItemMetrics& m, int64_t rank);
// Divides the sums of add_rank by the number of cases.
void finish_metrics(NextItemMetrics& m);

// Scores `cases` with beam width `beam_width` (>= 10) and the newest `max_history` items of each
// history. Trie item indices must be catalog indices (align_sids_to_catalog).
NextItemMetrics evaluate_next_item(lm::Qwen3Lm& model, const MidtrainFormat& format, const lm::SidTrie& trie,
                                   const std::vector<NextItemCase>& cases, int64_t max_history, int64_t beam_width);

}  // namespace gr2::train::midtrain
