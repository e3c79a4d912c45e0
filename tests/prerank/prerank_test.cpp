// Tests of the pre-ranker: the slate builder's invariants (positive in, K distinct items, none from
// the user's items, ordered by score, popularity share), out-of-fold scoring (no user's training
// slate is scored by a model trained on that user), the config, and a tiny training run whose
// loss falls and whose saved model reloads with the same scores.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <algorithm>
#include <set>
#include <unordered_set>

#include "gr2/core/config.h"
#include "gr2/core/rng.h"
#include "gr2/prerank/catalog_eval.h"
#include "gr2/prerank/prerank_config.h"
#include "gr2/prerank/sasrec.h"
#include "gr2/data/sequences.h"
#include "gr2/prerank/slate_builder.h"
#include "gr2/prerank/slate_plan.h"
#include "gr2/prerank/trainer.h"
#include "test_util.h"

namespace gr2::prerank {
namespace {

TEST(PrerankSlateBuilder, InvariantsHoldOnRandomScores) {
  const int64_t n = 300;
  Rng score_rng(1);
  std::vector<int64_t> counts(n + 1);
  for (auto& c : counts) c = static_cast<int64_t>(score_rng.below(50));
  const PopularitySampler pop(counts);
  for (double share : {0.0, 0.34, 1.0}) {
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<float> scores(n + 1);
      for (auto& s : scores) s = static_cast<float>(score_rng.normal());
      const int64_t positive = 1 + static_cast<int64_t>(score_rng.below(n));
      std::unordered_set<int64_t> exclude;
      for (int i = 0; i < 20; ++i) exclude.insert(1 + static_cast<int64_t>(score_rng.below(n)));
      exclude.erase(positive);
      Rng rng(trial);
      SlateDifficulty d{10, 30, share};
      const auto cands = build_slate_candidates(scores.data(), n, positive, exclude, d, &pop, rng);
      ASSERT_EQ(cands.size(), 10u);
      std::set<int64_t> distinct;
      int positives = 0;
      for (size_t k = 0; k < cands.size(); ++k) {
        distinct.insert(cands[k].item);
        positives += cands[k].item == positive;
        EXPECT_GE(cands[k].item, 1);
        EXPECT_LE(cands[k].item, n);
        EXPECT_EQ(exclude.count(cands[k].item), 0u) << "a history item was drawn as a negative";
        EXPECT_EQ(cands[k].score, scores[static_cast<size_t>(cands[k].item)]);
        if (k > 0) {
          EXPECT_GE(cands[k - 1].score, cands[k].score) << "not in decreasing score order";
        }
      }
      EXPECT_EQ(distinct.size(), 10u);
      EXPECT_EQ(positives, 1);
    }
  }
}

TEST(PrerankSlateBuilder, NegativesComeFromTheTopM) {
  const int64_t n = 100;
  std::vector<float> scores(n + 1);
  for (int64_t i = 1; i <= n; ++i) scores[static_cast<size_t>(i)] = static_cast<float>(n - i);  // item 1 best
  std::unordered_set<int64_t> exclude{1, 2};
  Rng rng(3);
  SlateDifficulty d{5, 6, 0.0};
  const auto cands = build_slate_candidates(scores.data(), n, 80, exclude, d, nullptr, rng);
  // Eligible top-6: items 3..8; the positive (80) scores lowest, so it comes last.
  for (size_t k = 0; k + 1 < cands.size(); ++k) {
    EXPECT_GE(cands[k].item, 3);
    EXPECT_LE(cands[k].item, 8);
  }
  EXPECT_EQ(cands.back().item, 80);
}

TEST(PrerankSlateBuilder, TooSmallCatalogIsAnError) {
  std::vector<float> scores(6, 0.f);
  Rng rng(0);
  expect_error([&] { build_slate_candidates(scores.data(), 5, 1, {}, SlateDifficulty{10, 10, 0.0}, nullptr, rng); },
               "eligible");
}

std::vector<UserSequence> toy_users(int users, int64_t items, int len, uint64_t seed) {
  // Each user walks a cycle: item i is followed by i + 1 (mod items), from a random start.
  Rng rng(seed);
  std::vector<UserSequence> out;
  for (int u = 0; u < users; ++u) {
    UserSequence s;
    s.user_id = "u" + std::to_string(u);
    int64_t x = static_cast<int64_t>(rng.below(static_cast<uint64_t>(items)));
    std::vector<int64_t> seq;
    for (int i = 0; i < len; ++i) seq.push_back((x + i) % items + 1);
    s.test_target = seq.back();
    seq.pop_back();
    s.valid_target = seq.back();
    seq.pop_back();
    s.train = seq;
    out.push_back(s);
  }
  return out;
}

TEST(PrerankFolds, TrainingSlatesAreScoredOutOfFold) {
  const auto users = toy_users(200, 50, 8, 5);
  const uint64_t seed = 9;
  for (int64_t folds : {2, 3}) {
    std::vector<std::unordered_set<size_t>> trained_on(static_cast<size_t>(folds));
    for (int f = 0; f < folds; ++f) {
      for (size_t i : fold_training_users(users, f, seed, folds)) trained_on[static_cast<size_t>(f)].insert(i);
      EXPECT_GT(trained_on[static_cast<size_t>(f)].size(), 0u);
      EXPECT_LT(trained_on[static_cast<size_t>(f)].size(), users.size());
    }
    const auto plan = plan_slate_requests(users, 2, seed, folds);
    int train = 0, valid = 0, test = 0;
    for (const auto& r : plan) {
      if (r.part == SplitPart::Train) {
        ++train;
        ASSERT_GE(r.scorer, 0);
        EXPECT_EQ(trained_on[static_cast<size_t>(r.scorer)].count(r.user), 0u)
            << "user " << users[r.user].user_id << "'s training slate is scored by a model trained on that user";
        EXPECT_GE(r.position, 1u);
        EXPECT_LT(r.position, users[r.user].train.size());
      } else {
        EXPECT_EQ(r.scorer, -1);
        valid += r.part == SplitPart::Valid;
        test += r.part == SplitPart::Test;
      }
    }
    EXPECT_EQ(train, 400);  // 2 positions x 200 users
    EXPECT_EQ(valid, 200);
    EXPECT_EQ(test, 200);
  }
  // The fold of a user does not depend on the order of the file.
  EXPECT_EQ(fold_of("u7", seed, 2), fold_of("u7", seed, 2));
}

TEST(PrerankConfigTest, StrictKeysAndRanges) {
  expect_error([] { PrerankConfig::from_config(Config::parse("[prerank]\ntop_mm = 3\n")); }, "top_mm");
  expect_error([] { PrerankConfig::from_config(Config::parse("[prerank]\nloss = \"mse\"\n")); }, "prerank.loss");
  expect_error([] { PrerankConfig::from_config(Config::parse("[prerank]\ntop_m = 3\n")); }, "top_m");
  const PrerankConfig c = PrerankConfig::from_config(Config::parse("[prerank]\ntop_m = 300\npopular_share = 0.5\n"));
  EXPECT_EQ(c.top_m, 300);
  const PrerankConfig back = PrerankConfig::from_json(c.to_json());
  EXPECT_EQ(back.top_m, 300);
  EXPECT_DOUBLE_EQ(back.popular_share, 0.5);
}

TEST(PrerankTraining, TinyRunLearnsAndReloads) {
  torch::set_num_threads(1);
  const auto users = toy_users(120, 30, 10, 2);
  PrerankConfig c;
  c.dim = 16;
  c.blocks = 1;
  c.max_len = 8;
  c.epochs = 6;
  c.patience = 10;
  c.batch_size = 32;
  c.learning_rate = 5e-3;
  c.dropout = 0.0;
  c.folds = 0;
  c.threads = 0;
  auto r = train_sasrec(users, 30, c, torch::kCPU, "test", nullptr);
  EXPECT_LT(r.last_loss, 0.7 * r.first_loss) << "first " << r.first_loss << " last " << r.last_loss;
  // The cycle is deterministic: a trained model predicts the next item well.
  const CatalogMetrics test = evaluate_catalog(r.model, users, Target::Test, torch::kCPU);
  EXPECT_GT(test.recall10, 0.5);
  TempDir dir;
  SasRec model = r.model;
  save_sasrec(dir.path("m"), model, c, Json::object());
  SasRec back = load_sasrec(dir.path("m"), torch::kCPU, 30);
  auto x = pad_sequences({{1, 2, 3}, {7}}, c.max_len, torch::kCPU);
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(model->score_next(x), back->score_next(x)));
  expect_error([&] { load_sasrec(dir.path("m"), torch::kCPU, 31); }, "31");
}

}  // namespace
}  // namespace gr2::prerank
