// Policy helpers shared by every implementation.
#include "gr2/rank/policy.h"

namespace gr2 {

std::vector<PolicyAnswer> Policy::rank_batch(const std::vector<RankRequest>& requests) {
  std::vector<PolicyAnswer> answers;
  answers.reserve(requests.size());
  for (const auto& r : requests) answers.push_back(rank(r));
  return answers;
}

std::vector<int> effective_order(const PolicyAnswer& answer, int k) {
  if (answer.valid && is_permutation_of(answer.order, k)) return answer.order;
  std::vector<int> identity(static_cast<size_t>(k));
  for (int i = 0; i < k; ++i) identity[static_cast<size_t>(i)] = i;
  return identity;
}

}  // namespace gr2
