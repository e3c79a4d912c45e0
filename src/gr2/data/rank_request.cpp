// RankRequest from a logged slate; the permutation check of an order over its candidates.
#include "gr2/data/rank_request.h"

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

bool is_permutation_of(const std::vector<int>& order, int k) {
  if (static_cast<int>(order.size()) != k) return false;
  std::vector<char> seen(static_cast<size_t>(k), 0);
  for (int i : order) {
    if (i < 0 || i >= k || seen[static_cast<size_t>(i)]) return false;
    seen[static_cast<size_t>(i)] = 1;
  }
  return true;
}

}  // namespace gr2
