// Reference policies: incoming, random, popularity, oracle.
#include "gr2/rank/reference_policies.h"

#include <algorithm>
#include <numeric>

#include "gr2/core/error.h"
#include "gr2/core/rng.h"

namespace gr2 {

std::vector<int> order_by_decreasing(const std::vector<double>& keys) {
  std::vector<int> order(keys.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return keys[static_cast<size_t>(a)] > keys[static_cast<size_t>(b)];
  });
  return order;
}

PolicyAnswer IncomingPolicy::rank(const RankRequest& request) {
  PolicyAnswer answer;
  answer.order.resize(static_cast<size_t>(request.size()));
  std::iota(answer.order.begin(), answer.order.end(), 0);
  return answer;
}

PolicyAnswer RandomPolicy::rank(const RankRequest& request) {
  PolicyAnswer answer;
  answer.order.resize(static_cast<size_t>(request.size()));
  std::iota(answer.order.begin(), answer.order.end(), 0);
  Rng rng(derive_seed(seed_, "random:" + request.request_id));
  rng.shuffle(answer.order);
  return answer;
}

PopularityPolicy::PopularityPolicy(const std::vector<Event>& train_events) {
  for (const Event& e : train_events) ++counts_[e.item_id];
}

int64_t PopularityPolicy::count(const std::string& item_id) const {
  auto it = counts_.find(item_id);
  return it == counts_.end() ? 0 : it->second;
}

PolicyAnswer PopularityPolicy::rank(const RankRequest& request) {
  std::vector<double> keys;
  keys.reserve(request.candidates.size());
  for (const Candidate& c : request.candidates) keys.push_back(static_cast<double>(count(c.item_id)));
  PolicyAnswer answer;
  answer.order = order_by_decreasing(keys);
  return answer;
}

OraclePolicy::OraclePolicy(const TruthTable& truth, const std::vector<Slate>& slates) {
  for (const Slate& slate : slates) {
    auto it = truth.find(slate.request_id);
    if (it == truth.end()) continue;
    require(it->second.size() == slate.candidates.size(),
            "oracle: the truth for request '" + slate.request_id + "' has " +
                std::to_string(it->second.size()) + " values but the slate has " +
                std::to_string(slate.candidates.size()) +
                " candidates (truth.jsonl does not match the slates)");
    auto& by_item = relevance_[slate.request_id];
    for (size_t i = 0; i < slate.candidates.size(); ++i) by_item[slate.candidates[i].item_id] = it->second[i];
  }
}

PolicyAnswer OraclePolicy::rank(const RankRequest& request) {
  auto it = relevance_.find(request.request_id);
  require(it != relevance_.end(),
          "oracle: no true relevance for request '" + request.request_id +
              "' (truth.jsonl must cover every evaluated slate; the oracle exists only for "
              "synthetic data)");
  std::vector<double> keys;
  keys.reserve(request.candidates.size());
  for (const Candidate& c : request.candidates) {
    auto rel = it->second.find(c.item_id);
    require(rel != it->second.end(), "oracle: no true relevance for item '" + c.item_id +
                                         "' of request '" + request.request_id + "'");
    keys.push_back(rel->second);
  }
  PolicyAnswer answer;
  answer.order = order_by_decreasing(keys);
  return answer;
}

}  // namespace gr2
