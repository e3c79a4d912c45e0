// Behaviour diagnostics of a policy (docs/evaluation.md), which reveal reward hacking that metrics alone
// hide: invalid answers, copying the incoming order, position bias of the chosen top-1, and
// robustness to the order in which candidates are presented; plus output tokens and latency.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gr2/rank/policy.h"

namespace gr2 {

// Agreement of a policy with itself when the same requests are presented with their candidates
// shuffled (answers mapped back to the original candidates). A content-based policy scores 1; a
// policy that follows positions (e.g. copies the incoming order) scores about chance level.
struct OrderRobustness {
  int64_t slates = 0;            // pairs compared (both answers valid)
  int64_t skipped_invalid = 0;   // pairs left out because one of the two answers was invalid
  double top1_agreement = 0;     // share of pairs choosing the same item first
  double mean_kendall_tau = 0;   // mean Kendall tau between the two rankings, in [-1, 1]
};

// Every diagnostic of one policy over one set of requests.
struct PolicyDiagnostics {
  std::string policy;
  bool can_fail = false;
  int64_t answers = 0;                      // requests answered
  int64_t invalid = 0;                      // answers that were not a valid permutation
  std::map<std::string, int64_t> failures;  // invalid answers by failure kind
  double invalid_rate = 0;                  // invalid / answers
  // The next three count valid answers only (an invalid answer falls back to the incoming order in
  // metrics but is not a copy the policy chose); denominators are valid answers.
  int64_t valid = 0;
  double identity_copy_rate = 0;  // answer == incoming order
  double top1_kept_rate = 0;      // answer's first == incoming first
  // top1_position_histogram[p] = valid answers whose top-1 was at incoming position p (0-based).
  std::vector<int64_t> top1_position_histogram;
  double mean_output_tokens = 0;  // over all answers
  double mean_latency_ms = 0;     // over all answers
  bool has_robustness = false;    // false when the robustness pass was not run
  OrderRobustness robustness;
};

// Collects the per-answer diagnostics of one policy.
class DiagnosticsAccumulator {
 public:
  DiagnosticsAccumulator(std::string policy, bool can_fail);
  // Records the answer to a request with `k` candidates.
  void add(const PolicyAnswer& answer, int k);
  // The diagnostics so far (robustness not filled in).
  PolicyDiagnostics finish() const;

 private:
  PolicyDiagnostics d_;
  double tokens_ = 0;
  double latency_ = 0;
  int64_t identity_ = 0;
  int64_t top1_kept_ = 0;
};

// Kendall tau between two rankings of the same k items (both permutations of [0, k)):
// (concordant - discordant pairs) / (k (k - 1) / 2); 1 when identical, -1 when reversed, 1 when
// k < 2. Throws Error::internal when they are not permutations of the same size.
double kendall_tau(const std::vector<int>& a, const std::vector<int>& b);

// A request presented with its candidates in another order.
struct ShuffledRequest {
  RankRequest request;    // candidates[j] = original.candidates[perm[j]]
  std::vector<int> perm;  // a permutation of [0, k), never the identity when k >= 2
};

// Shuffles the candidates of `request` with randomness from (seed, request_id) only. The request
// id is unchanged (so seeded policies such as "random" draw the same positions again).
ShuffledRequest shuffle_request(const RankRequest& request, uint64_t seed);

// Maps an order over shuffled candidates back to the original candidate indices:
// result[r] = perm[order[r]].
std::vector<int> unshuffle_order(const std::vector<int>& order, const std::vector<int>& perm);

// Ranks a shuffled copy of each request with `policy` (rank_batch, `batch_size` at a time) and
// compares it with `answers`, the policy's answers to the requests as originally presented
// (aligned with `requests`).
OrderRobustness measure_order_robustness(Policy& policy, const std::vector<RankRequest>& requests,
                                         const std::vector<PolicyAnswer>& answers, uint64_t seed,
                                         int batch_size = 64);

}  // namespace gr2
