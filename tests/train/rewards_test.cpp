// Tests of the verifiable rewards on hand-computed cases: rank promotion (the paper's examples),
// AUC, NDCG, every branch of the conditional reward against the naive sum, group advantages and
// degenerate-group detection.
#include <gtest/gtest.h>

#include <cmath>

#include "gr2/train/rl/rewards.h"
#include "test_util.h"

namespace gr2::train::rl {
namespace {

// K = 10, one positive at incoming rank 4 (index 3).
const std::vector<int> kTargetAt4 = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
const std::vector<int> kIdentity10 = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

RewardConfig config(RewardKind kind, bool conditional = true) {
  RewardConfig c;
  c.kind = kind;
  c.conditional = conditional;
  return c;
}

// `order` with candidate `index` moved to rank `to` (0-based), the others keeping their order.
std::vector<int> move_to(std::vector<int> order, int index, int to) {
  order.erase(std::find(order.begin(), order.end(), index));
  order.insert(order.begin() + to, index);
  return order;
}

TEST(Rewards, RankPromotionPaperExamples) {
  EXPECT_DOUBLE_EQ(rank_promotion(3, 0, 10), 0.3);   // 4 -> 1
  EXPECT_DOUBLE_EQ(rank_promotion(3, 6, 10), -0.3);  // 4 -> 7
  EXPECT_DOUBLE_EQ(rank_promotion(0, 0, 10), 0.0);
  EXPECT_DOUBLE_EQ(rank_promotion(9, 0, 10), 0.9);
  EXPECT_THROW(rank_promotion(3, 10, 10), Error);
  EXPECT_THROW(rank_promotion(-1, 0, 10), Error);
  EXPECT_EQ(rank_of({2, 0, 1}, 1), 2);
  EXPECT_EQ(rank_of({2, 0, 1}, 5), -1);
}

TEST(Rewards, TargetIsTheBestLabelledItem) {
  EXPECT_EQ(reward_target(kTargetAt4), 3);
  EXPECT_EQ(reward_target({0, 1, 2, 2}), 2);  // highest label, then best incoming rank
  EXPECT_EQ(reward_target({1, 0, 1}), 0);
  EXPECT_EQ(reward_target({0, 0}), -1);
}

TEST(Rewards, AucOnHandCases) {
  const std::vector<int> labels = {0, 1, 0, 1};
  // Incoming: positive 1 is above negative 2 only; positive 3 is below both: 1 of 4 pairs.
  EXPECT_DOUBLE_EQ(*slate_auc({0, 1, 2, 3}, labels), 0.25);
  EXPECT_DOUBLE_EQ(*slate_auc({1, 3, 0, 2}, labels), 1.0);
  EXPECT_DOUBLE_EQ(*slate_auc({1, 0, 2, 3}, labels), 0.5);
  EXPECT_DOUBLE_EQ(*slate_auc({0, 2, 1, 3}, labels), 0.0);
  EXPECT_DOUBLE_EQ(*slate_auc({0, 1, 2}, {1, 2, 0}), 1.0);  // grades ignored
  EXPECT_FALSE(slate_auc({0, 1}, {1, 1}).has_value());
  EXPECT_FALSE(slate_auc({0, 1}, {0, 0}).has_value());
}

TEST(Rewards, NdcgOnHandCases) {
  const std::vector<int> labels = {0, 2, 1};
  // DCG = 3/log2(3) + 1/log2(4); IDCG = 3 + 1/log2(3).
  EXPECT_NEAR(*ndcg_at_k({0, 1, 2}, labels, 0), 0.6590018048024133, 1e-12);
  EXPECT_NEAR(*ndcg_at_k({0, 1, 2}, labels, 3), 0.6590018048024133, 1e-12);
  EXPECT_NEAR(*ndcg_at_k({2, 0, 1}, labels, 0), 0.6885288809404666, 1e-12);  // (1 + 3/2) / IDCG
  EXPECT_DOUBLE_EQ(*ndcg_at_k({1, 2, 0}, labels, 0), 1.0);
  EXPECT_DOUBLE_EQ(*ndcg_at_k({0, 1, 2}, labels, 1), 0.0);
  EXPECT_DOUBLE_EQ(*ndcg_at_k({2, 1, 0}, labels, 1), 1.0 / 3.0);
  EXPECT_FALSE(ndcg_at_k({0, 1}, {0, 0}, 0).has_value());
}

// The conditional reward, rank kind ([P1]), one branch per test.

TEST(Rewards, ConditionalImproved) {
  const RewardBreakdown b = compute_reward(config(RewardKind::Rank), true, move_to(kIdentity10, 3, 0), kTargetAt4);
  EXPECT_TRUE(b.valid);
  EXPECT_TRUE(b.ranking_defined);
  EXPECT_TRUE(b.improved);
  EXPECT_FALSE(b.identity_copy);
  EXPECT_FALSE(b.top1_kept);
  EXPECT_DOUBLE_EQ(b.ranking, 0.3);
  EXPECT_DOUBLE_EQ(b.format, 0.2);
  EXPECT_DOUBLE_EQ(b.total, 0.5);
}

TEST(Rewards, ConditionalWorsenedGetsNoFormatBonus) {
  const RewardBreakdown b = compute_reward(config(RewardKind::Rank), true, move_to(kIdentity10, 3, 6), kTargetAt4);
  EXPECT_FALSE(b.improved);
  EXPECT_DOUBLE_EQ(b.ranking, -0.3);
  EXPECT_DOUBLE_EQ(b.format, 0.0);
  EXPECT_DOUBLE_EQ(b.total, -0.3);
  // Naive: the bonus is paid anyway.
  EXPECT_DOUBLE_EQ(compute_reward(config(RewardKind::Rank, false), true, move_to(kIdentity10, 3, 6), kTargetAt4).total,
                   -0.3 + 0.2);
}

TEST(Rewards, ConditionalUnchangedTargetRankGetsNothing) {
  // Others reshuffled, the target stays at rank 4: no promotion, no bonus.
  std::vector<int> order = {2, 1, 0, 3, 9, 8, 7, 6, 5, 4};
  const RewardBreakdown b = compute_reward(config(RewardKind::Rank), true, order, kTargetAt4);
  EXPECT_FALSE(b.identity_copy);
  EXPECT_FALSE(b.ranking_withheld);
  EXPECT_DOUBLE_EQ(b.total, 0.0);
}

TEST(Rewards, ConditionalIdentityCopyOfANonOptimalOrder) {
  const RewardBreakdown b = compute_reward(config(RewardKind::Rank), true, kIdentity10, kTargetAt4);
  EXPECT_TRUE(b.identity_copy);
  EXPECT_FALSE(b.incoming_optimal);
  EXPECT_TRUE(b.ranking_withheld);
  EXPECT_DOUBLE_EQ(b.ranking, 0.0);
  EXPECT_DOUBLE_EQ(b.format, 0.0);
  EXPECT_DOUBLE_EQ(b.total, 0.0);
  // The hack the gate removes: the naive sum pays a copy +alpha for nothing.
  const RewardBreakdown naive = compute_reward(config(RewardKind::Rank, false), true, kIdentity10, kTargetAt4);
  EXPECT_TRUE(naive.identity_copy);
  EXPECT_DOUBLE_EQ(naive.total, 0.2);
}

TEST(Rewards, ConditionalIdentityCopyOfAnOptimalOrder) {
  std::vector<int> labels(10, 0);
  labels[0] = 1;
  const RewardBreakdown b = compute_reward(config(RewardKind::Rank), true, kIdentity10, labels);
  EXPECT_TRUE(b.identity_copy);
  EXPECT_TRUE(b.incoming_optimal);
  EXPECT_TRUE(b.top1_kept);
  EXPECT_FALSE(b.ranking_withheld);
  EXPECT_DOUBLE_EQ(b.ranking, 0.0);
  EXPECT_DOUBLE_EQ(b.total, 0.2);
}

TEST(Rewards, ConditionalBestFirstAndKept) {
  std::vector<int> labels(10, 0);
  labels[0] = 1;
  const std::vector<int> order = {0, 9, 8, 7, 6, 5, 4, 3, 2, 1};  // the rest reshuffled
  const RewardBreakdown b = compute_reward(config(RewardKind::Rank), true, order, labels);
  EXPECT_TRUE(b.top1_kept);
  EXPECT_FALSE(b.improved);
  EXPECT_DOUBLE_EQ(b.total, 0.2);
}

TEST(Rewards, ConditionalBestFirstButMovedDown) {
  std::vector<int> labels(10, 0);
  labels[0] = 1;
  const RewardBreakdown b = compute_reward(config(RewardKind::Rank), true, move_to(kIdentity10, 0, 2), labels);
  EXPECT_FALSE(b.top1_kept);
  EXPECT_FALSE(b.improved);
  EXPECT_DOUBLE_EQ(b.ranking, -0.2);
  EXPECT_DOUBLE_EQ(b.format, 0.0);
  EXPECT_DOUBLE_EQ(b.total, -0.2);
}

TEST(Rewards, InvalidAnswers) {
  for (bool conditional : {true, false}) {
    const RewardBreakdown b = compute_reward(config(RewardKind::Rank, conditional), false, {}, kTargetAt4);
    EXPECT_FALSE(b.valid);
    EXPECT_DOUBLE_EQ(b.ranking, 0.0);
    EXPECT_DOUBLE_EQ(b.format, 0.0);
    EXPECT_DOUBLE_EQ(b.total, -1.0);
  }
  RewardConfig c = config(RewardKind::Ndcg);
  c.invalid_reward = -0.5;
  PolicyAnswer answer;
  answer.valid = false;
  answer.failure = "duplicate";
  EXPECT_DOUBLE_EQ(compute_reward(c, answer, kTargetAt4).total, -0.5);
  // A "valid" answer that is no permutation is gr2's own bug.
  EXPECT_THROW(compute_reward(c, true, {0, 0, 1}, {0, 1, 0}), Error);
}

TEST(Rewards, ConditionalNdcgBranches) {
  const RewardConfig c = config(RewardKind::Ndcg);
  const std::vector<int> labels = {0, 2, 1};  // incoming N = 0.659
  // Identity copy of a non-optimal order: no ranking credit, no bonus (the naive sum pays 0.659 + 0.2).
  RewardBreakdown b = compute_reward(c, true, {0, 1, 2}, labels);
  EXPECT_TRUE(b.ranking_withheld);
  EXPECT_NEAR(b.incoming_metric, 0.6590018048024133, 1e-12);
  EXPECT_DOUBLE_EQ(b.total, 0.0);
  EXPECT_NEAR(compute_reward(config(RewardKind::Ndcg, false), true, {0, 1, 2}, labels).total, 0.8590018048024133, 1e-12);
  // Improved to the ideal order.
  b = compute_reward(c, true, {1, 2, 0}, labels);
  EXPECT_TRUE(b.improved);
  EXPECT_DOUBLE_EQ(b.total, 1.2);
  // Improved a little.
  EXPECT_NEAR(compute_reward(c, true, {2, 0, 1}, labels).total, 0.6885288809404666 + 0.2, 1e-12);
  // Worse than incoming: its NDCG, no bonus.
  b = compute_reward(c, true, {0, 2, 1}, labels);
  EXPECT_FALSE(b.improved);
  EXPECT_NEAR(b.total, 0.58688267143572, 1e-12);

  // The best item first in a non-optimal order: a copy keeps it first (bonus, but no ranking credit).
  const std::vector<int> best_first = {2, 0, 1};  // incoming N = 0.964
  b = compute_reward(c, true, {0, 1, 2}, best_first);
  EXPECT_TRUE(b.top1_kept);
  EXPECT_TRUE(b.ranking_withheld);
  EXPECT_DOUBLE_EQ(b.total, 0.2);
  EXPECT_DOUBLE_EQ(compute_reward(c, true, {0, 2, 1}, best_first).total, 1.2);
  b = compute_reward(c, true, {1, 0, 2}, best_first);  // moved down
  EXPECT_FALSE(b.top1_kept);
  EXPECT_NEAR(b.total, 0.6590018048024133, 1e-12);

  // An optimal incoming order copied: full credit and bonus.
  b = compute_reward(c, true, {0, 1, 2}, {2, 1, 0});
  EXPECT_TRUE(b.incoming_optimal);
  EXPECT_FALSE(b.ranking_withheld);
  EXPECT_DOUBLE_EQ(b.total, 1.2);
}

TEST(Rewards, ConditionalAucBranches) {
  const RewardConfig c = config(RewardKind::Auc);
  const std::vector<int> labels = {0, 1, 0, 1};  // incoming AUC 0.25
  EXPECT_DOUBLE_EQ(compute_reward(c, true, {0, 1, 2, 3}, labels).total, 0.0);
  EXPECT_DOUBLE_EQ(compute_reward(c, true, {1, 3, 0, 2}, labels).total, 1.2);
  EXPECT_DOUBLE_EQ(compute_reward(c, true, {1, 0, 2, 3}, labels).total, 0.7);
  EXPECT_DOUBLE_EQ(compute_reward(c, true, {0, 2, 1, 3}, labels).total, 0.0);  // worse: AUC 0, no bonus
  // Binary relevance: {1, 2, 0} in incoming order is already optimal for AUC (not for NDCG).
  RewardBreakdown b = compute_reward(c, true, {0, 1, 2}, {1, 2, 0});
  EXPECT_TRUE(b.incoming_optimal);
  EXPECT_TRUE(b.top1_kept);
  EXPECT_DOUBLE_EQ(b.total, 1.2);
  b = compute_reward(config(RewardKind::Ndcg), true, {0, 1, 2}, {1, 2, 0});
  EXPECT_FALSE(b.incoming_optimal);
  EXPECT_DOUBLE_EQ(b.total, 0.0);
}

TEST(Rewards, UndefinedMetricPaysTheFormatBonusOnly) {
  for (RewardKind kind : {RewardKind::Rank, RewardKind::Auc, RewardKind::Ndcg}) {
    const RewardBreakdown b = compute_reward(config(kind), true, {1, 0, 2}, {0, 0, 0});
    EXPECT_FALSE(b.ranking_defined);
    EXPECT_DOUBLE_EQ(b.ranking, 0.0);
    EXPECT_DOUBLE_EQ(b.total, 0.2);
  }
  const RewardBreakdown b = compute_reward(config(RewardKind::Auc), true, {0, 1}, {1, 1});  // no negative
  EXPECT_FALSE(b.ranking_defined);
  EXPECT_TRUE(b.identity_copy);
  EXPECT_DOUBLE_EQ(b.total, 0.2);
}

TEST(Rewards, KindsAndConfig) {
  EXPECT_EQ(parse_reward_kind("rank"), RewardKind::Rank);
  EXPECT_EQ(parse_reward_kind("AUC"), RewardKind::Auc);
  EXPECT_EQ(parse_reward_kind("Ndcg"), RewardKind::Ndcg);
  EXPECT_EQ(reward_kind_name(RewardKind::Ndcg), "ndcg");
  expect_error([] { parse_reward_kind("recall"); }, "rank, auc or ndcg");
  RewardConfig c;
  c.validate();
  c.format_weight = -0.1;
  expect_error([&] { c.validate(); }, "format_weight");
  c.format_weight = 0.2;
  c.invalid_reward = std::nan("");
  expect_error([&] { c.validate(); }, "invalid_reward");
}

TEST(Rewards, GroupAdvantages) {
  // Mean 2/15, sample std 0.40415 (divisor n - 1).
  const std::vector<double> a = group_advantages({0.5, -0.3, 0.2}, 0.0);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_NEAR(a[0], 0.9072647087265548, 1e-12);
  EXPECT_NEAR(a[1], -1.0722219284950192, 1e-12);
  EXPECT_NEAR(a[2], 0.16495721976846453, 1e-12);
  // Two rewards 1 and 0: mean 0.5, sample std sqrt(0.5); eps shifts the value slightly.
  const std::vector<double> b = group_advantages({1.0, 0.0});
  EXPECT_NEAR(b[0], 0.5 / (std::sqrt(0.5) + 1e-6), 1e-12);
  EXPECT_NEAR(b[1], -b[0], 1e-12);
  EXPECT_EQ(group_advantages({0.2, 0.2, 0.2}), (std::vector<double>{0.0, 0.0, 0.0}));
  EXPECT_EQ(group_advantages({0.7}), (std::vector<double>{0.0}));
  EXPECT_TRUE(group_advantages({}).empty());
}

// Batch and none scale group-centred rewards by one number for the whole batch (or none), so a
// group whose answers differ more keeps its larger advantages; group equals group_advantages.
TEST(Rewards, BatchAdvantages) {
  const std::vector<std::vector<double>> groups{{1.0, 0.0}, {0.55, 0.45}, {0.3, 0.3}, {0.7}};
  const auto group = batch_advantages(groups, AdvantageNorm::Group, 0.0);
  ASSERT_EQ(group.size(), 4u);
  EXPECT_EQ(group[0], group_advantages(groups[0], 0.0));
  EXPECT_EQ(group[1], group_advantages(groups[1], 0.0));
  EXPECT_NEAR(group[1][0], group[0][0], 1e-9);  // a 0.1 spread weighs as much as a 1.0 spread
  const auto none = batch_advantages(groups, AdvantageNorm::None, 0.0);
  EXPECT_NEAR(none[0][0], 0.5, 1e-12);
  EXPECT_NEAR(none[0][1], -0.5, 1e-12);
  EXPECT_NEAR(none[1][0], 0.05, 1e-12);
  EXPECT_EQ(none[2], (std::vector<double>{0.0, 0.0}));  // degenerate: zeros, outside the pooled std
  EXPECT_EQ(none[3], (std::vector<double>{0.0}));       // one reward: zeros
  // Pooled std: (0.25 + 0.25 + 0.0025 + 0.0025) / (1 + 1) = 0.2525.
  const auto batch = batch_advantages(groups, AdvantageNorm::Batch, 0.0);
  const double sd = std::sqrt(0.2525);
  EXPECT_NEAR(batch[0][0], 0.5 / sd, 1e-12);
  EXPECT_NEAR(batch[1][1], -0.05 / sd, 1e-12);
  EXPECT_NEAR(batch[0][0] / batch[1][0], 10.0, 1e-9);
  EXPECT_EQ(batch[2], (std::vector<double>{0.0, 0.0}));
  // A batch with no signal at all stays zero (no division by a zero std).
  for (const auto& a : batch_advantages({{0.2, 0.2}}, AdvantageNorm::Batch)) EXPECT_EQ(a, (std::vector<double>{0.0, 0.0}));
  EXPECT_EQ(parse_advantage_norm("Batch"), AdvantageNorm::Batch);
  EXPECT_EQ(advantage_norm_name(parse_advantage_norm("none")), "none");
  expect_error([] { parse_advantage_norm("std"); }, "expected group, batch or none");
}

TEST(Rewards, DegenerateGroups) {
  EXPECT_TRUE(group_is_degenerate({0.2, 0.2, 0.2, 0.2}));
  EXPECT_TRUE(group_is_degenerate({-1.0, -1.0}));
  EXPECT_TRUE(group_is_degenerate({0.2, 0.2 + 1e-10}));
  EXPECT_TRUE(group_is_degenerate({0.5}));
  EXPECT_TRUE(group_is_degenerate({}));
  EXPECT_FALSE(group_is_degenerate({0.2, 0.2, 0.2001}));
  EXPECT_FALSE(group_is_degenerate({-1.0, 0.5}));
}

}  // namespace
}  // namespace gr2::train::rl
