// Beam search over the catalog's SID trie for next-item generation: the W most likely partial SIDs
// per prompt are kept level by level, so every result is a real catalog item and no item appears
// twice. One batched prefill for several prompts; the cache rows are then replicated to the beams
// (KvCache::select_rows) and L - 1 single-token steps follow.
#pragma once

#include <cstdint>
#include <vector>

#include "gr2/lm/qwen3_model.h"
#include "gr2/lm/sid_trie.h"

namespace gr2::lm {

struct BeamSearchOptions {
  int64_t beam_width = 10;         // W: partial SIDs kept per prompt at each level
  int64_t num_results = 10;        // N <= W: items returned per prompt
  int64_t max_batch_prompts = 16;  // prompts decoded together (up to W cache rows each)
  int64_t pad_id = 0;              // filler of the left padding (any valid id)

  // Throws Error naming the bad field.
  void validate() const;
};

struct ScoredItem {
  int64_t item = -1;      // row of the SidTable the trie was built from
  double log_prob = 0.0;  // sum over the L SID tokens of log softmax over the whole vocabulary
};

// prompts: token ids ending right BEFORE <|sid_begin|>; beam search appends `sid_begin` (its
// probability is the same for every item of a prompt, so it is not part of the score). Returns, per
// prompt, min(N, catalog size) distinct items sorted by log_prob, best first (ties: lower item
// index first). With W >= the catalog's largest level width the search is exhaustive, so the top
// item is the most likely catalog item under the model. Runs on the model's device under
// NoGradGuard in eval mode (restored). Throws Error for an empty prompt or a token outside the
// vocabulary.
std::vector<std::vector<ScoredItem>> beam_search_items(Qwen3LmImpl& model, const SidTrie& trie,
                                                       const std::vector<std::vector<int64_t>>& prompts,
                                                       int64_t sid_begin, const BeamSearchOptions& options = {});

}  // namespace gr2::lm
