// The DAPO loss on hand-computed cases: decoupled clipping (which tokens carry gradient), token-sum
// normalisation, the clip fraction and the k3 KL penalty.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>

#include "gr2/train/rl/dapo_loss.h"

namespace gr2::train::rl {
namespace {

TEST(DapoLoss, DecoupledClippingOnHandComputedTokens) {
  // ratios 1.5, 0.5, 1.1, 0.5 with advantages +1, -1, +2, +1; eps_low 0.2, eps_high 0.28.
  auto new_logp = torch::tensor({std::log(1.5), std::log(0.5), std::log(1.1), std::log(0.5)}, torch::kDouble).requires_grad_();
  auto old_logp = torch::zeros({4}, torch::kDouble);
  auto adv = torch::tensor({1.0, -1.0, 2.0, 1.0}, torch::kDouble);
  DapoLossStats stats;
  auto loss = dapo_loss(new_logp, old_logp, adv, {}, 4.0, DapoLossOptions{}, &stats);
  // token 0: min(1.5, 1.28) = 1.28 (clipped above: no gradient)
  // token 1: min(-0.5, 0.8 * -1) = -0.8 (clipped below: no gradient)
  // token 2: 2.2 inside the band; token 3: min(0.5, 0.8) = 0.5 (a positive advantage is never clipped below)
  EXPECT_NEAR(loss.item<double>(), -(1.28 - 0.8 + 2.2 + 0.5) / 4.0, 1e-12);
  loss.backward();
  auto g = new_logp.grad();
  EXPECT_NEAR(g[0].item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(g[1].item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(g[2].item<double>(), -2.0 * 1.1 / 4.0, 1e-12);  // d(r A)/d logp = r A
  EXPECT_NEAR(g[3].item<double>(), -1.0 * 0.5 / 4.0, 1e-12);
  EXPECT_DOUBLE_EQ(stats.clip_fraction, 0.5);
  EXPECT_NEAR(stats.ratio_mean, (1.5 + 0.5 + 1.1 + 0.5) / 4.0, 1e-12);
}

TEST(DapoLoss, NormalisesByTheBatchTokenCountNotTheMinibatch) {
  auto new_logp = torch::zeros({2}, torch::kDouble).requires_grad_();
  auto adv = torch::tensor({1.0, 1.0}, torch::kDouble);
  auto a = dapo_loss(new_logp, torch::zeros({2}, torch::kDouble), adv, {}, 2.0, {});
  auto b = dapo_loss(new_logp, torch::zeros({2}, torch::kDouble), adv, {}, 10.0, {});
  EXPECT_NEAR(a.item<double>(), -1.0, 1e-12);
  EXPECT_NEAR(b.item<double>(), -0.2, 1e-12);  // same tokens, a batch of 10 tokens in all
}

TEST(DapoLoss, KlPenaltyUsesTheK3Estimate) {
  auto new_logp = torch::zeros({1}, torch::kDouble).requires_grad_();
  auto ref = torch::full({1}, std::log(2.0), torch::kDouble);
  DapoLossOptions opt;
  opt.kl_coef = 0.5;
  DapoLossStats stats;
  auto loss = dapo_loss(new_logp, torch::zeros({1}, torch::kDouble), torch::zeros({1}, torch::kDouble), ref, 1.0, opt, &stats);
  const double k3 = 2.0 - std::log(2.0) - 1.0;
  EXPECT_NEAR(loss.item<double>(), 0.5 * k3, 1e-12);
  EXPECT_NEAR(stats.kl, k3, 1e-12);
  loss.backward();
  EXPECT_NEAR(new_logp.grad()[0].item<double>(), 0.5 * (1.0 - 2.0), 1e-12);  // d k3 / d new = 1 - exp(ref - new)
}

}  // namespace
}  // namespace gr2::train::rl
