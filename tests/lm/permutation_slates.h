// Random permutation-constrained slates on a tiny random model, for the decoding tests
// (jump-forward, decode sessions): slates of 1..8 candidates with distinct SIDs that share
// prefixes, random prompts, half of the rows thinking first.
#pragma once

#include <memory>
#include <set>
#include <vector>

#include <torch/torch.h>

#include "gr2/core/rng.h"
#include "gr2/lm/generator.h"
#include "gr2/lm/permutation_constraint.h"
#include "gr2/lm/qwen3_model.h"

namespace gr2::lm::permutation_slates {

// 30 text ids, then <|endoftext|>, <|im_end|>, </think>, <|sid_begin|>, <|sid_end|>, SID tokens.
constexpr int64_t kText = 30, kEos = 30, kImEnd = 31, kThinkEnd = 32, kSidBegin = 33, kSidEnd = 34, kSidOffset = 35,
                  kLevels = 3, kCodes = 6, kVocab = kSidOffset + kLevels * kCodes, kNewline = 5;

inline Qwen3Lm tiny_model() {
  ModelConfig c;
  c.vocab_size = kVocab;
  c.hidden_size = 48;
  c.intermediate_size = 80;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.head_dim = 16;
  c.initializer_range = 0.15;  // peaked distributions: greedy choices far from ties
  torch::manual_seed(5);
  Qwen3Lm m(c);
  m->eval();
  return m;
}

// Random slates of 1..8 candidates with distinct SIDs that share prefixes, and random prompts;
// half the rows think first (up to 4 free tokens).
struct Slates {
  std::vector<std::vector<std::vector<int64_t>>> candidates;
  std::vector<PermutationFormat> formats;
  std::vector<std::vector<int64_t>> prompts;

  explicit Slates(int64_t rows) {
    Rng rng(7);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t K = 1 + static_cast<int64_t>(rng.next_u64() % 8);
      std::set<std::vector<int64_t>> seen;
      std::vector<std::vector<int64_t>> cands;
      while (static_cast<int64_t>(cands.size()) < K) {
        std::vector<int64_t> sid = {kSidBegin};
        for (int64_t l = 0; l < kLevels; ++l)
          sid.push_back(kSidOffset + l * kCodes + static_cast<int64_t>(rng.next_u64() % (l == 0 ? 3 : kCodes)));
        sid.push_back(kSidEnd);
        if (seen.insert(sid).second) cands.push_back(sid);
      }
      PermutationFormat f;
      f.think = rng.next_u64() % 2 == 0;
      f.think_end = kThinkEnd;
      f.max_think_tokens = 4;
      f.after_think = {kNewline};
      f.separator = {kNewline};
      f.end = {kImEnd};
      f.banned_in_think = {kImEnd, kEos};
      std::vector<int64_t> prompt;
      for (int64_t t = 0, n = 3 + static_cast<int64_t>(rng.next_u64() % 9); t < n; ++t)
        prompt.push_back(static_cast<int64_t>(rng.next_u64() % kText));
      candidates.push_back(cands);
      formats.push_back(f);
      prompts.push_back(prompt);
    }
  }
  std::vector<GenerationRequest> requests(size_t from, size_t to) const {
    std::vector<GenerationRequest> out;
    for (size_t r = from; r < to; ++r) {
      auto c = std::make_shared<PermutationConstraint>(candidates[r], formats[r]);
      out.push_back({prompts[r], c, c->max_length(), {}});
    }
    return out;
  }
};

}  // namespace gr2::lm::permutation_slates
