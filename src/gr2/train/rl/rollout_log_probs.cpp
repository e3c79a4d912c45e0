// answer_log_probs: one forward pass, logits at the choice positions, replayed masks, sampler's
// distribution.
#include "gr2/train/rl/rollout_log_probs.h"

#include <torch/torch.h>

#include <algorithm>

#include "gr2/core/error.h"
#include "gr2/lm/constraint_mask.h"

namespace gr2::train::rl {

int64_t ScoredAnswer::choice_count() const {
  int64_t n = 0;
  for (size_t t = 0; t < tokens->size(); ++t) n += is_choice(t);
  return n;
}

AnswerLogProbs answer_log_probs(lm::Qwen3Lm& model, const std::vector<ScoredAnswer>& answers, size_t begin, size_t end,
                                int64_t pad_id, const lm::SamplingOptions& sampling, bool want_entropy) {
  const auto device = model->parameters().front().device();
  int64_t longest = 0;
  for (size_t i = begin; i < end; ++i) {
    const ScoredAnswer& a = answers[i];
    check_internal(a.steps.empty() || a.steps.size() == a.tokens->size(),
                   "answer_log_probs: " + std::to_string(a.steps.size()) + " recorded steps for " +
                       std::to_string(a.tokens->size()) + " tokens");
    longest = std::max<int64_t>(longest, static_cast<int64_t>(a.prompt->size() + a.tokens->size()));
  }
  const int64_t rows = static_cast<int64_t>(end - begin);
  std::vector<int64_t> ids(static_cast<size_t>(rows * longest), pad_id);
  std::vector<int64_t> row_index, pos_index, targets;
  std::vector<const lm::LogitConstraint*> masks;  // [N], nullptr = unconstrained
  for (int64_t r = 0; r < rows; ++r) {
    const ScoredAnswer& a = answers[begin + static_cast<size_t>(r)];
    const int64_t p = static_cast<int64_t>(a.prompt->size());
    std::copy(a.prompt->begin(), a.prompt->end(), ids.begin() + r * longest);
    std::copy(a.tokens->begin(), a.tokens->end(), ids.begin() + r * longest + p);
    for (size_t t = 0; t < a.tokens->size(); ++t) {
      if (!a.is_choice(t)) continue;
      row_index.push_back(r);
      pos_index.push_back(p - 1 + static_cast<int64_t>(t));  // the position that predicts token t
      targets.push_back((*a.tokens)[t]);
      masks.push_back(a.steps.empty() ? nullptr : &a.steps[t]);
    }
  }
  AnswerLogProbs out;
  if (targets.empty()) {
    out.log_probs = torch::zeros({0}, torch::TensorOptions().dtype(torch::kFloat).device(device));
    if (want_entropy) out.entropy = out.log_probs.clone();
    return out;
  }
  auto input = torch::tensor(ids, torch::kLong).view({rows, longest}).to(device);
  auto hidden = model->forward_hidden({input});  // [rows, longest, D] (right padding: causal mask suffices)
  auto selected = hidden.index({torch::tensor(row_index, torch::kLong).to(device),
                                torch::tensor(pos_index, torch::kLong).to(device)});  // [N, D]
  auto logits = model->logits(selected).to(torch::kFloat);                             // [N, V]
  // The mask as an additive 0 / -inf tensor (no gradient flows into it).
  auto mask = torch::zeros_like(logits, torch::TensorOptions().requires_grad(false));
  lm::mask_logits(mask, masks);
  auto logp_all = lm::sampling_log_probs(logits + mask, sampling);  // [N, V]
  out.log_probs = logp_all.gather(1, torch::tensor(targets, torch::kLong).to(device).unsqueeze(1)).squeeze(1);
  if (want_entropy) {
    torch::NoGradGuard no_grad;
    auto finite = torch::isfinite(logp_all);
    out.entropy = -torch::where(finite, logp_all.exp() * logp_all, torch::zeros_like(logp_all)).sum(-1);
  }
  return out;
}

}  // namespace gr2::train::rl
