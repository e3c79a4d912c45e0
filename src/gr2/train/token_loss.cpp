// Weighted token cross-entropy and the model's loss on a batch.
#include "gr2/train/token_loss.h"

#include <torch/torch.h>

namespace gr2::train {

torch::Tensor weighted_cross_entropy_sum(const torch::Tensor& logits, const torch::Tensor& targets,
                                         const torch::Tensor& weights) {
  namespace F = torch::nn::functional;
  auto ce = F::cross_entropy(logits.to(torch::kFloat), targets,
                             F::CrossEntropyFuncOptions().ignore_index(kNoTarget).reduction(torch::kNone));  // [N]
  return (ce * weights.to(torch::kFloat)).sum();
}

torch::Tensor lm_loss_sum(lm::Qwen3Lm& model, const LmBatch& batch) {
  lm::ForwardInput in;
  in.input_ids = batch.input_ids;
  auto hidden = model->forward_hidden(in);  // [B, T, D]
  const int64_t D = hidden.size(-1);
  auto flat_h = hidden.reshape({-1, D});    // [B*T, D]
  auto flat_t = batch.targets.reshape({-1});
  auto flat_w = batch.weights.reshape({-1});
  const int64_t n = flat_t.size(0);
  auto rows = flat_t.ne(kNoTarget).nonzero().squeeze(1);  // [P]
  if (rows.size(0) < n) {
    flat_h = flat_h.index_select(0, rows);
    flat_t = flat_t.index_select(0, rows);
    flat_w = flat_w.index_select(0, rows);
  }
  return weighted_cross_entropy_sum(model->logits(flat_h), flat_t, flat_w);
}

}  // namespace gr2::train
