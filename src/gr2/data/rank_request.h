// What a re-ranker may see of a request: the user's history and the incoming candidates, without
// labels. Every policy, prompt and teacher takes this; it is built from a logged slate
// (make_request) or, when serving, from a caller's request.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gr2/data/slates.h"

namespace gr2 {

struct RankRequest {
  std::string request_id;
  std::string user_id;
  int64_t ts = 0;
  std::vector<std::string> history;   // item ids, oldest first
  std::vector<Candidate> candidates;  // incoming order

  int size() const { return static_cast<int>(candidates.size()); }
};

// The request part of a logged slate (labels dropped).
RankRequest make_request(const Slate& slate);

// True when `order` is a permutation of [0, k) (an order over k candidates).
bool is_permutation_of(const std::vector<int>& order, int k);

}  // namespace gr2
