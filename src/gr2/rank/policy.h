// The policy interface: anything that re-orders a slate's candidates (incoming order, baselines,
// the legacy re-rankers, LM re-rankers). Evaluation, diagnostics and serving use only this.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gr2/data/rank_request.h"

namespace gr2 {

// A policy's answer for one request.
struct PolicyAnswer {
  // order[r] = index (into the request's candidates) of the item placed at rank r; a permutation
  // of [0, K) when valid. Empty when the policy failed to produce a valid ranking.
  std::vector<int> order;
  bool valid = true;
  std::string failure;        // when !valid: "unparseable", "unknown_item", "duplicate", "missing", ...
  double output_tokens = 0;   // tokens generated (LM policies); 0 for others
  double latency_ms = 0;      // filled by the evaluator
};

// Re-ranks candidates. Implementations must be deterministic for a given seed and must not depend
// on the order in which requests arrive (derive per-request randomness from the request id).
class Policy {
 public:
  virtual ~Policy() = default;
  // Short name used in tables and on the command line ("incoming", "popularity", ...).
  virtual std::string name() const = 0;
  // True for policies whose answers can be invalid (LM policies); shows the invalid-answer rate.
  virtual bool can_fail() const { return false; }
  virtual PolicyAnswer rank(const RankRequest& request) = 0;
  // Ranks several requests; LM policies override this to batch. Answers align with `requests`.
  virtual std::vector<PolicyAnswer> rank_batch(const std::vector<RankRequest>& requests);
};

// The ranking a policy's answer stands for in metrics: its order when valid, else the incoming
// order (the fallback a deployed re-ranker would serve).
std::vector<int> effective_order(const PolicyAnswer& answer, int k);

}  // namespace gr2
