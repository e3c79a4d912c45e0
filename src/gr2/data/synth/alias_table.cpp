// Walker / Vose alias method (see alias_table.h).
#include "gr2/data/synth/alias_table.h"

#include <cmath>

#include "gr2/core/error.h"

namespace gr2::synth {

AliasTable::AliasTable(const std::vector<double>& weights) {
  const size_t n = weights.size();
  if (n == 0) return;
  double total = 0;
  for (double w : weights) {
    check_internal(w >= 0 && std::isfinite(w), "AliasTable: weights must be finite and >= 0");
    total += w;
  }
  check_internal(total > 0, "AliasTable: weights must have a positive sum");
  probability_.assign(n, 1.0f);
  alias_.resize(n);
  std::vector<double> scaled(n);
  std::vector<uint32_t> small, large;
  for (size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / total;
    alias_[i] = static_cast<uint32_t>(i);
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    uint32_t s = small.back();
    small.pop_back();
    uint32_t l = large.back();
    probability_[s] = static_cast<float>(scaled[s]);
    alias_[s] = l;
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Leftovers (rounding) keep their own slot with probability 1.
}

uint32_t AliasTable::sample(Rng& rng) const {
  uint32_t slot = static_cast<uint32_t>(rng.below(probability_.size()));
  return rng.uniform() < probability_[slot] ? slot : alias_[slot];
}

}  // namespace gr2::synth
