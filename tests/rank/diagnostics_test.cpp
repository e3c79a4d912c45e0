// Tests for policy diagnostics: identity copies, top-1 position histogram, Kendall tau, and
// order robustness of a position-biased vs a content-based toy policy.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "gr2/rank/reference_policies.h"
#include "gr2/rank/diagnostics.h"
#include "test_util.h"

namespace gr2 {
namespace {

PolicyAnswer answer(std::vector<int> order) {
  PolicyAnswer a;
  a.order = std::move(order);
  return a;
}

PolicyAnswer invalid(const std::string& failure) {
  PolicyAnswer a;
  a.valid = false;
  a.failure = failure;
  return a;
}

// Always puts the second presented candidate first: pure position bias.
class SecondFirstPolicy : public Policy {
 public:
  std::string name() const override { return "second-first"; }
  PolicyAnswer rank(const RankRequest& r) override {
    std::vector<int> order(static_cast<size_t>(r.size()));
    std::iota(order.begin(), order.end(), 0);
    std::swap(order[0], order[1]);
    return answer(order);
  }
};

// Sorts by item id: depends on content only.
class ByIdPolicy : public Policy {
 public:
  std::string name() const override { return "by-id"; }
  PolicyAnswer rank(const RankRequest& r) override {
    std::vector<int> order(static_cast<size_t>(r.size()));
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) {
      return r.candidates[static_cast<size_t>(a)].item_id < r.candidates[static_cast<size_t>(b)].item_id;
    });
    return answer(order);
  }
};

// Fails on every request whose candidates are not in the original order (item "c0" first).
class FailsWhenShuffled : public Policy {
 public:
  std::string name() const override { return "fragile"; }
  bool can_fail() const override { return true; }
  PolicyAnswer rank(const RankRequest& r) override {
    if (r.candidates[0].item_id != "c0") return invalid("unparseable");
    std::vector<int> order(static_cast<size_t>(r.size()));
    std::iota(order.begin(), order.end(), 0);
    return answer(order);
  }
};

std::vector<RankRequest> requests(int count, int k) {
  std::vector<RankRequest> out;
  for (int i = 0; i < count; ++i) {
    RankRequest r;
    r.request_id = "req" + std::to_string(i);
    for (int c = 0; c < k; ++c) r.candidates.push_back({"c" + std::to_string(c), 0.0});
    // Vary the content order so that sorting by id is not the identity.
    std::rotate(r.candidates.begin(), r.candidates.begin() + (i % k), r.candidates.end());
    std::swap(r.candidates[0], r.candidates[static_cast<size_t>(k - 1)]);
    out.push_back(r);
  }
  return out;
}

TEST(Diagnostics, CountsIdentityCopiesTopOneAndInvalidAnswers) {
  DiagnosticsAccumulator acc("p", true);
  PolicyAnswer a = answer({0, 1, 2});
  a.output_tokens = 10;
  a.latency_ms = 2;
  acc.add(a, 3);
  acc.add(answer({0, 1, 2}), 3);
  acc.add(answer({2, 0, 1}), 3);
  acc.add(answer({0, 2, 1}), 3);
  acc.add(invalid("unparseable"), 3);
  acc.add(answer({0, 0, 1}), 3);  // says valid but is no permutation
  PolicyDiagnostics d = acc.finish();
  EXPECT_EQ(d.answers, 6);
  EXPECT_EQ(d.valid, 4);
  EXPECT_EQ(d.invalid, 2);
  EXPECT_DOUBLE_EQ(d.invalid_rate, 2.0 / 6.0);
  EXPECT_EQ(d.failures.at("unparseable"), 1);
  EXPECT_EQ(d.failures.at("not_a_permutation"), 1);
  EXPECT_DOUBLE_EQ(d.identity_copy_rate, 2.0 / 4.0);
  EXPECT_DOUBLE_EQ(d.top1_kept_rate, 3.0 / 4.0);
  EXPECT_EQ(d.top1_position_histogram, (std::vector<int64_t>{3, 0, 1}));
  EXPECT_DOUBLE_EQ(d.mean_output_tokens, 10.0 / 6.0);
  EXPECT_DOUBLE_EQ(d.mean_latency_ms, 2.0 / 6.0);
}

