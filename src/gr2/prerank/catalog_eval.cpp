// Full-catalog Recall/NDCG of the pre-ranker.
#include "gr2/prerank/catalog_eval.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace gr2::prerank {

Json CatalogMetrics::to_json() const {
  return Json{{"users", users}, {"recall@5", recall5}, {"recall@10", recall10}, {"ndcg@5", ndcg5}, {"ndcg@10", ndcg10}};
}

std::vector<int64_t> input_for(const UserSequence& user, Target target) {
  std::vector<int64_t> in = user.train;
  if (target == Target::Test && user.valid_target > 0) in.push_back(user.valid_target);
  return in;
}

CatalogMetrics evaluate_catalog(SasRec& model, const std::vector<UserSequence>& users, Target target,
                                const torch::Device& device, int64_t limit, int64_t batch) {
  model->eval();
  torch::NoGradGuard no_grad;
  std::vector<const UserSequence*> chosen;
  for (const auto& u : users) {
    const int64_t t = target == Target::Valid ? u.valid_target : u.test_target;
    if (t > 0 && !input_for(u, target).empty()) chosen.push_back(&u);
    if (limit > 0 && static_cast<int64_t>(chosen.size()) >= limit) break;
  }
  CatalogMetrics m;
  const float neg_inf = -std::numeric_limits<float>::infinity();
  for (size_t start = 0; start < chosen.size(); start += static_cast<size_t>(batch)) {
    const size_t end = std::min(chosen.size(), start + static_cast<size_t>(batch));
    std::vector<std::vector<int64_t>> inputs;
    std::vector<int64_t> targets;
    for (size_t i = start; i < end; ++i) {
      inputs.push_back(input_for(*chosen[i], target));
      targets.push_back(target == Target::Valid ? chosen[i]->valid_target : chosen[i]->test_target);
    }
    auto scores = model->score_next(pad_sequences(inputs, model->max_len(), device)).to(torch::kCPU).contiguous();  // [b, N+1]
    // Exclude the input items (seen history), but never the target.
    for (size_t r = 0; r < inputs.size(); ++r) {
      auto row = scores[static_cast<int64_t>(r)];
      auto acc = row.accessor<float, 1>();
      for (int64_t item : inputs[r]) {
        if (item != targets[r]) acc[item] = neg_inf;
      }
    }
    auto tgt = torch::tensor(targets, torch::kLong).unsqueeze(1);                        // [b, 1]
    auto tgt_score = scores.gather(1, tgt);                                             // [b, 1]
    auto rank = scores.gt(tgt_score).sum(1).to(torch::kDouble);                          // [b] items scored higher
    auto ra = rank.accessor<double, 1>();
    for (int64_t r = 0; r < rank.size(0); ++r) {
      const double k = ra[r];
      const double gain = 1.0 / std::log2(k + 2.0);
      if (k < 5) { m.recall5 += 1; m.ndcg5 += gain; }
      if (k < 10) { m.recall10 += 1; m.ndcg10 += gain; }
    }
    m.users += rank.size(0);
  }
  if (m.users > 0) {
    const double n = static_cast<double>(m.users);
    m.recall5 /= n; m.recall10 /= n; m.ndcg5 /= n; m.ndcg10 /= n;
  }
  return m;
}

}  // namespace gr2::prerank
