// dapo_loss: clipped surrogate with decoupled bounds, token-sum normalisation.
#include "gr2/train/rl/dapo_loss.h"

#include <torch/torch.h>

namespace gr2::train::rl {

torch::Tensor dapo_loss(const torch::Tensor& new_logp, const torch::Tensor& old_logp, const torch::Tensor& advantages,
                        const torch::Tensor& ref_logp, double token_count, const DapoLossOptions& options,
                        DapoLossStats* stats) {
  const auto ratio = torch::exp(new_logp - old_logp);
  const auto unclipped = ratio * advantages;
  const auto clipped = torch::clamp(ratio, 1.0 - options.eps_low, 1.0 + options.eps_high) * advantages;
  const auto surrogate = torch::min(unclipped, clipped);
  auto loss = -surrogate.sum();
  torch::Tensor kl;
  if (options.kl_coef > 0 && ref_logp.defined()) {
    const auto delta = ref_logp - new_logp;
    kl = torch::exp(delta) - delta - 1.0;
    loss = loss + options.kl_coef * kl.sum();
  }
  loss = loss / std::max(token_count, 1.0);
  if (stats) {
    torch::NoGradGuard no_grad;
    const double n = static_cast<double>(std::max<int64_t>(ratio.numel(), 1));
    stats->clip_fraction = (clipped < unclipped).to(torch::kDouble).sum().item<double>() / n;
    stats->ratio_mean = ratio.to(torch::kDouble).sum().item<double>() / n;
    stats->kl = kl.defined() ? kl.to(torch::kDouble).sum().item<double>() / n : 0.0;
  }
  return loss;
}

}  // namespace gr2::train::rl
