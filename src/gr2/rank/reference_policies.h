// Simple reference policies every evaluation table shows (docs/evaluation.md): the incoming order, a seeded
// random order, item popularity in the training events, and the oracle of the synthetic world.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "gr2/data/events.h"
#include "gr2/data/truth.h"
#include "gr2/rank/policy.h"

namespace gr2 {

// "incoming": keeps the upstream ranker's order (the identity permutation). The reference every
// other policy is compared with.
class IncomingPolicy : public Policy {
 public:
  std::string name() const override { return "incoming"; }
  PolicyAnswer rank(const RankRequest& request) override;
};

// "random": a uniformly random permutation. The randomness of each request comes from
// (seed, request_id) only, so answers do not depend on the order in which requests arrive, and
// the same request presented twice gets the same permutation of positions.
class RandomPolicy : public Policy {
 public:
  explicit RandomPolicy(uint64_t seed) : seed_(seed) {}
  std::string name() const override { return "random"; }
  PolicyAnswer rank(const RankRequest& request) override;

 private:
  uint64_t seed_;
};

// "popularity": sorts candidates by how many training events touched the item (any action),
// most popular first; ties (including items never seen) keep their incoming order.
class PopularityPolicy : public Policy {
 public:
  // Counts the events of `train_events` per item id.
  explicit PopularityPolicy(const std::vector<Event>& train_events);
  std::string name() const override { return "popularity"; }
  PolicyAnswer rank(const RankRequest& request) override;

  // Number of training events of `item_id` (0 when never seen).
  int64_t count(const std::string& item_id) const;

 private:
  std::unordered_map<std::string, int64_t> counts_;
};

// "oracle": sorts candidates by the synthetic world's true relevance (highest first, ties keep
// the incoming order), looked up by request id and item id, so it also ranks a request whose
// candidates were shuffled (order-robustness diagnostics). An upper reference, not deployable.
class OraclePolicy : public Policy {
 public:
  // `truth` holds relevance per candidate in each slate's incoming order; `slates` name the
  // candidates, so each relevance is keyed by (request_id, item_id). Slates without a truth
  // record are kept out (ranking them throws); a truth record whose length differs from its
  // slate's throws Error here.
  OraclePolicy(const TruthTable& truth, const std::vector<Slate>& slates);
  std::string name() const override { return "oracle"; }
  // Throws Error when the request (or one of its items) has no truth.
  PolicyAnswer rank(const RankRequest& request) override;

 private:
  std::unordered_map<std::string, std::unordered_map<std::string, double>> relevance_;
};

// The permutation that sorts `keys` in decreasing order, ties by increasing index (stable).
std::vector<int> order_by_decreasing(const std::vector<double>& keys);

}  // namespace gr2
