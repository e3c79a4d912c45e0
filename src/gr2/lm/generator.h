// Batched text generation with the KV cache: prompts of different lengths are left-padded into one
// batch, prefilled in one forward pass, then decoded one token per step for all unfinished rows.
// Rows that finish leave the batch (KvCache::select_rows), so a long tail of rows does not keep the
// whole batch running. Per-row stop tokens, length limits and constraints.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "gr2/lm/logit_constraint.h"
#include "gr2/lm/qwen3_model.h"
#include "gr2/lm/sampler.h"

namespace gr2::lm {

struct PrefixKv;

struct GenerationOptions {
  int64_t max_new_tokens = 64;       // per row, unless its request sets its own
  std::vector<int64_t> stop_tokens;  // a row ends after generating one of these (kept in its tokens)
  bool use_cache = true;             // false: recompute the whole prefix every step (baseline, tests)
  int64_t pad_id = 0;                // filler of the left padding (never attended to; any valid id)
  SamplingOptions sampling;
  // Jump-forward decoding: when a row's constraint allows exactly one token, that token is taken
  // without a model step, and the run of such forced tokens is fed in one forward pass (SGLang's
  // "jump-forward" for constrained decoding). A re-ranker's answer is mostly forced (the codes of a
  // SID after its first, the SID brackets, newlines): about 6x fewer decode steps. The tokens and
  // their log-probs are those of the step-by-step path (forced ones: log-prob 0), up to the float
  // rounding of later logits; sampled draws use the generator differently (other tokens than the
  // step-by-step path for the same seed). In a batch, all rows feed the shortest queue per step.
  bool jump_forward = false;
  // When set and true, generation stops before the next model step; unfinished rows end with
  // FinishReason::Length (a server abandons a request whose deadline passed). Not owned.
  const std::atomic<bool>* cancel = nullptr;
  // A prefix KV cache (prefix_kv.h): when every prompt starts with prefix->tokens (and is longer),
  // the prefill reuses its keys/values and runs only on the rest of each prompt. Ignored otherwise,
  // and without use_cache. The same tokens as without it, up to float rounding.
  std::shared_ptr<const PrefixKv> prefix;

  // Throws Error naming the bad field.
  void validate() const;
};

// One row: a prompt and what applies to it alone.
struct GenerationRequest {
  std::vector<int64_t> prompt;                  // token ids, at least one
  std::shared_ptr<LogitConstraint> constraint;  // optional; advanced with every generated token
  int64_t max_new_tokens = -1;                  // -1: GenerationOptions::max_new_tokens
  std::vector<int64_t> stop_tokens;             // in addition to GenerationOptions::stop_tokens
};

enum class FinishReason {
  Stop,        // generated a stop token (the last token)
  Length,      // reached max_new_tokens
  Constraint,  // the constraint's answer is complete (its last token is not a stop token)
};
const char* finish_reason_name(FinishReason reason);  // "stop", "length", "constraint"

struct GenerationResult {
  std::vector<int64_t> tokens;         // generated ids, including the stop token that ended the row
  std::vector<float> token_log_probs;  // [tokens.size()], see SampledTokens::log_probs
  double log_prob = 0.0;               // sum of token_log_probs
  int64_t prompt_length = 0;
  FinishReason finish_reason = FinishReason::Length;
};

struct GenerationStats {
  int64_t rows = 0;
  int64_t prompt_tokens = 0;        // real (unpadded) prompt tokens
  int64_t prefill_rows = 0;         // distinct prompts prefilled (rows with the same prompt share one)
  int64_t prefix_tokens = 0;        // tokens of each prompt taken from GenerationOptions::prefix (0: unused)
  int64_t new_tokens = 0;           // generated tokens, all rows
  int64_t decode_steps = 0;         // forward passes after the prefill
  double first_token_seconds = 0;   // prefill + first sampled token
  double seconds = 0;               // the whole call
};

// Generates for every request on the model's device, in the model's dtype, under NoGradGuard with
// the model in eval mode (its train/eval mode is restored). Rows with the same prompt are
// prefilled once (their KV cache rows are copies), as the G rollouts of an RL group. Results are in request order. Greedy
// results do not depend on the batch (up to float rounding): the same prompt alone or with others
// gives the same tokens. Sampling is reproducible for the same requests and seed.
// Throws Error for an empty prompt, a token outside the vocabulary, or a constrained row whose
// max_new_tokens is below the constraint's max_length().
std::vector<GenerationResult> generate(Qwen3LmImpl& model, const std::vector<GenerationRequest>& requests,
                                       const GenerationOptions& options, GenerationStats* stats = nullptr);
// The same for plain prompts (no constraints, shared limits).
std::vector<GenerationResult> generate(Qwen3LmImpl& model, const std::vector<std::vector<int64_t>>& prompts,
                                       const GenerationOptions& options, GenerationStats* stats = nullptr);

}  // namespace gr2::lm