TEST(Diagnostics, KendallTau) {
  EXPECT_DOUBLE_EQ(kendall_tau({0, 1, 2, 3}, {0, 1, 2, 3}), 1.0);
  EXPECT_DOUBLE_EQ(kendall_tau({0, 1, 2, 3}, {3, 2, 1, 0}), -1.0);
  EXPECT_DOUBLE_EQ(kendall_tau({0, 1, 2}, {1, 0, 2}), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(kendall_tau({0}, {0}), 1.0);
  expect_error([] { kendall_tau({0, 1}, {0, 1, 2}); }, "permutations");
}

TEST(Diagnostics, ShuffleIsSeededNeverIdentityAndMapsBack) {
  for (int i = 0; i < 50; ++i) {
    RankRequest r;
    r.request_id = "r" + std::to_string(i);
    r.candidates = {{"a", 0}, {"b", 0}};
    ShuffledRequest s = shuffle_request(r, 1);
    EXPECT_EQ(s.perm, (std::vector<int>{1, 0})) << "a shuffle of 2 must swap them";
  }
  RankRequest r = requests(1, 8)[0];
  ShuffledRequest s = shuffle_request(r, 5);
  EXPECT_EQ(shuffle_request(r, 5).perm, s.perm);
  for (size_t j = 0; j < s.perm.size(); ++j) {
    EXPECT_EQ(s.request.candidates[j].item_id, r.candidates[static_cast<size_t>(s.perm[j])].item_id);
  }
  // An answer that puts shuffled slot j first maps back to original candidate perm[j].
  std::vector<int> order(8);
  std::iota(order.begin(), order.end(), 0);
  EXPECT_EQ(unshuffle_order(order, s.perm), s.perm);
}

TEST(Diagnostics, ContentBasedPolicyIsOrderRobustAndPositionBiasedIsNot) {
  const auto reqs = requests(60, 10);
  ByIdPolicy content;
  SecondFirstPolicy position;
  const auto content_answers = content.rank_batch(reqs);
  const auto position_answers = position.rank_batch(reqs);
  OrderRobustness c = measure_order_robustness(content, reqs, content_answers, 3, 16);
  OrderRobustness p = measure_order_robustness(position, reqs, position_answers, 3, 16);
  EXPECT_EQ(c.slates, 60);
  EXPECT_DOUBLE_EQ(c.top1_agreement, 1.0);
  EXPECT_DOUBLE_EQ(c.mean_kendall_tau, 1.0);
  EXPECT_EQ(p.slates, 60);
  EXPECT_LT(p.top1_agreement, 0.4);
  EXPECT_LT(p.mean_kendall_tau, 0.4);
  // The position-biased policy always picks incoming position 2.
  DiagnosticsAccumulator acc("second-first", false);
  for (const auto& a : position_answers) acc.add(a, 10);
  const PolicyDiagnostics d = acc.finish();
  EXPECT_EQ(d.top1_position_histogram, (std::vector<int64_t>{0, 60}));
  EXPECT_DOUBLE_EQ(d.top1_kept_rate, 0.0);
  EXPECT_DOUBLE_EQ(d.identity_copy_rate, 0.0);
}

TEST(Diagnostics, RobustnessSkipsInvalidAnswers) {
  std::vector<RankRequest> reqs;
  for (int i = 0; i < 5; ++i) {
    RankRequest r;
    r.request_id = "q" + std::to_string(i);
    for (int c = 0; c < 4; ++c) r.candidates.push_back({"c" + std::to_string(c), 0.0});
    reqs.push_back(r);
  }
  FailsWhenShuffled fragile;
  const auto answers = fragile.rank_batch(reqs);
  OrderRobustness o = measure_order_robustness(fragile, reqs, answers, 9);
  // Shuffles that keep c0 first yield valid answers; the others are skipped.
  EXPECT_EQ(o.slates + o.skipped_invalid, 5);
  EXPECT_GT(o.skipped_invalid, 0);
}

}  // namespace
}  // namespace gr2
