// Tests for the bootstrap intervals: coverage of zero on constructed data, determinism, errors.
#include <gtest/gtest.h>

#include "gr2/core/rng.h"
#include "gr2/rank/bootstrap.h"
#include "test_util.h"

namespace gr2 {
namespace {

TEST(Bootstrap, QuantileInterpolates) {
  EXPECT_DOUBLE_EQ(quantile_sorted({1, 2, 3, 4}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile_sorted({1, 2, 3, 4}, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(quantile_sorted({1, 2, 3, 4}, 1.0), 4.0);
  EXPECT_DOUBLE_EQ(quantile_sorted({5}, 0.3), 5.0);
}

TEST(Bootstrap, ConstantValuesGiveADegenerateInterval) {
  Interval ci = bootstrap_mean(std::vector<double>(50, 0.25), {});
  EXPECT_DOUBLE_EQ(ci.estimate, 0.25);
  EXPECT_DOUBLE_EQ(ci.lo, 0.25);
  EXPECT_DOUBLE_EQ(ci.hi, 0.25);
  EXPECT_EQ(ci.n, 50);
}

TEST(Bootstrap, MeanIntervalBracketsTheMean) {
  Rng rng(3);
  std::vector<double> v(400);
  for (double& x : v) x = rng.bernoulli(0.3) ? 1.0 : 0.0;
  Interval ci = bootstrap_mean(v, {});
  EXPECT_LT(ci.lo, ci.estimate);
  EXPECT_GT(ci.hi, ci.estimate);
  // Binomial standard error sqrt(.3 * .7 / 400) = 0.023: a 95% interval is about +-0.045.
  EXPECT_NEAR(ci.hi - ci.lo, 2 * 1.96 * 0.0229, 0.015);
}

TEST(Bootstrap, PairedIntervalContainsZeroWhenThereIsNoEffect) {
  // Policy = baseline +- 1 alternately: the mean difference is exactly 0.
  Rng rng(1);
  std::vector<double> base(200), policy(200);
  for (size_t i = 0; i < base.size(); ++i) {
    base[i] = rng.uniform();
    policy[i] = base[i] + (i % 2 == 0 ? 1.0 : -1.0);
  }
  Interval d = paired_bootstrap_diff(policy, base, {});
  EXPECT_NEAR(d.estimate, 0.0, 1e-12);
  EXPECT_TRUE(d.contains(0.0)) << d.lo << " " << d.hi;
  EXPECT_LT(d.lo, -0.05);
  EXPECT_GT(d.hi, 0.05);
}

TEST(Bootstrap, PairedIntervalExcludesZeroForAConsistentGain) {
  // Large per-slate spread but a consistent +0.05 gain: pairing must detect it.
  Rng rng(2);
  std::vector<double> base(300), policy(300);
  for (size_t i = 0; i < base.size(); ++i) {
    base[i] = rng.uniform();
    policy[i] = base[i] + 0.05 + 0.01 * rng.normal();
  }
  Interval d = paired_bootstrap_diff(policy, base, {});
  EXPECT_FALSE(d.contains(0.0));
  EXPECT_GT(d.lo, 0.04);
  EXPECT_LT(d.hi, 0.06);
}

TEST(Bootstrap, DeterministicForASeed) {
  Rng rng(4);
  std::vector<double> a(100), b(100);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = rng.uniform();
    b[i] = rng.uniform();
  }
  BootstrapOptions opt;
  opt.seed = 7;
  opt.resamples = 500;
  Interval x = paired_bootstrap_diff(a, b, opt);
  Interval y = paired_bootstrap_diff(a, b, opt);
  EXPECT_EQ(x.lo, y.lo);
  EXPECT_EQ(x.hi, y.hi);
  opt.seed = 8;
  Interval z = paired_bootstrap_diff(a, b, opt);
  EXPECT_TRUE(z.lo != x.lo || z.hi != x.hi);
}

TEST(Bootstrap, RejectsBadInput) {
  expect_error([] { bootstrap_mean({}, {}); }, "no values");
  expect_error([] { paired_bootstrap_diff({1, 2}, {1}, {}); }, "same slates");
  BootstrapOptions bad;
  bad.resamples = 0;
  expect_error([&] { bootstrap_mean({1.0}, bad); }, "resamples must be >= 1");
  bad.resamples = 10;
  bad.confidence = 1.5;
  expect_error([&] { bootstrap_mean({1.0}, bad); }, "confidence level");
}

}  // namespace
}  // namespace gr2
