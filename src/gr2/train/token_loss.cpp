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

std::pair<double, int64_t> mean_token_loss(lm::Qwen3Lm& model, const std::vector<LmExample>& examples, int64_t pad_id,
                                           int64_t max_len, int64_t batch) {
  torch::NoGradGuard no_grad;
  const auto device = model->parameters().front().device();
  double sum = 0;
  int64_t count = 0;
  for (size_t i = 0; i < examples.size(); i += static_cast<size_t>(batch)) {
    const size_t end = std::min(examples.size(), i + static_cast<size_t>(batch));
    std::vector<LmExample> part(examples.begin() + static_cast<std::ptrdiff_t>(i),
                                examples.begin() + static_cast<std::ptrdiff_t>(end));
    const LmBatch b = collate(part, pad_id, max_len).to(device);
    sum += lm_loss_sum(model, b).item<double>();
    count += b.target_count();
  }
  return {count > 0 ? sum / static_cast<double>(count) : 0.0, count};
}

}  // namespace gr2::train
