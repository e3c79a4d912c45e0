// A simulated user: hidden tastes (department affinities, a drifting focus, a taste vector, brand
// loyalty, a price tier that depends on the department), routine and repeat-purchase state, the
// true relevance of an item at a time, and the partial, stale view the upstream ranker has.
#pragma once

#include <cstdint>
#include <vector>

#include "gr2/core/rng.h"
#include "gr2/data/synth/shop_catalog.h"
#include "gr2/data/synth/synth_config.h"

namespace gr2::synth {

struct Purchase {
  int32_t item = 0;
  int64_t ts = 0;
};

class SynthUser {
 public:
  // Draws the user's hidden tastes from `rng` (the user's own stream).
  SynthUser(const SynthConfig& config, const ShopCatalog& shop, Rng& rng);

  // True relevance of `item` at time `ts` (the model's ground truth; higher = more wanted).
  double relevance(int32_t item, int64_t ts) const;
  // The upstream ranker's estimate of the user's interest in `item`: noisy department affinities
  // and the visible part of a stale taste vector. Blind to routines, repeats, focus, brand loyalty
  // and price.
  double upstream_view(int32_t item) const;
  // A department drawn from the upstream's (noisy) view of the user's affinities.
  int32_t sample_upstream_department(Rng& rng) const;

  // Moves tastes one session forward: the taste vector drifts, the focus may switch department.
  void drift(Rng& rng);
  // Records a purchase (starts routines and repeat cycles, marks durables as owned).
  void record_purchase(int32_t item, int64_t ts);
  // An item the user buys on their own (not from a slate) at `ts`: follows routines and tastes.
  int32_t choose_organic_purchase(int64_t ts, Rng& rng) const;

 private:
  double routine_signal(int32_t item, int64_t ts) const;
  double repeat_signal(int32_t item, int64_t ts) const;
  bool owns(int32_t item) const;

  const SynthConfig* config_;
  const ShopCatalog* shop_;
  std::vector<double> affinity_;          // [departments], hidden
  std::vector<double> affinity_seen_;     // [departments], the upstream's noisy view
  int32_t focus_ = 0;                     // current focus department (drifts)
  int32_t splurge_department_ = 0;        // where the user buys premium
  int base_tier_ = 1;                     // price tier elsewhere
  std::vector<double> taste_;             // [feature_dim], drifts
  std::vector<double> taste_seen_;        // [feature_dim], stale and partial (upstream)
  std::vector<int32_t> favourite_brands_;
  double loyalty_ = 1;
  double routine_adherence_ = 1;
  double repeat_factor_ = 1;
  std::vector<Purchase> purchases_;       // most recent purchases, oldest first (bounded)
};

}  // namespace gr2::synth
