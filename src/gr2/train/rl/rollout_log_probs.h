// The log-probabilities RL's importance ratios are taken on: each answer token under the distribution
// it was sampled from — the constraint's mask at that step (replayed, lm/constraint_replay.h), then
// the sampling temperature and top-k/top-p (lm/sampler.h: sampling_log_probs). Only tokens where
// the model had a choice count: a forced token (one allowed id: the rest of an SID after its first
// code, <|sid_end|>, a capped </think>, <|im_end|>) has probability 1 under the sampler, so it
// carries no gradient and no share of the DAPO token normaliser.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "gr2/lm/constraint_replay.h"
#include "gr2/lm/qwen3_model.h"
#include "gr2/lm/sampler.h"

namespace gr2::train::rl {

// One sampled answer as the RL loss sees it. `prompt` and `tokens` must outlive it.
struct ScoredAnswer {
  const std::vector<int64_t>* prompt = nullptr;
  const std::vector<int64_t>* tokens = nullptr;  // the generated answer
  std::vector<lm::RecordedStep> steps;           // [tokens->size()] allowed sets; empty = unconstrained
  double advantage = 0;                          // the answer's group-normalised advantage

  // True when tokens[t] was a choice (more than one token allowed).
  bool is_choice(size_t t) const { return steps.empty() || !steps[t].forced(); }
  // Tokens that were choices.
  int64_t choice_count() const;
};

struct AnswerLogProbs {
  torch::Tensor log_probs;  // [N] float32, N = choice tokens of the answers, answer-major
  torch::Tensor entropy;    // [N] entropy (nats) of each choice's sampling distribution, or undefined
};

// log pi(token) for every choice token of answers[begin, end) under `model`, one forward pass over
// right-padded rows (the prompt's last position predicts the first answer token). With
// `share_prompts`, consecutive answers with equal prompts (a rollout group) share one row: the
// prompt once, then each answer, under a segment mask (lm/segment_mask.h) that keeps the answers
// apart — the same log-probs and gradients as a row per answer (up to float summation order), for
// about (P + G*A) / (G*(P + A)) of the tokens. Without it, one causal row per answer.
// Differentiable w.r.t. the model unless called under NoGradGuard. Throws Error::internal when steps
// and tokens disagree in length.
AnswerLogProbs answer_log_probs(lm::Qwen3Lm& model, const std::vector<ScoredAnswer>& answers, size_t begin, size_t end,
                                int64_t pad_id, const lm::SamplingOptions& sampling, bool want_entropy,
                                bool share_prompts = true);

}  // namespace gr2::train::rl
