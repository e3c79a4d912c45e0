// DIN (Deep Interest Network, Zhou et al. 2018) as a pointwise re-ranker: each candidate's logit
// from its sparse-ID embedding, a target attention over the user's history (the DIN activation
// unit over [h, t, h - t, h * t]), the mean history, its incoming position and its standardised
// upstream score. Trained with BCE on label > 0.
#pragma once

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/embedding.h>

#include "gr2/rank/legacy/reranker_net.h"

namespace gr2::legacy {

class Din : public RerankerNet {
 public:
  Din(const LegacyConfig& config, const FeatureVocab& vocab);
  torch::Tensor logits(const SlateBatch& batch) override;  // [S, K]
  std::string kind() const override { return "din"; }

 private:
  ItemEncoder encoder_{nullptr};
  torch::nn::Sequential attention_{nullptr};  // [.., 4F] -> [.., 1]
  torch::nn::Embedding position_{nullptr};    // [max_positions, 8]
  torch::nn::Sequential mlp_{nullptr};        // features -> [.., 1]
};

}  // namespace gr2::legacy
