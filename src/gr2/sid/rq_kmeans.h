// RQ-KMeans: gradient-free residual quantization. Level k's codebook is k-means (k-means++ seeding,
// Lloyd iterations) of the level-k residuals of the embeddings themselves; no encoder. A second
// tokenizer and the baseline of the RQ-VAE ablation.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "gr2/sid/sid_config.h"
#include "gr2/sid/sid_model.h"

namespace gr2::sid {

// Fits L codebooks of C codes on up to config.kmeans_sample rows of `x` [N, d] (seeded sample).
// Deterministic for config.seed.
SidModel fit_rq_kmeans(const at::Tensor& x, const SidConfig& config, const c10::Device& device);

}  // namespace gr2::sid
