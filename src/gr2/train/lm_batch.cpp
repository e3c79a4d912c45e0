// LmBatch slicing and collation of LmExamples.
#include "gr2/train/lm_batch.h"

#include <algorithm>

#include <torch/torch.h>

#include "gr2/core/error.h"

namespace gr2::train {

LmBatch LmBatch::slice_rows(int64_t begin, int64_t end) const {
  LmBatch out{input_ids.slice(0, begin, end), targets.slice(0, begin, end), weights.slice(0, begin, end)};
  // Trim trailing columns without a target in these rows.
  auto has_target = out.targets.ne(kNoTarget).any(0);  // [T]
  const int64_t T = has_target.size(0);
  auto idx = has_target.nonzero();
  const int64_t keep = idx.numel() == 0 ? 1 : idx.max().item<int64_t>() + 1;
  if (keep < T) {
    out.input_ids = out.input_ids.narrow(1, 0, keep);
    out.targets = out.targets.narrow(1, 0, keep);
    out.weights = out.weights.narrow(1, 0, keep);
  }
  return out;
}

LmBatch LmBatch::to(const torch::Device& device) const {
  if (input_ids.device() == device) return *this;
  return LmBatch{input_ids.to(device), targets.to(device), weights.to(device)};
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

double LmExample::target_weight() const {
  double s = 0;
  for (size_t i = 1; i < weights.size(); ++i) s += weights[i];
  return s;
}

LmBatch collate(const std::vector<LmExample>& examples, int64_t pad_id, int64_t max_len) {
  check_internal(!examples.empty(), "collate: no examples");
  check_internal(max_len >= 1, "collate: max_len must be >= 1");
  const int64_t B = static_cast<int64_t>(examples.size());
  int64_t T = 1;
  for (const auto& e : examples) {
    check_internal(e.tokens.size() == e.weights.size(), "collate: tokens and weights differ in length");
    check_internal(e.size() >= 2, "collate: an example needs at least 2 tokens");
    T = std::max(T, std::min(e.size() - 1, max_len));
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
  return LmBatch{ids, tgt, w};
}

}  // namespace gr2::train
