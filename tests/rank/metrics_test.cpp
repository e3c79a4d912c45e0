// Tests for the per-slate metrics R@K, N@K and AUC against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>

#include "gr2/rank/metrics.h"
#include "test_util.h"

namespace gr2 {
namespace {

const std::vector<int> kIdentity4 = {0, 1, 2, 3};

TEST(Metrics, SinglePositive) {
  const std::vector<int> labels = {0, 0, 1, 0};
  EXPECT_DOUBLE_EQ(recall_at(labels, kIdentity4, 1), 0.0);
  EXPECT_DOUBLE_EQ(recall_at(labels, kIdentity4, 2), 0.0);
  EXPECT_DOUBLE_EQ(recall_at(labels, kIdentity4, 3), 1.0);
  // DCG@3 = (2^1 - 1) / log2(1 + 3) = 0.5; IDCG@3 = 1 / log2(2) = 1.
  EXPECT_DOUBLE_EQ(ndcg_at(labels, kIdentity4, 3), 0.5);
  EXPECT_DOUBLE_EQ(ndcg_at(labels, kIdentity4, 2), 0.0);
  // The positive is above 1 of the 3 negatives.
  EXPECT_DOUBLE_EQ(*auc(labels, kIdentity4), 1.0 / 3.0);
  // Moving it first makes every metric perfect.
  const std::vector<int> best = {2, 0, 1, 3};
  EXPECT_DOUBLE_EQ(recall_at(labels, best, 1), 1.0);
  EXPECT_DOUBLE_EQ(ndcg_at(labels, best, 3), 1.0);
  EXPECT_DOUBLE_EQ(*auc(labels, best), 1.0);
}

TEST(Metrics, MultiplePositives) {
  const std::vector<int> labels = {1, 0, 1, 0, 1};
  const std::vector<int> order = {0, 1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(recall_at(labels, order, 1), 1.0);        // 1 / min(1, 3)
  EXPECT_DOUBLE_EQ(recall_at(labels, order, 3), 2.0 / 3.0);  // 2 / min(3, 3)
  EXPECT_DOUBLE_EQ(recall_at(labels, order, 5), 1.0);        // 3 / min(5, 3)
  // Negative at rank 2 is below 1 positive, negative at rank 4 below 2: 3 of 3 * 2 pairs.
  EXPECT_DOUBLE_EQ(*auc(labels, order), 0.5);
  // N@3: DCG = 1/log2(2) + 1/log2(4) = 1.5; IDCG = 1 + 1/log2(3) + 1/log2(4).
  EXPECT_NEAR(ndcg_at(labels, order, 3), 1.5 / (1.0 + 1.0 / std::log2(3.0) + 0.5), 1e-12);
}

TEST(Metrics, GradedLabelsUseExponentialGain) {
  const std::vector<int> labels = {1, 0, 2};
  const std::vector<int> order = {0, 1, 2};
  // DCG@3 = 1/1 + 0 + 3/log2(4) = 2.5; IDCG@3 = 3/1 + 1/log2(3).
  EXPECT_NEAR(ndcg_at(labels, order, 3), 2.5 / (3.0 + 1.0 / std::log2(3.0)), 1e-12);
  // The best grade first: N@1 = 1; the lower grade first: N@1 = 1/3.
  EXPECT_DOUBLE_EQ(ndcg_at(labels, {2, 0, 1}, 1), 1.0);
  EXPECT_DOUBLE_EQ(ndcg_at(labels, {0, 2, 1}, 1), 1.0 / 3.0);
  // Recall and AUC ignore grades: both positives count the same.
  EXPECT_DOUBLE_EQ(recall_at(labels, {0, 2, 1}, 2), 1.0);
  EXPECT_DOUBLE_EQ(*auc(labels, {0, 2, 1}), 1.0);
}

TEST(Metrics, PerfectAndReversedOrders) {
  const std::vector<int> labels = {2, 1, 0, 0};
  const std::vector<int> reversed = {3, 2, 1, 0};
  EXPECT_DOUBLE_EQ(recall_at(labels, kIdentity4, 1), 1.0);
  EXPECT_DOUBLE_EQ(ndcg_at(labels, kIdentity4, 3), 1.0);
  EXPECT_DOUBLE_EQ(*auc(labels, kIdentity4), 1.0);
  EXPECT_TRUE(is_ideal_order(labels, kIdentity4));
  EXPECT_DOUBLE_EQ(recall_at(labels, reversed, 1), 0.0);
  EXPECT_DOUBLE_EQ(recall_at(labels, reversed, 3), 0.5);  // 1 / min(3, 2)
  EXPECT_NEAR(ndcg_at(labels, reversed, 3), 0.5 / (3.0 + 1.0 / std::log2(3.0)), 1e-12);
  EXPECT_DOUBLE_EQ(*auc(labels, reversed), 0.0);
  EXPECT_FALSE(is_ideal_order(labels, reversed));
}

TEST(Metrics, KLargerThanTheSlate) {
  const std::vector<int> labels = {0, 1};
  const std::vector<int> order = {0, 1};
  EXPECT_DOUBLE_EQ(recall_at(labels, order, 10), 1.0);  // 1 / min(10, 1)
  EXPECT_NEAR(ndcg_at(labels, order, 10), 1.0 / std::log2(3.0), 1e-12);
  EXPECT_DOUBLE_EQ(ndcg_at({1, 1}, order, 5), 1.0);
}

TEST(Metrics, AucUndefinedWithoutNegativesOrPositives) {
  EXPECT_FALSE(auc({1, 2, 1}, {0, 1, 2}).has_value());
  EXPECT_FALSE(auc({0, 0}, {1, 0}).has_value());
  EXPECT_FALSE(compute_metric(parse_metric("AUC"), {1, 1}, {0, 1}).has_value());
  EXPECT_TRUE(compute_metric(parse_metric("AUC"), {1, 0}, {0, 1}).has_value());
}

TEST(Metrics, TiesAmongEqualLabelsAreIdeal) {
  EXPECT_TRUE(is_ideal_order({1, 1, 0}, {1, 0, 2}));
  EXPECT_FALSE(is_ideal_order({1, 1, 0}, {0, 2, 1}));
}

TEST(Metrics, RejectsBadInputs) {
  expect_error([] { recall_at({0, 0}, {0, 1}, 1); }, "no positive");
  expect_error([] { ndcg_at({0, 0}, {0, 1}, 1); }, "no positive");
  expect_error([] { recall_at({1, 0}, {0, 0}, 1); }, "not a permutation");
  expect_error([] { recall_at({1, 0}, {0, 1, 2}, 1); }, "not a permutation");
  expect_error([] { ndcg_at({1, 0}, {0, 1}, 0); }, "K must be >= 1");
  try {
    recall_at({0, 0}, {0, 1}, 1);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Internal);
  }
}

TEST(Metrics, ParsesMetricNames) {
  EXPECT_EQ(parse_metric("r@3").name, "R@3");
  EXPECT_EQ(parse_metric("N@10").k, 10);
  EXPECT_EQ(parse_metric("N@10").kind, MetricKind::Ndcg);
  EXPECT_EQ(parse_metric("auc").kind, MetricKind::Auc);
  expect_error([] { parse_metric("P@3"); }, "unknown metric 'P@3'");
  expect_error([] { parse_metric("R@0"); }, "expected R@K");
  expect_error([] { parse_metric("R@x"); }, "expected R@K");
  std::vector<std::string> names;
  for (const auto& m : standard_metrics()) names.push_back(m.name);
  EXPECT_EQ(names, (std::vector<std::string>{"R@1", "R@3", "R@5", "N@3", "N@5", "AUC"}));
}

}  // namespace
}  // namespace gr2
