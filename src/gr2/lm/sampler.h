// Choosing the next token of each row from its logits: greedy, or sampling with temperature, top-k
// and top-p (nucleus), seeded. Masks (constraints) are applied to the logits before; the sampler
// never picks a token whose logit is -inf.
#pragma once

#include <cstdint>

#include <ATen/core/Generator.h>
#include <torch/types.h>

namespace gr2::lm {

struct SamplingOptions {
  double temperature = 0.0;  // 0 = greedy (argmax); > 0 divides the logits before sampling; below
                             // kGreedyBelow also greedy (dividing by it would overflow float logits)
  int64_t top_k = 0;         // keep only the k most likely tokens (0 = off)
  double top_p = 1.0;        // keep the smallest set of most likely tokens with mass >= top_p (1 = off)
  uint64_t seed = 0;         // seeds the sampler's own generator (the global RNG is not used)

  // vLLM's convention: temperatures under 1e-5 decode greedily.
  static constexpr double kGreedyBelow = 1e-5;
  bool greedy() const { return temperature < kGreedyBelow; }
  // Throws Error naming the field (negative temperature or top_k, top_p outside (0, 1]).
  void validate() const;
};

// The chosen tokens and their log-probabilities.
struct SampledTokens {
  torch::Tensor tokens;     // [B] int64, on the logits' device
  torch::Tensor log_probs;  // [B] float32: log-prob of the token under the distribution sampled from
                            // (temperature, top-k, top-p applied and renormalised); for greedy, under
                            // softmax of the (masked) logits, i.e. the model's own probability.
};

// One sampler per generation call: its generator advances with every draw, so the same seed and the
// same sequence of calls give the same tokens. On CPU it draws from a CPU generator; on CUDA from a
// clone of the device's default CUDA generator reseeded with `seed` (sampling stays on the GPU, no
// [B, V] transfer; CPU and CUDA streams differ, each is reproducible on its own device).
// Log-probabilities [B, V] (float32) of the distribution Sampler::sample draws from for `logits`
// [B, V] (already masked: -inf = forbidden): greedy -> log_softmax(logits); otherwise logits /
// temperature, then top-k and top-p (nucleus, as in sample) with the rest at -inf, renormalised.
// Differentiable w.r.t. logits (the top-k/top-p selection itself is not): RL takes its importance
// ratios under exactly this distribution.
torch::Tensor sampling_log_probs(const torch::Tensor& logits, const SamplingOptions& options);

class Sampler {
 public:
  Sampler(const SamplingOptions& options, torch::Device device);

  // logits: [B, V] (any floating dtype; -inf = forbidden). Every row needs at least one finite logit.
  SampledTokens sample(const torch::Tensor& logits);

  const SamplingOptions& options() const { return options_; }

 private:
  SamplingOptions options_;
  at::Generator generator_;
};

}  // namespace gr2::lm
