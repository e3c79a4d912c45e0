// Weighted token cross-entropy and the model's loss on a batch.
#include "gr2/train/token_loss.h"

#include <torch/torch.h>

#include <limits>

namespace gr2::train {

torch::Tensor weighted_cross_entropy_sum(const torch::Tensor& logits, const torch::Tensor& targets,
                                         const torch::Tensor& weights) {
  namespace F = torch::nn::functional;
  auto ce = F::cross_entropy(logits.to(torch::kFloat), targets,
                             F::CrossEntropyFuncOptions().ignore_index(kNoTarget).reduction(torch::kNone));  // [N]
  return (ce * weights.to(torch::kFloat)).sum();
}

namespace {

// log softmax over the allowed ids of each row: [C, A] float32, 0 on padding (-1 in allowed).
torch::Tensor allowed_log_softmax(const torch::Tensor& logits, const torch::Tensor& allowed) {
  const auto invalid = allowed.lt(0);                                                  // [C, A]
  auto gathered = logits.to(torch::kFloat).gather(1, allowed.clamp_min(0));           // [C, A]
  gathered = gathered.masked_fill(invalid, -std::numeric_limits<float>::infinity());
  return gathered.log_softmax(1).masked_fill(invalid, 0.0);  // no -inf left to meet a 0 weight
}

}  // namespace

torch::Tensor choice_cross_entropy_sum(const torch::Tensor& logits, const torch::Tensor& allowed,
                                       const torch::Tensor& targets, const torch::Tensor& weights) {
  const auto log_p = allowed_log_softmax(logits, allowed);
  const auto hit = allowed.eq(targets.unsqueeze(1)).logical_and(allowed.ge(0));       // one per row
  const auto nll = -log_p.masked_fill(hit.logical_not(), 0.0).sum(1);                 // [C]
  return (nll * weights.to(torch::kFloat)).sum();
}

torch::Tensor soft_choice_cross_entropy_sum(const torch::Tensor& logits, const torch::Tensor& allowed,
                                            const torch::Tensor& target_probs, const torch::Tensor& weights) {
  const auto ce = -(target_probs.to(torch::kFloat) * allowed_log_softmax(logits, allowed)).sum(1);  // [C]
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
  const auto logits = model->logits(flat_h);  // [P, V]
  auto loss = weighted_cross_entropy_sum(logits, flat_t, flat_w);
  if (!batch.choices.defined()) return loss;
  const int64_t A = batch.choices.size(-1);
  auto choice_w = batch.choice_weights.reshape({-1});
  auto allowed = batch.choices.reshape({-1, A});
  torch::Tensor probs = batch.choice_targets.defined() ? batch.choice_targets.reshape({-1, A}) : torch::Tensor();
  if (rows.size(0) < n) {
    choice_w = choice_w.index_select(0, rows);
    allowed = allowed.index_select(0, rows);
    if (probs.defined()) probs = probs.index_select(0, rows);
  }
  const auto at = choice_w.gt(0).nonzero().squeeze(1);  // [C] indices into the P target positions
  if (at.size(0) == 0) return loss;
  if (probs.defined())
    return loss + soft_choice_cross_entropy_sum(logits.index_select(0, at), allowed.index_select(0, at),
                                                probs.index_select(0, at), choice_w.index_select(0, at));
  return loss + choice_cross_entropy_sum(logits.index_select(0, at), allowed.index_select(0, at),
                                         flat_t.index_select(0, at), choice_w.index_select(0, at));
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
