// DIN network.
#include "gr2/rank/legacy/din.h"

#include <torch/torch.h>

namespace gr2::legacy {

Din::Din(const LegacyConfig& c, const FeatureVocab& vocab) {
  encoder_ = register_module("encoder", ItemEncoder(vocab, c.dim));
  const int64_t F = encoder_->out_dim();
  attention_ = register_module("attention", torch::nn::Sequential(torch::nn::Linear(4 * F, c.att_hidden), torch::nn::PReLU(),
                                                                   torch::nn::Linear(c.att_hidden, 1)));
  position_ = register_module("position", torch::nn::Embedding(c.max_positions, 8));
  const int64_t in = 4 * F + 8 + 1;
  mlp_ = register_module("mlp", torch::nn::Sequential(torch::nn::Linear(in, c.hidden), torch::nn::PReLU(),
                                                       torch::nn::Dropout(c.dropout), torch::nn::Linear(c.hidden, c.hidden / 2),
                                                       torch::nn::PReLU(), torch::nn::Linear(c.hidden / 2, 1)));
}

torch::Tensor Din::logits(const SlateBatch& b) {
  auto t = encoder_->forward(b.cand_item);                                      // [S, K, F]
  auto h = encoder_->forward(b.hist_item);                                      // [S, H, F]
  const int64_t K = t.size(1), H = h.size(1);
  auto te = t.unsqueeze(2).expand({-1, -1, H, -1});                              // [S, K, H, F]
  auto he = h.unsqueeze(1).expand({-1, K, -1, -1});                              // [S, K, H, F]
  auto a = attention_->forward(torch::cat({he, te, he - te, he * te}, -1)).squeeze(-1);  // [S, K, H]
  auto hmask = b.hist_mask.unsqueeze(1).expand({-1, K, -1});                     // [S, K, H]
  a = torch::softmax(a.masked_fill(hmask.logical_not(), -1e9), -1) * hmask.to(a.dtype());
  auto interest = torch::matmul(a, h);                                          // [S, K, F]
  auto mean = masked_mean(h, b.hist_mask).unsqueeze(1).expand({-1, K, -1});      // [S, K, F]
  auto x = torch::cat({t, interest, t * interest, mean, position_->forward(b.position), b.score_z.unsqueeze(-1)}, -1);
  auto out = mlp_->forward(x).squeeze(-1);                                      // [S, K]
  return out.masked_fill(b.cand_mask.logical_not(), -1e9);
}

}  // namespace gr2::legacy
