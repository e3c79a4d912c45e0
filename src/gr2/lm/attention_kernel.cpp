// grouped_attention: fused SDPA on LibTorch 2.x, explicit matmul-softmax on 1.13.
#include "gr2/lm/attention_kernel.h"

#include <cmath>

#include <torch/torch.h>

namespace gr2::lm {

torch::Tensor grouped_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                const torch::Tensor& allowed, bool causal) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), Dh = q.size(3);
  const int64_t Hkv = k.size(1), S = k.size(2), G = H / Hkv;
  const double scale = 1.0 / std::sqrt(static_cast<double>(Dh));
#if TORCH_VERSION_MAJOR >= 2
  torch::Tensor kk = k, vv = v;
  if (G > 1) {  // [B, Hkv, S, Dh] -> [B, H, S, Dh]
    kk = k.unsqueeze(2).expand({B, Hkv, G, S, Dh}).reshape({B, H, S, Dh});
    vv = v.unsqueeze(2).expand({B, Hkv, G, S, Dh}).reshape({B, H, S, Dh});
  }
  if (!allowed.defined() && T == S)
    return at::scaled_dot_product_attention(q, kk, vv, {}, 0.0, /*is_causal=*/true, scale);
  torch::Tensor mask = allowed;
  if (!mask.defined()) {  // SDPA's is_causal aligns the mask top-left; cached keys need bottom-right
    mask = torch::ones({T, S}, torch::TensorOptions().dtype(torch::kBool).device(q.device())).tril(S - T);
    mask = mask.view({1, 1, T, S});
  }
  (void)causal;  // an undefined mask means causal
  return at::scaled_dot_product_attention(q, kk, vv, mask, 0.0, false, scale);
#else
  (void)causal;  // an undefined mask already means causal here
  // Group query heads by their kv head so k and v broadcast instead of being copied G times.
  auto qg = q.view({B, Hkv, G, T, Dh});                                        // [B, Hkv, G, T, Dh]
  auto scores = torch::matmul(qg, k.unsqueeze(2).transpose(-1, -2)) * scale;  // [B, Hkv, G, T, S]
  torch::Tensor mask = allowed;
  if (!mask.defined()) {
    mask = torch::ones({T, S}, torch::TensorOptions().dtype(torch::kBool).device(q.device())).tril(S - T);
    mask = mask.view({1, 1, T, S});
  }
  scores = scores.masked_fill(mask.logical_not().unsqueeze(1), -std::numeric_limits<float>::infinity());
  auto probs = torch::softmax(scores, -1, torch::kFloat).to(q.scalar_type());
  return torch::matmul(probs, v.unsqueeze(2)).view({B, H, T, Dh});
#endif
}

}  // namespace gr2::lm
