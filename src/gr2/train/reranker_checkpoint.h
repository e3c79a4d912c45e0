// The last step of every stage that writes a re-ranker (SFT, RL): the files a re-ranker checkpoint
// carries besides its weights (the vocabulary, the SID table, gr2.json's "reranker" settings and
// "training" summary), copied from the checkpoint the stage started from.
#pragma once

#include <string>

#include "gr2/core/jsonl.h"

namespace gr2::train {

// Copies a re-ranker checkpoint's non-weight files (tokenizer.model, gr2.json's vocabulary,
// sids.jsonl) from `from_dir` next to weights saved in `to_dir`, and records gr2.json's `reranker`
// settings and `training` summary. Throws Error when `from_dir` lacks them; writes atomically.
void finish_reranker_checkpoint(const std::string& from_dir, const std::string& to_dir, const Json& reranker,
                                const Json& training);

}  // namespace gr2::train
