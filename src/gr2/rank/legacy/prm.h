// PRM (Personalized Re-ranking Model, Pei et al. 2019) as a listwise re-ranker: each candidate's
// input = its sparse-ID embedding, a personalised vector (attention of the candidate over the
// user's history), their product and the standardised upstream score, projected and added to a
// learned embedding of its incoming position; a transformer encoder over the slate (every
// candidate sees every other) gives one logit per candidate. Trained with softmax cross-entropy
// over the slate (targets proportional to 2^label - 1).
#pragma once

#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/transformer.h>

#include "gr2/rank/legacy/reranker_net.h"

namespace gr2::legacy {

class Prm : public RerankerNet {
 public:
  Prm(const LegacyConfig& config, const FeatureVocab& vocab);
  torch::Tensor logits(const SlateBatch& batch) override;  // [S, K]
  std::string kind() const override { return "prm"; }

 private:
  ItemEncoder encoder_{nullptr};
  torch::nn::Linear query_{nullptr};          // F -> F, for the history attention
  torch::nn::Linear input_{nullptr};          // 3F + 1 -> d
  torch::nn::Embedding position_{nullptr};    // [max_positions, d]
  torch::nn::TransformerEncoder encoder_stack_{nullptr};
  torch::nn::Linear output_{nullptr};         // d -> 1
};

}  // namespace gr2::legacy
