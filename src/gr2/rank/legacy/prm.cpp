// PRM network.
#include "gr2/rank/legacy/prm.h"

#include <torch/torch.h>

#include <cmath>

namespace gr2::legacy {

Prm::Prm(const LegacyConfig& c, const FeatureVocab& vocab) {
  encoder_ = register_module("encoder", ItemEncoder(vocab, c.dim));
  const int64_t F = encoder_->out_dim();
  query_ = register_module("query", torch::nn::Linear(F, F));
  input_ = register_module("input", torch::nn::Linear(3 * F + 1, c.prm_dim));
  position_ = register_module("position", torch::nn::Embedding(c.max_positions, c.prm_dim));
  auto layer = torch::nn::TransformerEncoderLayerOptions(c.prm_dim, c.prm_heads).dim_feedforward(2 * c.prm_dim).dropout(c.dropout);
  encoder_stack_ = register_module("transformer", torch::nn::TransformerEncoder(
                                                      torch::nn::TransformerEncoderOptions(layer, c.prm_layers)));
  output_ = register_module("output", torch::nn::Linear(c.prm_dim, 1));
}

torch::Tensor Prm::logits(const SlateBatch& b) {
  auto t = encoder_->forward(b.cand_item);                                      // [S, K, F]
  auto h = encoder_->forward(b.hist_item);                                      // [S, H, F]
  const int64_t F = t.size(2), K = t.size(1);
  auto a = torch::matmul(query_->forward(t), h.transpose(1, 2)) / std::sqrt(static_cast<double>(F));  // [S, K, H]
  auto hmask = b.hist_mask.unsqueeze(1).expand({-1, K, -1});
  a = torch::softmax(a.masked_fill(hmask.logical_not(), -1e9), -1) * hmask.to(a.dtype());
  auto personal = torch::matmul(a, h);                                          // [S, K, F]
  auto x = input_->forward(torch::cat({t, personal, t * personal, b.score_z.unsqueeze(-1)}, -1)) +
           position_->forward(b.position);                                      // [S, K, d]
  // LibTorch's encoder wants [K, S, d]; padded candidates are masked as keys.
  auto y = encoder_stack_->forward(x.transpose(0, 1), {}, b.cand_mask.logical_not()).transpose(0, 1);  // [S, K, d]
  auto out = output_->forward(y).squeeze(-1);                                   // [S, K]
  return out.masked_fill(b.cand_mask.logical_not(), -1e9);
}

}  // namespace gr2::legacy
