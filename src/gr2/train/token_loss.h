// The training loss of a language model on an LmBatch: weighted token cross-entropy.
//
//   loss = sum_t w_t * CE(logits_t, target_t) / normaliser
//
// The sums run over every position with a target, across all micro-batches of one optimizer step;
// the trainer divides by the step's total weight (LossNorm::WeightSum: a weighted mean per token,
// so 2 micro-batches of B/2 rows give the gradient of one batch of B rows) or by 1 (LossNorm::Sum,
// for objectives whose weights already carry their normalisation, e.g. RL's per-sequence advantages).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "gr2/lm/qwen3_model.h"
#include "gr2/train/lm_batch.h"

namespace gr2::train {

enum class LossNorm { WeightSum, Sum };

// sum_i weights[i] * CE(logits[i], targets[i]) as a float32 scalar. logits [N, V] (any floating
// dtype, computed in float32), targets [N] int64 (kNoTarget contributes 0), weights [N] float32.
torch::Tensor weighted_cross_entropy_sum(const torch::Tensor& logits, const torch::Tensor& targets,
                                         const torch::Tensor& weights);

// The choice loss: sum_i weights[i] * -log softmax(logits[i] restricted to allowed[i])[target[i]],
// the cross-entropy of the distribution constrained decoding samples from (a softmax over the
// tokens the answer's constraint allows at that step), as a float32 scalar. logits [C, V],
// allowed [C, A] int64 (-1 = padding; each row holds targets[i] and at least one id), targets [C],
// weights [C] float32. A forced step (one allowed id) contributes 0.
torch::Tensor choice_cross_entropy_sum(const torch::Tensor& logits, const torch::Tensor& allowed,
                                       const torch::Tensor& targets, const torch::Tensor& weights);

// The choice loss against soft targets: sum_i weights[i] * -sum_a target_probs[i, a] * log
// softmax(logits[i] restricted to allowed[i])[a] (a distillation cross-entropy, Hinton et al. 2015,
// over the tokens constrained decoding allows). allowed as above; target_probs [C, A] float32, 0 on
// padding, each row summing to 1. With one-hot rows it equals choice_cross_entropy_sum.
torch::Tensor soft_choice_cross_entropy_sum(const torch::Tensor& logits, const torch::Tensor& allowed,
                                            const torch::Tensor& target_probs, const torch::Tensor& weights);

// The model's summed weighted loss on `batch` (already on the model's device): a causal forward
// pass over input_ids, logits computed only at the positions that have a target (all of them in
// pretraining, the answer span in task data), so the [B*T, V] projection is not paid for context;
// plus the choice loss where batch.choices is defined (SFT's [sft] choice_weight), against
// batch.choice_targets when that is defined.
torch::Tensor lm_loss_sum(lm::Qwen3Lm& model, const LmBatch& batch);

// Mean token loss of `model` over `examples`, collated `batch` at a time (no grad; the caller sets eval mode).
// Returns {mean loss, target tokens}.
std::pair<double, int64_t> mean_token_loss(lm::Qwen3Lm& model, const std::vector<LmExample>& examples,
                                           int64_t pad_id, int64_t max_len, int64_t batch);

}  // namespace gr2::train
