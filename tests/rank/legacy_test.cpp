// Tests of the legacy re-rankers: tiny DIN and PRM training runs on slates whose positive shares
// the category of the user's history (learnable from the sparse IDs only), whose loss falls and
// which beat the (uninformative) incoming order on validation; the saved model as a policy in
// `gr2 eval`'s factory; losses on hand-made batches; the strict config.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>

#include "gr2/core/config.h"
#include "gr2/core/rng.h"
#include "gr2/data/catalog.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/slates.h"
#include "gr2/rank/legacy/legacy_config.h"
#include "gr2/rank/legacy/legacy_policy.h"
#include "gr2/rank/legacy/legacy_trainer.h"
#include "gr2/eval/policy_factory.h"
#include "test_util.h"

namespace gr2::legacy {
namespace {

// 8 categories x 10 items. Each slate: history of 4 items from one category; 6 candidates, one
// (labelled 2 or 1) from that category, the rest from others; incoming scores are random.
void write_toy_data(const std::string& root, int train_slates, int valid_slates) {
  Catalog catalog;
  for (int i = 0; i < 80; ++i) {
    Item it;
    it.item_id = "i" + std::to_string(i);
    it.title = "item " + std::to_string(i);
    it.category = {"Root", "C" + std::to_string(i / 10)};
    it.brand = "B" + std::to_string(i % 5);
    catalog.add(it);
  }
  const DataDir dir{root};
  catalog.write_jsonl(dir.catalog());
  Rng rng(4);
  auto make = [&](int count, const std::string& tag) {
    std::vector<Slate> out;
    for (int s = 0; s < count; ++s) {
      const int cat = static_cast<int>(rng.below(8));
      Slate sl;
      sl.request_id = tag + std::to_string(s);
      sl.user_id = "u" + std::to_string(s);
      for (int h = 0; h < 4; ++h) sl.history.push_back("i" + std::to_string(cat * 10 + static_cast<int>(rng.below(10))));
      const int pos_slot = static_cast<int>(rng.below(6));
      std::vector<int> used;
      for (int k = 0; k < 6; ++k) {
        int item;
        do {
          const int c = k == pos_slot ? cat : static_cast<int>((cat + 1 + rng.below(7)) % 8);
          item = c * 10 + static_cast<int>(rng.below(10));
        } while (std::find(used.begin(), used.end(), item) != used.end());
        used.push_back(item);
        sl.candidates.push_back({"i" + std::to_string(item), rng.normal()});
        sl.labels.push_back(k == pos_slot ? 1 + static_cast<int>(rng.below(2)) : 0);
      }
      out.push_back(sl);
    }
    return out;
  };
  write_slates(dir.slates(SplitPart::Train), make(train_slates, "t"));
  write_slates(dir.slates(SplitPart::Valid), make(valid_slates, "v"));
}

LegacyConfig tiny_config() {
  LegacyConfig c;
  c.dim = 8;
  c.max_history = 4;
  c.att_hidden = 8;
  c.hidden = 16;
  c.prm_dim = 16;
  c.prm_layers = 1;
  c.prm_heads = 2;
  c.dropout = 0.0;
  c.epochs = 8;
  c.patience = 8;
  c.batch_size = 32;
  c.learning_rate = 1e-2;
  c.threads = 0;
  return c;
}

class LegacyTraining : public ::testing::TestWithParam<std::string> {};

TEST_P(LegacyTraining, LossFallsAndBeatsIncomingOnValidation) {
  torch::set_num_threads(1);
  TempDir dir;
  write_toy_data(dir.path(), 600, 200);
  LegacyTrainOptions o;
  o.kind = GetParam();
  o.data_dir = dir.path();
  o.out_dir = dir.path("model");
  o.device = "cpu";
  const Json r = train_legacy(tiny_config(), o);
  EXPECT_LT(r.at("last_loss").get<double>(), 0.8 * r.at("first_loss").get<double>()) << r.dump();
  EXPECT_GT(r.at("valid").at("R@1").get<double>(), r.at("valid_incoming").at("R@1").get<double>() + 0.2) << r.dump();

  // As a policy of `gr2 eval`, through the factory.
  const Catalog catalog = Catalog::read_jsonl(DataDir{dir.path()}.catalog());
  PolicyContext ctx;
  ctx.catalog = &catalog;
  auto policy = make_policy(o.kind + ":" + dir.path("model"), ctx);
  EXPECT_EQ(policy->name(), o.kind);
  const auto slates = read_slates(DataDir{dir.path()}.slates(SplitPart::Valid), &catalog);
  std::vector<RankRequest> requests;
  for (size_t i = 0; i < 50; ++i) requests.push_back(make_request(slates[i]));
  const auto answers = policy->rank_batch(requests);
  int top1 = 0;
  for (size_t i = 0; i < answers.size(); ++i) {
    ASSERT_TRUE(is_permutation_of(answers[i].order, requests[i].size()));
    top1 += slates[i].labels[static_cast<size_t>(answers[i].order[0])] > 0;
    EXPECT_EQ(policy->rank(requests[i]).order, answers[i].order) << "batching changed an answer";
  }
  EXPECT_GT(top1, 25);
  // A model of the other kind is refused under this name.
  const std::string other = o.kind == "din" ? "prm" : "din";
  expect_error([&] { make_policy(other + ":" + dir.path("model"), ctx); }, "holds a '" + o.kind + "' model");
}

INSTANTIATE_TEST_SUITE_P(Legacy, LegacyTraining, ::testing::Values("din", "prm"));

TEST(LegacyLoss, ListwiseLossPrefersThePositive) {
  SlateBatch b;
  b.labels = torch::tensor({{0.f, 1.f, 0.f}, {0.f, 0.f, 0.f}});
  b.cand_mask = torch::ones({2, 3}, torch::kBool);
  auto good = torch::tensor({{0.f, 5.f, 0.f}, {1.f, 2.f, 3.f}});
  auto bad = torch::tensor({{5.f, 0.f, 0.f}, {1.f, 2.f, 3.f}});
  EXPECT_LT(legacy_loss("prm", good, b).item<float>(), legacy_loss("prm", bad, b).item<float>());
  EXPECT_LT(legacy_loss("din", good, b).item<float>(), legacy_loss("din", bad, b).item<float>());
  // A slate without a positive adds nothing to the listwise loss.
  auto only_second = torch::tensor({{0.f, 5.f, 0.f}, {9.f, -9.f, 0.f}});
  EXPECT_NEAR(legacy_loss("prm", good, b).item<float>(), legacy_loss("prm", only_second, b).item<float>(), 1e-6);
}

TEST(LegacyConfigTest, StrictKeys) {
  expect_error([] { LegacyConfig::from_config(Config::parse("[baseline]\nhist_lenn = 3\n")); }, "hist_lenn");
  expect_error([] { LegacyConfig::from_config(Config::parse("[baseline]\nprm_dim = 10\nprm_heads = 4\n")); }, "prm_heads");
}

TEST(LegacyPolicyName, MalformedNamesAreErrors) {
  Catalog catalog;
  Item it;
  it.item_id = "a";
  it.title = "a";
  catalog.add(it);
  EXPECT_TRUE(is_legacy_policy_name("din:/x"));
  EXPECT_FALSE(is_legacy_policy_name("dinx"));
  expect_error([&] { make_legacy_policy("din:", catalog); }, "no model directory");
  expect_error([&] { make_legacy_policy("prm:/nonexistent/dir", catalog); }, "no config.json");
}

}  // namespace
}  // namespace gr2::legacy
