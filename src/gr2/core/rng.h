// Seeded random numbers that give the same sequence on every platform and standard library
// (std:: distributions do not), plus derivation of independent streams from one seed.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "gr2/core/hash.h"

namespace gr2 {

// SplitMix64 step: a good 64-bit mixer, used to seed and to derive streams.
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// A seed for an independent stream named `name` of a run seeded with `seed`.
inline uint64_t derive_seed(uint64_t seed, std::string_view name) {
  return splitmix64(seed ^ splitmix64(fnv1a64(name)));
}

// xoshiro256** generator with portable uniform, normal, categorical and shuffle helpers.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0) {
    uint64_t x = seed;
    for (auto& s : state_) s = x = splitmix64(x);
  }

  uint64_t next_u64() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // Uniform integer in [0, n); n > 0. (Lemire's multiply-shift; bias < 2^-64 * n.)
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<__uint128_t>(next_u64()) * n) >> 64);
  }

  bool bernoulli(double p) { return uniform() < p; }

  // Standard normal (Box-Muller; one value per call).
  double normal() {
    double u1 = uniform();
    double u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double normal(double mean, double stddev) { return mean + stddev * normal(); }

  // Gumbel(0, 1): argmax of (log w + gumbel) samples proportionally to w.
  double gumbel() {
    double u = uniform();
    if (u < 1e-300) u = 1e-300;
    return -std::log(-std::log(u));
  }

  // Index i with probability weights[i] / sum(weights); weights >= 0 with a positive sum.
  size_t categorical(const std::vector<double>& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double r = uniform() * total;
    for (size_t i = 0; i < weights.size(); ++i) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.size() - 1;
  }

  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

}  // namespace gr2
