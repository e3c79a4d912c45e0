// A deterministic data order for resumable training: position p of the stream (p = step * batch
// + row) maps to example perm_e[p mod n] with e = p / n and perm_e a seeded shuffle of [0, n) per
// epoch. A function of (seed, n, p) only, so a resumed run sees the same examples.
#pragma once

#include <cstdint>
#include <numeric>
#include <vector>

#include "gr2/core/error.h"
#include "gr2/core/rng.h"

namespace gr2::train {

class EpochOrder {
 public:
  EpochOrder(uint64_t seed, int64_t n) : seed_(seed), n_(n) {
    if (n <= 0) throw Error("no training examples");
  }
  // The example at stream position `p` (>= 0).
  int64_t at(int64_t p) {
    const int64_t epoch = p / n_;
    if (epoch != epoch_) {
      perm_.resize(static_cast<size_t>(n_));
      std::iota(perm_.begin(), perm_.end(), int64_t{0});
      Rng rng(splitmix64(seed_ ^ splitmix64(static_cast<uint64_t>(epoch) + 1)));
      for (int64_t i = n_ - 1; i > 0; --i)
        std::swap(perm_[static_cast<size_t>(i)], perm_[static_cast<size_t>(rng.below(static_cast<uint64_t>(i + 1)))]);
      epoch_ = epoch;
    }
    return perm_[static_cast<size_t>(p % n_)];
  }
  int64_t size() const { return n_; }

 private:
  uint64_t seed_;
  int64_t n_;
  int64_t epoch_ = -1;
  std::vector<int64_t> perm_;
};

}  // namespace gr2::train
