// The DAPO policy-gradient loss: PPO-style token ratios with decoupled clipping, token-level
// normalisation over the whole batch, and an optional KL penalty to a reference policy.
#pragma once

#include <torch/types.h>

namespace gr2::train::rl {

struct DapoLossOptions {
  double eps_low = 0.2;    // ratio floor 1 - eps_low (for negative advantages)
  double eps_high = 0.28;  // ratio ceiling 1 + eps_high (for positive advantages; DAPO's "clip-higher")
  double kl_coef = 0.0;    // weight of the k3 KL estimate to the reference policy (0 = none)
};

struct DapoLossStats {
  double clip_fraction = 0;  // share of tokens whose ratio was clipped (the min picked the clipped term)
  double ratio_mean = 0;
  double kl = 0;             // mean per-token k3 KL to the reference (0 without one)
};

// All inputs are [N], one entry per generated token of the batch (N = total response tokens):
//   new_logp: log pi_theta(token) (requires grad); old_logp: log pi_old(token) at rollout time;
//   advantages: the token's sequence advantage; ref_logp: log pi_ref(token) or undefined.
// loss = -( sum_i min(r_i A_i, clip(r_i, 1 - eps_low, 1 + eps_high) A_i)
//          - kl_coef * sum_i k3_i ) / token_count,
// with r_i = exp(new_logp_i - old_logp_i) and k3_i = exp(ref - new) - (ref - new) - 1.
// `token_count` is the number of response tokens of the whole rollout batch (minibatches share it).
torch::Tensor dapo_loss(const torch::Tensor& new_logp, const torch::Tensor& old_logp, const torch::Tensor& advantages,
                        const torch::Tensor& ref_logp, double token_count, const DapoLossOptions& options,
                        DapoLossStats* stats = nullptr);

}  // namespace gr2::train::rl
