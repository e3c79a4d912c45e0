// The keys and values of a token prefix that many prompts share (a re-ranking prompt's system
// turn), computed once and reused by generate() (generator.h, GenerationOptions::prefix) instead of
// being recomputed in every prefill: a prefix KV cache.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "gr2/lm/kv_cache.h"
#include "gr2/lm/qwen3_model.h"

namespace gr2::lm {

struct PrefixKv {
  std::vector<int64_t> tokens;     // [p], p >= 1
  std::unique_ptr<KvCache> cache;  // one row, p filled slots, positions 0..p-1

  // True when `prompt` starts with `tokens` and has at least one more token.
  bool prefixes(const std::vector<int64_t>& prompt) const;
};

// Runs `model` over `tokens` (positions 0..p-1, eval mode, no gradients) and keeps their keys and
// values, on the model's device in its dtype. Throws Error for an empty prefix or a token outside
// the vocabulary.
std::shared_ptr<const PrefixKv> compute_prefix_kv(Qwen3LmImpl& model, const std::vector<int64_t>& tokens);

}  // namespace gr2::lm
