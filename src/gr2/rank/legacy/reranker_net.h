// The networks of the legacy re-rankers: a shared sparse-ID item encoder (item, brand, category
// embeddings) and the interface both DIN and PRM implement (slate batch -> one logit per candidate).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>

#include "gr2/rank/legacy/legacy_config.h"
#include "gr2/rank/legacy/slate_features.h"

namespace gr2::legacy {

// Embeds item indices as concat(item, brand, category) embeddings: [..] -> [.., 3 * dim].
// The item -> brand / category tables are buffers built from the catalog (FeatureVocab).
class ItemEncoderImpl : public torch::nn::Module {
 public:
  ItemEncoderImpl(const FeatureVocab& vocab, int64_t dim);
  torch::Tensor forward(const torch::Tensor& items);
  int64_t out_dim() const { return 3 * dim_; }

 private:
  int64_t dim_;
  torch::nn::Embedding item_{nullptr}, brand_{nullptr}, category_{nullptr};
  torch::Tensor brand_of_, category_of_;  // [N + 1] int64 buffers
};
TORCH_MODULE(ItemEncoder);

// A re-ranker network: scores every candidate of a batch of slates.
class RerankerNet : public torch::nn::Module {
 public:
  // Returns [S, K] logits; padded candidates get -1e9.
  virtual torch::Tensor logits(const SlateBatch& batch) = 0;
  // "din" or "prm".
  virtual std::string kind() const = 0;
};

// Builds the network of `kind` ("din" or "prm"); throws Error for another kind.
std::shared_ptr<RerankerNet> make_reranker(const std::string& kind, const LegacyConfig& config, const FeatureVocab& vocab);

// Masked mean over history: h [S, H, F], mask [S, H] -> [S, F] (zeros for empty histories).
torch::Tensor masked_mean(const torch::Tensor& h, const torch::Tensor& mask);

}  // namespace gr2::legacy
