// Policy diagnostics: invalid answers, identity copies, position bias, order robustness.
#include "gr2/rank/diagnostics.h"

#include <algorithm>
#include <numeric>

#include "gr2/core/error.h"
#include "gr2/core/rng.h"

namespace gr2 {

DiagnosticsAccumulator::DiagnosticsAccumulator(std::string policy, bool can_fail) {
  d_.policy = std::move(policy);
  d_.can_fail = can_fail;
}

void DiagnosticsAccumulator::add(const PolicyAnswer& answer, int k) {
  ++d_.answers;
  tokens_ += answer.output_tokens;
  latency_ += answer.latency_ms;
  if (!answer.valid || !is_permutation_of(answer.order, k)) {
    ++d_.invalid;
    ++d_.failures[answer.failure.empty() ? (answer.valid ? "not_a_permutation" : "unspecified")
                                         : answer.failure];
    return;
  }
  ++d_.valid;
  bool identity = true;
  for (int r = 0; r < k && identity; ++r) identity = answer.order[static_cast<size_t>(r)] == r;
  identity_ += identity ? 1 : 0;
  if (k == 0) return;
  const int first = answer.order[0];
  top1_kept_ += first == 0 ? 1 : 0;
  if (d_.top1_position_histogram.size() <= static_cast<size_t>(first)) {
    d_.top1_position_histogram.resize(static_cast<size_t>(first) + 1, 0);
  }
  ++d_.top1_position_histogram[static_cast<size_t>(first)];
}

PolicyDiagnostics DiagnosticsAccumulator::finish() const {
  PolicyDiagnostics d = d_;
  const auto ratio = [](double a, int64_t b) { return b > 0 ? a / static_cast<double>(b) : 0.0; };
  d.invalid_rate = ratio(static_cast<double>(d.invalid), d.answers);
  d.identity_copy_rate = ratio(static_cast<double>(identity_), d.valid);
  d.top1_kept_rate = ratio(static_cast<double>(top1_kept_), d.valid);
  d.mean_output_tokens = ratio(tokens_, d.answers);
  d.mean_latency_ms = ratio(latency_, d.answers);
  return d;
}

double kendall_tau(const std::vector<int>& a, const std::vector<int>& b) {
  const int k = static_cast<int>(a.size());
  check_internal(is_permutation_of(a, k) && is_permutation_of(b, k),
                 "kendall_tau: both rankings must be permutations of the same candidates");
  if (k < 2) return 1.0;
  // Position of each item in b; then count pairs (in a's order) that b keeps in the same order.
  std::vector<int> pos_b(static_cast<size_t>(k));
  for (int r = 0; r < k; ++r) pos_b[static_cast<size_t>(b[static_cast<size_t>(r)])] = r;
  int64_t concordant = 0, discordant = 0;
  for (int i = 0; i < k; ++i) {
    for (int j = i + 1; j < k; ++j) {
      if (pos_b[static_cast<size_t>(a[static_cast<size_t>(i)])] <
          pos_b[static_cast<size_t>(a[static_cast<size_t>(j)])]) {
        ++concordant;
      } else {
        ++discordant;
      }
    }
  }
  return static_cast<double>(concordant - discordant) / (static_cast<double>(k) * (k - 1) / 2.0);
}

ShuffledRequest shuffle_request(const RankRequest& request, uint64_t seed) {
  ShuffledRequest out;
  const size_t k = request.candidates.size();
  out.perm.resize(k);
  std::iota(out.perm.begin(), out.perm.end(), 0);
  Rng rng(derive_seed(seed, "shuffle:" + request.request_id));
  rng.shuffle(out.perm);
  // A presentation identical to the original would measure nothing: rotate by one instead.
  bool identity = true;
  for (size_t j = 0; j < k && identity; ++j) identity = out.perm[j] == static_cast<int>(j);
  if (identity && k >= 2) std::rotate(out.perm.begin(), out.perm.begin() + 1, out.perm.end());
  out.request = request;
  for (size_t j = 0; j < k; ++j) {
    out.request.candidates[j] = request.candidates[static_cast<size_t>(out.perm[j])];
  }
  return out;
}

std::vector<int> unshuffle_order(const std::vector<int>& order, const std::vector<int>& perm) {
  std::vector<int> out(order.size());
  for (size_t r = 0; r < order.size(); ++r) {
    const int j = order[r];
    check_internal(j >= 0 && static_cast<size_t>(j) < perm.size(), "unshuffle_order: index out of range");
    out[r] = perm[static_cast<size_t>(j)];
  }
  return out;
}

OrderRobustness measure_order_robustness(Policy& policy, const std::vector<RankRequest>& requests,
                                         const std::vector<PolicyAnswer>& answers, uint64_t seed,
                                         int batch_size) {
  check_internal(requests.size() == answers.size(),
                 "measure_order_robustness: answers must align with requests");
  const size_t batch = static_cast<size_t>(std::max(1, batch_size));
  OrderRobustness out;
  double same_top1 = 0, tau_sum = 0;
  for (size_t start = 0; start < requests.size(); start += batch) {
    const size_t end = std::min(requests.size(), start + batch);
    std::vector<ShuffledRequest> shuffled;
    std::vector<RankRequest> presented;
    for (size_t i = start; i < end; ++i) {
      shuffled.push_back(shuffle_request(requests[i], seed));
      presented.push_back(shuffled.back().request);
    }
    const std::vector<PolicyAnswer> again = policy.rank_batch(presented);
    check_internal(again.size() == presented.size(),
                   "policy '" + policy.name() + "' returned " + std::to_string(again.size()) +
                       " answers for " + std::to_string(presented.size()) + " requests");
    for (size_t i = start; i < end; ++i) {
      const int k = requests[i].size();
      const PolicyAnswer& first = answers[i];
      const PolicyAnswer& second = again[i - start];
      if (!first.valid || !second.valid || !is_permutation_of(first.order, k) ||
          !is_permutation_of(second.order, k)) {
        ++out.skipped_invalid;
        continue;
      }
      const std::vector<int> mapped = unshuffle_order(second.order, shuffled[i - start].perm);
      ++out.slates;
      same_top1 += (k > 0 && mapped[0] == first.order[0]) ? 1 : 0;
      tau_sum += kendall_tau(first.order, mapped);
    }
  }
  if (out.slates > 0) {
    out.top1_agreement = same_top1 / static_cast<double>(out.slates);
    out.mean_kendall_tau = tau_sum / static_cast<double>(out.slates);
  }
  return out;
}

}  // namespace gr2
