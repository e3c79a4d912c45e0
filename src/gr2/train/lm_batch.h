// The unit of work of every language-model training stage: a batch of token rows with per-token
// targets and loss weights, and LmExample, the builder-side sequence it is collated from.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace gr2::train {

// Target id of a position that carries no loss (the value torch's cross-entropy ignores).
inline constexpr int64_t kNoTarget = -100;

// One optimizer step's data. Rows are padded on the right, so with causal attention a real token
// never sees padding and no attention mask is needed; padded positions have target kNoTarget and
// weight 0. weights[b, t] > 0 exactly where targets[b, t] != kNoTarget.
struct LmBatch {
  torch::Tensor input_ids;  // [B, T] int64
  torch::Tensor targets;    // [B, T] int64: the token to predict after input_ids[b, :t+1], or kNoTarget
  torch::Tensor weights;    // [B, T] float32: per-token loss weight (SFT may weight reasoning vs answer)
  // Optional (undefined unless some example has choice sets, LmExample::add_choice): the tokens
  // constrained decoding would allow at each target, for the choice loss (token_loss.h).
  torch::Tensor choices;         // [B, T, A] int64: allowed token ids, -1 = none (A = largest set)
  torch::Tensor choice_weights;  // [B, T] float32: weight of the choice loss at each target (0 = none)
  // Optional (undefined unless some choice set has soft targets, LmExample::ChoiceSet::target):
  // the target distribution over choices[b, t, :] (one-hot on targets[b, t] for hard sets, 0 on
  // padding); the choice loss is then the cross-entropy against it (token_loss.h).
  torch::Tensor choice_targets;  // [B, T, A] float32

  int64_t rows() const { return input_ids.size(0); }
  // Rows [begin, end), with trailing columns that hold no target in any of them dropped (a
  // micro-batch of short rows then costs only its own length). Views where possible.
  LmBatch slice_rows(int64_t begin, int64_t end) const;
  LmBatch to(const torch::Device& device) const;
  // Positions that carry a loss, and the sum of their weights.
  int64_t target_count() const;
  double weight_sum() const;
};

// A token sequence with a loss weight per token: weights[i] is the weight of predicting tokens[i]
// from tokens[0..i) (weights[0] is never used). Built span by span: context spans weigh 0.
struct LmExample {
  // The tokens constrained decoding allows when tokens[index] is chosen (tokens[index] among them),
  // the weight of the choice loss there and, optionally, a soft target: probabilities over
  // `allowed` (same size, non-negative, summing to 1; e.g. a teacher's distribution). Empty target =
  // one-hot on tokens[index].
  struct ChoiceSet {
    int64_t index = 0;
    std::vector<int64_t> allowed;
    float weight = 0;
    std::vector<float> target;
  };
  std::vector<int64_t> tokens;
  std::vector<float> weights;
  std::vector<ChoiceSet> choices;  // sorted by index; each index must carry a token weight > 0

  void add(const std::vector<int64_t>& span, float weight);
  void add(int64_t token, float weight);
  // Marks tokens[index] (already added) as a choice among `allowed`, with an optional soft `target`
  // (see ChoiceSet). Throws Error::internal when the token is not in `allowed`, index is out of
  // range, or `target` is not empty and not a distribution of allowed.size() entries.
  void add_choice(int64_t index, std::vector<int64_t> allowed, float weight, std::vector<float> target = {});
  int64_t size() const { return static_cast<int64_t>(tokens.size()); }
  // Sum of weights[1..]: the loss-bearing tokens.
  double target_weight() const;
};

// Collates examples into one LmBatch: inputs tokens[0..n-1), targets tokens[1..n) where the weight
// is > 0 (else kNoTarget). An example longer than max_len + 1 tokens keeps its last max_len + 1
// (the target sits at the end; choice sets that fall off the front are dropped). Rows are
// right-padded with `pad_id` to the longest row. Every example needs >= 2 tokens (Error otherwise).
LmBatch collate(const std::vector<LmExample>& examples, int64_t pad_id, int64_t max_len);

}  // namespace gr2::train
