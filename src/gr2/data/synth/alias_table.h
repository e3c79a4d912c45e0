// Walker's alias table: draws an index with probability proportional to its weight in O(1), so a
// request can sample from a pool of a million items without scanning it.
#pragma once

#include <cstdint>
#include <vector>

#include "gr2/core/rng.h"

namespace gr2::synth {

class AliasTable {
 public:
  AliasTable() = default;
  // Builds the table in O(n). Weights must be >= 0 and finite with a positive sum (Error::internal
  // otherwise); an empty vector gives an empty table.
  explicit AliasTable(const std::vector<double>& weights);

  bool empty() const { return probability_.empty(); }
  size_t size() const { return probability_.size(); }
  // An index in [0, size()) drawn proportionally to its weight. The table must not be empty.
  uint32_t sample(Rng& rng) const;

 private:
  std::vector<float> probability_;  // chance of keeping slot i rather than taking alias_[i]
  std::vector<uint32_t> alias_;
};

}  // namespace gr2::synth
