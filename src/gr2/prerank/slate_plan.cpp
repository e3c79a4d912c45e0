// Planning slate requests and out-of-fold scorers.
#include "gr2/prerank/slate_plan.h"

namespace gr2::prerank {

std::vector<size_t> fold_training_users(const std::vector<UserSequence>& users, int fold, uint64_t seed,
                                        int64_t folds) {
  std::vector<size_t> out;
  for (size_t i = 0; i < users.size(); ++i) {
    if (fold_of(users[i].user_id, seed, folds) != fold) out.push_back(i);
  }
  return out;
}

std::vector<SlateRequestPlan> plan_slate_requests(const std::vector<UserSequence>& users, int64_t train_positions,
                                                  uint64_t seed, int64_t folds) {
  std::vector<SlateRequestPlan> out;
  for (size_t i = 0; i < users.size(); ++i) {
    const auto& u = users[i];
    const size_t n = u.train.size();
    const int scorer = folds >= 2 ? fold_of(u.user_id, seed, folds) : -1;
    const size_t first = n > static_cast<size_t>(train_positions) ? n - static_cast<size_t>(train_positions) : 1;
    for (size_t p = first; p < n; ++p) out.push_back({i, SplitPart::Train, p, scorer});
    if (u.valid_target > 0) out.push_back({i, SplitPart::Valid, n, -1});
    if (u.test_target > 0) out.push_back({i, SplitPart::Test, n + (u.valid_target > 0 ? 1 : 0), -1});
  }
  return out;
}

}  // namespace gr2::prerank
