// Bootstrap confidence intervals for evaluation: the plain percentile interval of a mean and the
// paired interval of a mean difference (a policy vs the incoming order on the same slates).
#pragma once

#include <cstdint>
#include <vector>

namespace gr2 {

struct BootstrapOptions {
  int resamples = 2000;      // >= 1
  double confidence = 0.95;  // in (0, 1)
  uint64_t seed = 0;         // same seed and inputs give the same interval
};

// A point estimate with a two-sided percentile interval.
struct Interval {
  double estimate = 0;  // the statistic on the original sample
  double lo = 0;        // lower percentile of the bootstrap distribution
  double hi = 0;        // upper percentile
  int64_t n = 0;        // sample size

  // True when the interval contains `value` (bounds included).
  bool contains(double value) const { return lo <= value && value <= hi; }
};

// Percentile bootstrap interval of the mean of `values`: draws `resamples` samples of size n with
// replacement, takes each sample's mean, and returns the (1 - confidence)/2 and (1 + confidence)/2
// quantiles (linear interpolation) of those means. Throws Error if `values` is empty or the
// options are out of range.
Interval bootstrap_mean(const std::vector<double>& values, const BootstrapOptions& options);

// Paired percentile bootstrap of mean(policy - baseline): slates are resampled together, so the
// interval reflects the per-slate differences (much tighter than comparing two separate
// intervals). `policy[i]` and `baseline[i]` must be the metric of the same slate i. Throws Error
// if the vectors are empty or differ in length.
Interval paired_bootstrap_diff(const std::vector<double>& policy, const std::vector<double>& baseline,
                               const BootstrapOptions& options);

// The q-quantile (q in [0, 1]) of `sorted` (ascending, non-empty) with linear interpolation
// between order statistics (the "type 7" definition of R and NumPy's default).
double quantile_sorted(const std::vector<double>& sorted, double q);

}  // namespace gr2
