// Raw text generation for the OpenAI-compatible routes (/v1/completions, /v1/chat/completions):
// sampled or greedy continuations of a token prompt, with the log-probabilities a teacher or an
// OPD student needs (each token's, and its k most likely alternatives, under the model's own
// distribution). No constraint and no re-ranking format: the model as it is. Knows no JSON.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gr2/lm/qwen3_model.h"
#include "gr2/lm/sampler.h"
#include "gr2/lm/vocabulary.h"

namespace gr2::serve {

struct CompletionRequest {
  std::vector<int64_t> prompt;        // token ids, at least one
  int64_t max_tokens = 16;            // tokens to generate per choice (0: score the prompt only)
  lm::SamplingOptions sampling;       // temperature (0 = greedy), top_k, top_p, seed
  int n = 1;                          // choices, sampled together (one batch)
  std::vector<int64_t> stop_tokens;   // a choice ends at one of these (not part of its text)
  int logprobs = -1;                  // -1: none; k >= 0: each token's log-prob and its k best alternatives
  bool echo = false;                  // log-probs of the prompt's tokens too (OpenAI legacy "echo")
  std::shared_ptr<const std::atomic<bool>> cancel;  // optional: true stops generation (deadline passed)
};

// A token with its log-probability under the model (temperature 1, no top-k/top-p): the first
// prompt token has none (nothing precedes it).
struct TokenLogProb {
  int64_t token = 0;
  std::optional<float> log_prob;
  std::vector<std::pair<int64_t, float>> top;  // the k most likely tokens at this position, best first
};

struct CompletionChoice {
  std::vector<int64_t> tokens;          // generated, without the stop token that ended the choice
  std::string finish_reason;            // "stop" (a stop token) or "length" (max_tokens)
  std::vector<TokenLogProb> log_probs;  // logprobs >= 0: (echo: the prompt's, then) the generated tokens'
};

struct CompletionResult {
  std::vector<CompletionChoice> choices;
  int64_t prompt_tokens = 0, completion_tokens = 0;
};

// Generates request.n choices on the model's device. Throws Error when the prompt is empty, holds
// an id outside the vocabulary, or prompt + max_tokens exceeds the model's max_position_embeddings.
// Not thread-safe with other uses of `model` (the service calls it from its model thread).
CompletionResult run_completion(lm::Qwen3LmImpl& model, const lm::Vocabulary& vocabulary,
                                const CompletionRequest& request);

// Log-probabilities of tokens[1..] given their prefixes, each with its `top_k` best alternatives;
// tokens[0] gets none. One forward pass without cache over [1, T]. For tests and run_completion.
std::vector<TokenLogProb> score_tokens(lm::Qwen3LmImpl& model, const std::vector<int64_t>& tokens, int top_k);

}  // namespace gr2::serve
