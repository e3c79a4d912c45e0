// answer_log_probs: one forward pass (a row per answer, or a row per group of answers sharing a
// prompt), logits at the choice positions, replayed masks, sampler's distribution.
#include "gr2/train/rl/rollout_log_probs.h"

#include <torch/torch.h>

#include <algorithm>

#include "gr2/core/error.h"
#include "gr2/lm/constraint_mask.h"
#include "gr2/lm/segment_mask.h"

namespace gr2::train::rl {

int64_t ScoredAnswer::choice_count() const {
  int64_t n = 0;
  for (size_t t = 0; t < tokens->size(); ++t) n += is_choice(t);
  return n;
}

namespace {

// The rows of one forward pass and where each choice token is predicted.
struct Rows {
  std::vector<std::vector<int64_t>> ids, positions, segments;  // per row (unpadded)
  std::vector<int64_t> row_index, pos_index, targets;          // [N] per choice token
  std::vector<const lm::LogitConstraint*> masks;               // [N], nullptr = unconstrained

  // Appends answer `a` to row `r` as segment `segment`: its tokens at rotary positions P, P+1, ...
  // after the row's prompt of length P; the prompt's last slot predicts its first token.
  void add_answer(size_t r, const ScoredAnswer& a, int64_t segment) {
    const int64_t p = static_cast<int64_t>(a.prompt->size());
    const int64_t start = static_cast<int64_t>(ids[r].size());
    for (size_t t = 0; t < a.tokens->size(); ++t) {
      if (a.is_choice(t)) {
        row_index.push_back(static_cast<int64_t>(r));
        pos_index.push_back(t == 0 ? p - 1 : start + static_cast<int64_t>(t) - 1);
        targets.push_back((*a.tokens)[t]);
        masks.push_back(a.steps.empty() ? nullptr : &a.steps[t]);
      }
      ids[r].push_back((*a.tokens)[t]);
      positions[r].push_back(p + static_cast<int64_t>(t));
      segments[r].push_back(segment);
    }
  }
  // Starts a row with `a`'s prompt (segment 0).
  size_t add_prompt(const ScoredAnswer& a) {
    ids.emplace_back(a.prompt->begin(), a.prompt->end());
    positions.emplace_back();
    for (size_t t = 0; t < a.prompt->size(); ++t) positions.back().push_back(static_cast<int64_t>(t));
    segments.emplace_back(a.prompt->size(), 0);
    return ids.size() - 1;
  }
  // [rows, longest] right-padded with `fill`.
  static torch::Tensor padded(const std::vector<std::vector<int64_t>>& rows, int64_t fill) {
    size_t longest = 0;
    for (const auto& r : rows) longest = std::max(longest, r.size());
    std::vector<int64_t> flat(rows.size() * longest, fill);
    for (size_t i = 0; i < rows.size(); ++i) std::copy(rows[i].begin(), rows[i].end(), flat.begin() + i * longest);
    return torch::tensor(flat, torch::kLong).view({static_cast<int64_t>(rows.size()), static_cast<int64_t>(longest)});
  }
};

}  // namespace

AnswerLogProbs answer_log_probs(lm::Qwen3Lm& model, const std::vector<ScoredAnswer>& answers, size_t begin, size_t end,
                                int64_t pad_id, const lm::SamplingOptions& sampling, bool want_entropy,
                                bool share_prompts) {
  const auto device = model->parameters().front().device();
  Rows rows;
  for (size_t i = begin; i < end; ++i) {
    const ScoredAnswer& a = answers[i];
    check_internal(a.steps.empty() || a.steps.size() == a.tokens->size(),
                   "answer_log_probs: " + std::to_string(a.steps.size()) + " recorded steps for " +
                       std::to_string(a.tokens->size()) + " tokens");
    const bool same_prompt = share_prompts && i > begin && *answers[i - 1].prompt == *a.prompt;
    const size_t r = same_prompt ? rows.ids.size() - 1 : rows.add_prompt(a);
    rows.add_answer(r, a, same_prompt ? rows.segments[r].back() + 1 : 1);
  }
  AnswerLogProbs out;
  if (rows.targets.empty()) {
    out.log_probs = torch::zeros({0}, torch::TensorOptions().dtype(torch::kFloat).device(device));
    if (want_entropy) out.entropy = out.log_probs.clone();
    return out;
  }
  lm::ForwardInput input(Rows::padded(rows.ids, pad_id).to(device));
  if (share_prompts) {  // right padding alone needs no mask; packed answers do
    input.positions = Rows::padded(rows.positions, 0).to(device);
    input.attention_allowed = lm::segment_attention_mask(Rows::padded(rows.segments, -1).to(device));
  }
  auto hidden = model->forward_hidden(input);  // [rows, longest, D]
  auto selected = hidden.index({torch::tensor(rows.row_index, torch::kLong).to(device),
                                torch::tensor(rows.pos_index, torch::kLong).to(device)});  // [N, D]
  auto logits = model->logits(selected).to(torch::kFloat);                                  // [N, V]
  // The mask as an additive 0 / -inf tensor (no gradient flows into it).
  auto mask = torch::zeros_like(logits, torch::TensorOptions().requires_grad(false));
  lm::mask_logits(mask, rows.masks);
  auto logp_all = lm::sampling_log_probs(logits + mask, sampling);  // [N, V]
  out.log_probs = logp_all.gather(1, torch::tensor(rows.targets, torch::kLong).to(device).unsqueeze(1)).squeeze(1);
  if (want_entropy) {
    torch::NoGradGuard no_grad;
    auto finite = torch::isfinite(logp_all);
    out.entropy = -torch::where(finite, logp_all.exp() * logp_all, torch::zeros_like(logp_all)).sum(-1);
  }
  return out;
}

}  // namespace gr2::train::rl
