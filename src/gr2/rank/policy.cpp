// Policy helpers shared by every implementation.
#include "gr2/rank/policy.h"

namespace gr2 {

RankRequest make_request(const Slate& slate) {
  RankRequest r;
  r.request_id = slate.request_id;
  r.user_id = slate.user_id;
  r.ts = slate.ts;
  r.history = slate.history;
  r.candidates = slate.candidates;
  return r;
}

std::vector<PolicyAnswer> Policy::rank_batch(const std::vector<RankRequest>& requests) {
  std::vector<PolicyAnswer> answers;
  answers.reserve(requests.size());
  for (const auto& r : requests) answers.push_back(rank(r));
  return answers;
}

bool is_permutation_of(const std::vector<int>& order, int k) {
  if (static_cast<int>(order.size()) != k) return false;
  std::vector<char> seen(static_cast<size_t>(k), 0);
  for (int i : order) {
    if (i < 0 || i >= k || seen[static_cast<size_t>(i)]) return false;
    seen[static_cast<size_t>(i)] = 1;
  }
  return true;
}

std::vector<int> effective_order(const PolicyAnswer& answer, int k) {
  if (answer.valid && is_permutation_of(answer.order, k)) return answer.order;
  std::vector<int> identity(static_cast<size_t>(k));
  for (int i = 0; i < k; ++i) identity[static_cast<size_t>(i)] = i;
  return identity;
}

}  // namespace gr2
