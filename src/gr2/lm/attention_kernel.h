// Scaled dot-product attention with grouped-query heads, one code path for LibTorch 1.13 (CPU,
// Debian) and 2.x (CUDA): 2.x calls the fused at::scaled_dot_product_attention, 1.13 spells out
// softmax(q k^T / sqrt(Dh)) v. Both take the same boolean mask (true = may attend).
#pragma once

#include <torch/types.h>

namespace gr2::lm {

// q: [B, H, T, Dh]; k, v: [B, Hkv, S, Dh] with H % Hkv == 0 (query head h reads kv head h / (H/Hkv)).
// allowed: [B, 1, T, S] bool, or undefined with `causal` = true for causal attention of the T newest
// positions over S >= T keys (the T queries are the last T keys: query t attends keys 0..S-T+t, as
// after a KV cache). Every query row must allow at least one key. Returns [B, H, T, Dh] in q's dtype.
torch::Tensor grouped_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                const torch::Tensor& allowed, bool causal);

}  // namespace gr2::lm
