// Dynamic sampling: tied groups are dropped and refilled with fresh prompts, within the round cap.
#include <gtest/gtest.h>

#include "gr2/train/rl/dynamic_sampling.h"

namespace gr2::train::rl {
namespace {

TEST(DynamicSampling, DropsTiedGroupsAndRefills) {
  // Round 0: 4 groups, 2 tied (all rewards equal). Round 1 is asked for exactly the 2 missing.
  std::vector<int64_t> asked;
  auto draw = [&](int64_t n, int64_t round) {
    asked.push_back(n);
    std::vector<std::vector<double>> g;
    for (int64_t i = 0; i < n; ++i) {
      if (round == 0 && i % 2 == 1)
        g.push_back({0.2, 0.2, 0.2});
      else
        g.push_back({0.0, 0.3, -0.1});
    }
    return g;
  };
  const auto c = collect_groups(4, 3, true, draw);
  ASSERT_EQ(c.kept.size(), 4u);
  EXPECT_EQ(asked, (std::vector<int64_t>{4, 2}));
  EXPECT_EQ(c.rounds, 2);
  EXPECT_EQ(c.groups_seen, 6);
  EXPECT_EQ(c.kept[0].round, 0);
  EXPECT_EQ(c.kept[1].index, 2);
  EXPECT_EQ(c.kept[2].round, 1);
  // Advantages are group-normalised: they sum to zero.
  double sum = 0;
  for (double a : c.kept[0].advantages) sum += a;
  EXPECT_NEAR(sum, 0.0, 1e-9);
}

// The advantages are computed over every kept group together, whichever round drew it.
TEST(DynamicSampling, BatchNormalisesAcrossRounds) {
  auto draw = [](int64_t n, int64_t round) {
    std::vector<std::vector<double>> g;
    for (int64_t i = 0; i < n; ++i) g.push_back(round == 0 && i == 0 ? std::vector<double>{1.0, 0.0}
                                                : round == 0         ? std::vector<double>{0.5, 0.5}
                                                                     : std::vector<double>{0.6, 0.4});
    return g;
  };
  const auto c = collect_groups(2, 3, true, draw, AdvantageNorm::Batch);
  ASSERT_EQ(c.kept.size(), 2u);
  EXPECT_EQ(c.kept[1].round, 1);
  const auto expected = batch_advantages({{1.0, 0.0}, {0.6, 0.4}}, AdvantageNorm::Batch);
  EXPECT_EQ(c.kept[0].advantages, expected[0]);
  EXPECT_EQ(c.kept[1].advantages, expected[1]);
  EXPECT_NEAR(c.kept[0].advantages[0] / c.kept[1].advantages[0], 5.0, 1e-9);
}

TEST(DynamicSampling, StopsAtTheRoundCapAndWithoutDynamicKeepsEverything) {
  auto all_tied = [](int64_t n, int64_t) { return std::vector<std::vector<double>>(static_cast<size_t>(n), {1.0, 1.0}); };
  const auto capped = collect_groups(3, 2, true, all_tied);
  EXPECT_TRUE(capped.kept.empty());
  EXPECT_EQ(capped.rounds, 3);  // round 0 + 2 refills
  EXPECT_EQ(capped.groups_seen, 9);
  const auto plain = collect_groups(3, 2, false, all_tied);
  EXPECT_EQ(plain.kept.size(), 3u);
  EXPECT_EQ(plain.rounds, 1);
  for (const auto& g : plain.kept)
    for (double a : g.advantages) EXPECT_EQ(a, 0.0);
}

}  // namespace
}  // namespace gr2::train::rl
