// LmBatch slicing and collation of LmExamples.
#include "gr2/train/lm_batch.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "gr2/core/error.h"

namespace gr2::train {

LmBatch LmBatch::slice_rows(int64_t begin, int64_t end) const {
  LmBatch out;
  out.input_ids = input_ids.slice(0, begin, end);
  out.targets = targets.slice(0, begin, end);
  out.weights = weights.slice(0, begin, end);
  if (choices.defined()) {
    out.choices = choices.slice(0, begin, end);
    out.choice_weights = choice_weights.slice(0, begin, end);
  }
  if (choice_targets.defined()) out.choice_targets = choice_targets.slice(0, begin, end);
  // Trim trailing columns without a target in these rows.
  auto has_target = out.targets.ne(kNoTarget).any(0);  // [T]
  const int64_t T = has_target.size(0);
  auto idx = has_target.nonzero();
  const int64_t keep = idx.numel() == 0 ? 1 : idx.max().item<int64_t>() + 1;
  if (keep < T) {
    out.input_ids = out.input_ids.narrow(1, 0, keep);
    out.targets = out.targets.narrow(1, 0, keep);
    out.weights = out.weights.narrow(1, 0, keep);
    if (out.choices.defined()) {
      out.choices = out.choices.narrow(1, 0, keep);
      out.choice_weights = out.choice_weights.narrow(1, 0, keep);
    }
    if (out.choice_targets.defined()) out.choice_targets = out.choice_targets.narrow(1, 0, keep);
  }
  return out;
}

LmBatch LmBatch::to(const torch::Device& device) const {
  if (input_ids.device() == device) return *this;
  LmBatch out;
  out.input_ids = input_ids.to(device);
  out.targets = targets.to(device);
  out.weights = weights.to(device);
  if (choices.defined()) {
    out.choices = choices.to(device);
    out.choice_weights = choice_weights.to(device);
  }
  if (choice_targets.defined()) out.choice_targets = choice_targets.to(device);
  return out;
}

int64_t LmBatch::target_count() const { return targets.ne(kNoTarget).sum().item<int64_t>(); }

double LmBatch::weight_sum() const { return weights.sum(torch::kDouble).item<double>(); }

void LmExample::add(const std::vector<int64_t>& span, float weight) {
  tokens.insert(tokens.end(), span.begin(), span.end());
  weights.insert(weights.end(), span.size(), weight);
}

void LmExample::add(int64_t token, float weight) {
  tokens.push_back(token);
  weights.push_back(weight);
}

void LmExample::add_choice(int64_t index, std::vector<int64_t> allowed, float weight, std::vector<float> target) {
  check_internal(index >= 1 && index < size(), "LmExample::add_choice: index " + std::to_string(index) +
                                                   " outside the example's " + std::to_string(size()) + " tokens");
  check_internal(std::find(allowed.begin(), allowed.end(), tokens[static_cast<size_t>(index)]) != allowed.end(),
                 "LmExample::add_choice: the token at " + std::to_string(index) + " is not among the allowed ones");
  check_internal(choices.empty() || choices.back().index < index, "LmExample::add_choice: indices must increase");
  if (!target.empty()) {
    check_internal(target.size() == allowed.size(), "LmExample::add_choice: the soft target has " +
                                                        std::to_string(target.size()) + " entries for " +
                                                        std::to_string(allowed.size()) + " allowed tokens");
    double sum = 0;
    for (float p : target) {
      check_internal(p >= 0, "LmExample::add_choice: a negative target probability");
      sum += p;
    }
    check_internal(std::abs(sum - 1.0) < 1e-4, "LmExample::add_choice: the soft target sums to " + std::to_string(sum));
  }
  choices.push_back(ChoiceSet{index, std::move(allowed), weight, std::move(target)});
}

double LmExample::target_weight() const {
  double s = 0;
  for (size_t i = 1; i < weights.size(); ++i) s += weights[i];
  return s;
}

LmBatch collate(const std::vector<LmExample>& examples, int64_t pad_id, int64_t max_len) {
  check_internal(!examples.empty(), "collate: no examples");
  check_internal(max_len >= 1, "collate: max_len must be >= 1");
  const int64_t B = static_cast<int64_t>(examples.size());
  int64_t T = 1, A = 0;
  bool soft = false;
  for (const auto& e : examples) {
    check_internal(e.tokens.size() == e.weights.size(), "collate: tokens and weights differ in length");
    check_internal(e.size() >= 2, "collate: an example needs at least 2 tokens");
    T = std::max(T, std::min(e.size() - 1, max_len));
    for (const auto& c : e.choices) {
      A = std::max<int64_t>(A, static_cast<int64_t>(c.allowed.size()));
      soft = soft || !c.target.empty();
    }
  }
  auto ids = torch::full({B, T}, pad_id, torch::kLong);
  auto tgt = torch::full({B, T}, kNoTarget, torch::kLong);
  auto w = torch::zeros({B, T}, torch::kFloat);
  auto ids_a = ids.accessor<int64_t, 2>();
  auto tgt_a = tgt.accessor<int64_t, 2>();
  auto w_a = w.accessor<float, 2>();
  for (int64_t b = 0; b < B; ++b) {
    const auto& e = examples[static_cast<size_t>(b)];
    const int64_t n = std::min(e.size(), max_len + 1);
    const int64_t off = e.size() - n;  // keep the last n tokens
    for (int64_t t = 0; t + 1 < n; ++t) {
      ids_a[b][t] = e.tokens[static_cast<size_t>(off + t)];
      const float wt = e.weights[static_cast<size_t>(off + t + 1)];
      if (wt > 0) {
        tgt_a[b][t] = e.tokens[static_cast<size_t>(off + t + 1)];
        w_a[b][t] = wt;
      }
    }
  }
  LmBatch out;
  out.input_ids = ids;
  out.targets = tgt;
  out.weights = w;
  if (A > 0) {
    out.choices = torch::full({B, T, A}, -1, torch::kLong);
    out.choice_weights = torch::zeros({B, T}, torch::kFloat);
    auto c_a = out.choices.accessor<int64_t, 3>();
    auto cw_a = out.choice_weights.accessor<float, 2>();
    torch::Tensor probs = torch::zeros(soft ? std::vector<int64_t>{B, T, A} : std::vector<int64_t>{1, 1, 1}, torch::kFloat);
    auto p_a = probs.accessor<float, 3>();
    for (int64_t b = 0; b < B; ++b) {
      const auto& e = examples[static_cast<size_t>(b)];
      const int64_t off = e.size() - std::min(e.size(), max_len + 1);
      for (const auto& c : e.choices) {
        const int64_t t = c.index - 1 - off;  // the position that predicts tokens[c.index]
        if (t < 0 || c.weight <= 0) continue;
        check_internal(tgt_a[b][t] != kNoTarget, "collate: a choice set at a token without a loss weight");
        for (size_t a = 0; a < c.allowed.size(); ++a) {
          c_a[b][t][static_cast<int64_t>(a)] = c.allowed[a];
          if (soft) p_a[b][t][static_cast<int64_t>(a)] = c.target.empty() ? (c.allowed[a] == tgt_a[b][t] ? 1.0f : 0.0f) : c.target[a];
        }
        cw_a[b][t] = c.weight;
      }
    }
    if (soft) out.choice_targets = probs;
  }
  return out;
}

}  // namespace gr2::train
