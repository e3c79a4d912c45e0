// Percentile bootstrap intervals of a mean and of a paired mean difference.
#include "gr2/rank/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "gr2/core/error.h"
#include "gr2/core/rng.h"

namespace gr2 {
namespace {

void check_options(const BootstrapOptions& options) {
  require(options.resamples >= 1,
          "bootstrap: the number of resamples must be >= 1, got " + std::to_string(options.resamples));
  require(options.confidence > 0 && options.confidence < 1,
          "bootstrap: the confidence level must be in (0, 1), got " + std::to_string(options.confidence));
}

// Bootstrap interval of the mean of `values` (the per-slate statistic, already paired if needed).
Interval percentile_interval(const std::vector<double>& values, const BootstrapOptions& options) {
  check_options(options);
  const size_t n = values.size();
  Interval out;
  out.n = static_cast<int64_t>(n);
  double sum = 0;
  for (double v : values) sum += v;
  out.estimate = sum / static_cast<double>(n);
  Rng rng(derive_seed(options.seed, "bootstrap"));
  std::vector<double> means(static_cast<size_t>(options.resamples));
  for (double& m : means) {
    double s = 0;
    for (size_t i = 0; i < n; ++i) s += values[rng.below(n)];
    m = s / static_cast<double>(n);
  }
  std::sort(means.begin(), means.end());
  const double alpha = 1.0 - options.confidence;
  out.lo = quantile_sorted(means, alpha / 2);
  out.hi = quantile_sorted(means, 1.0 - alpha / 2);
  return out;
}

}  // namespace

double quantile_sorted(const std::vector<double>& sorted, double q) {
  check_internal(!sorted.empty(), "quantile_sorted: empty input");
  q = std::clamp(q, 0.0, 1.0);
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return sorted[lo] + frac * (sorted[hi] - sorted[lo]);
}

Interval bootstrap_mean(const std::vector<double>& values, const BootstrapOptions& options) {
  require(!values.empty(), "bootstrap: no values (an interval needs at least one slate)");
  return percentile_interval(values, options);
}

Interval paired_bootstrap_diff(const std::vector<double>& policy, const std::vector<double>& baseline,
                               const BootstrapOptions& options) {
  require(!policy.empty(), "paired bootstrap: no values (an interval needs at least one slate)");
  require(policy.size() == baseline.size(),
          "paired bootstrap: the policy has " + std::to_string(policy.size()) +
              " values but the baseline has " + std::to_string(baseline.size()) +
              " (both must be measured on the same slates)");
  std::vector<double> diff(policy.size());
  for (size_t i = 0; i < diff.size(); ++i) diff[i] = policy[i] - baseline[i];
  return percentile_interval(diff, options);
}

}  // namespace gr2
