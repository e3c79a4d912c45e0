// The shared item encoder and the network factory.
#include "gr2/rank/legacy/reranker_net.h"

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/rank/legacy/din.h"
#include "gr2/rank/legacy/prm.h"

namespace gr2::legacy {

ItemEncoderImpl::ItemEncoderImpl(const FeatureVocab& vocab, int64_t dim) : dim_(dim) {
  item_ = register_module("item", torch::nn::Embedding(torch::nn::EmbeddingOptions(vocab.num_items() + 1, dim).padding_idx(0)));
  brand_ = register_module("brand", torch::nn::Embedding(torch::nn::EmbeddingOptions(vocab.num_brands() + 1, dim).padding_idx(0)));
  category_ = register_module("category",
                              torch::nn::Embedding(torch::nn::EmbeddingOptions(vocab.num_categories() + 1, dim).padding_idx(0)));
  brand_of_ = register_buffer("brand_of", vocab.brand_table());
  category_of_ = register_buffer("category_of", vocab.category_table());
  torch::NoGradGuard no_grad;
  for (auto* e : {&item_, &brand_, &category_}) {
    torch::nn::init::normal_((*e)->weight, 0.0, 0.05);
    (*e)->weight[0].zero_();
  }
}

torch::Tensor ItemEncoderImpl::forward(const torch::Tensor& items) {
  auto flat = items.reshape({-1});
  auto b = brand_of_.index_select(0, flat).view(items.sizes());
  auto c = category_of_.index_select(0, flat).view(items.sizes());
  return torch::cat({item_->forward(items), brand_->forward(b), category_->forward(c)}, -1);
}

std::shared_ptr<RerankerNet> make_reranker(const std::string& kind, const LegacyConfig& config, const FeatureVocab& vocab) {
  if (kind == "din") return std::make_shared<Din>(config, vocab);
  if (kind == "prm") return std::make_shared<Prm>(config, vocab);
  throw Error("unknown baseline kind '" + kind + "' (expected din or prm)");
}

torch::Tensor masked_mean(const torch::Tensor& h, const torch::Tensor& mask) {
  auto m = mask.unsqueeze(-1).to(h.dtype());                  // [S, H, 1]
  return (h * m).sum(1) / m.sum(1).clamp_min(1.0);            // [S, F]
}

}  // namespace gr2::legacy
