// The shared trainer core: loss falls on a memorisable sequence, the LR schedule at hand-checked
// steps, gradient accumulation equals one big batch, exact in-process resume (weights and AdamW
// state bit-identical), batches and losses that follow the LmBatch contract.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>
#include <map>

#include "gr2/core/rng.h"
#include "gr2/lm/qwen3_model.h"
#include "gr2/train/adamw.h"
#include "gr2/train/lm_batch.h"
#include "gr2/train/lr_schedule.h"
#include "gr2/train/token_loss.h"
#include "gr2/train/train_checkpoint.h"
#include "gr2/train/trainer.h"
#include "test_util.h"

namespace gr2::train {
namespace {

lm::ModelConfig tiny_config() {
  lm::ModelConfig c;
  c.vocab_size = 61;
  c.hidden_size = 32;
  c.intermediate_size = 64;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.head_dim = 8;
  c.rope_theta = 10000.0;
  return c;
}

lm::Qwen3Lm tiny_model(uint64_t seed = 7) {
  torch::manual_seed(seed);
  return lm::Qwen3Lm(tiny_config());
}

TrainConfig tiny_train(int64_t steps) {
  TrainConfig t;
  t.steps = steps;
  t.batch_size = 4;
  t.seq_len = 24;
  t.learning_rate = 1e-2;
  t.warmup_steps = 2;
  t.min_lr_ratio = 0.1;
  t.seed = 3;
  t.threads = 1;
  return t;
}

// Rows of random tokens with random lengths (right padding) and random per-token weights, drawn
// from Rng(seed, step): a pure function of the step.
class RandomTask : public TrainingTask {
 public:
  RandomTask(int64_t batch, int64_t seq_len, uint64_t seed) : batch_(batch), seq_len_(seq_len), seed_(seed) {}
  LmBatch batch(int64_t step) override {
    Rng rng(splitmix64(seed_ + static_cast<uint64_t>(step)));
    std::vector<LmExample> rows;
    for (int64_t b = 0; b < batch_; ++b) {
      LmExample e;
      const int64_t n = 3 + static_cast<int64_t>(rng.below(static_cast<uint64_t>(seq_len_ - 1)));
      for (int64_t i = 0; i < n; ++i)
        e.add(static_cast<int64_t>(rng.below(61)), i < n / 3 ? 0.0f : static_cast<float>(0.5 + rng.uniform()));
      rows.push_back(e);
    }
    return collate(rows, 0, seq_len_);
  }

 private:
  int64_t batch_, seq_len_;
  uint64_t seed_;
};

// The same sequence in every row of every step.
class MemoriseTask : public TrainingTask {
 public:
  explicit MemoriseTask(int64_t batch) : batch_(batch) {
    Rng rng(11);
    for (int i = 0; i < 20; ++i) seq_.add(static_cast<int64_t>(rng.below(61)), 1.0f);
  }
  LmBatch batch(int64_t) override { return collate(std::vector<LmExample>(static_cast<size_t>(batch_), seq_), 0, 32); }
  Json evaluate(lm::Qwen3Lm& model) override {
    LmBatch b = collate({seq_}, 0, 32);
    return Json{{"loss", lm_loss_sum(model, b).item<double>() / b.weight_sum()}};
  }

 private:
  int64_t batch_;
  LmExample seq_;
};

void expect_bit_identical(lm::Qwen3Lm& a, lm::Qwen3Lm& b) {
  auto pa = a->named_parameters(), pb = b->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto& p : pa) {
    const auto* q = pb.find(p.key());
    ASSERT_NE(q, nullptr) << p.key();
    EXPECT_TRUE(torch::equal(p.value(), *q)) << p.key();
  }
}

TEST(TrainerLrSchedule, HandCheckedValues) {
  // 10 steps, warmup 2, peak 1, floor 0.1: warmup 0.5, 1.0; cosine over steps 2..9 (span 7).
  EXPECT_DOUBLE_EQ(learning_rate_at(0, 10, 2, 1.0, 0.1), 0.5);
  EXPECT_DOUBLE_EQ(learning_rate_at(1, 10, 2, 1.0, 0.1), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate_at(2, 10, 2, 1.0, 0.1), 1.0);
  // step 5: p = 3/7, 0.1 + 0.9 * (1 + cos(3 pi / 7)) / 2 = 0.1 + 0.45 * 1.2225209340 = 0.6501344203
  EXPECT_NEAR(learning_rate_at(5, 10, 2, 1.0, 0.1), 0.6501344203, 1e-9);
  // midpoint of the decay (p = 1/2 at step 2 + 3.5: use 10 steps, warmup 1, span 8, step 5): floor + half.
  EXPECT_NEAR(learning_rate_at(5, 10, 1, 2.0, 0.0), 1.0, 1e-12);
  EXPECT_NEAR(learning_rate_at(9, 10, 2, 1.0, 0.1), 0.1, 1e-12);
  EXPECT_NEAR(learning_rate_at(50, 10, 2, 1.0, 0.1), 0.1, 1e-12);
  // No warmup: the first step uses the peak.
  EXPECT_DOUBLE_EQ(learning_rate_at(0, 100, 0, 3e-4, 0.1), 3e-4);
  // 1000 steps, warmup 100, 6e-4 -> 6e-5: step 99 = peak, step 549 = p 449/899.
  EXPECT_DOUBLE_EQ(learning_rate_at(99, 1000, 100, 6e-4, 0.1), 6e-4);
  EXPECT_NEAR(learning_rate_at(549, 1000, 100, 6e-4, 0.1), 6e-5 + 5.4e-4 * 0.5 * (1 + std::cos(M_PI * 449.0 / 899.0)),
              1e-15);
}

TEST(TrainerBatch, CollateShiftsTargetsAndPadsOnTheRight) {
  LmExample a;
  a.add({5, 6, 7}, 0.0f);
  a.add({8, 9}, 1.0f);
  LmExample b;
  b.add({1, 2}, 2.0f);
  const LmBatch batch = collate({a, b}, 0, 16);
  ASSERT_EQ(batch.input_ids.sizes(), torch::IntArrayRef({2, 4}));
  EXPECT_TRUE(torch::equal(batch.input_ids, torch::tensor(std::vector<int64_t>{5, 6, 7, 8, 1, 0, 0, 0}).view({2, 4})));
  EXPECT_TRUE(torch::equal(batch.targets, torch::tensor(std::vector<int64_t>{kNoTarget, kNoTarget, 8, 9, 2, kNoTarget,
                                                                          kNoTarget, kNoTarget}).view({2, 4})));
  EXPECT_TRUE(torch::equal(batch.weights, torch::tensor({0.f, 0.f, 1.f, 1.f, 2.f, 0.f, 0.f, 0.f}).view({2, 4})));
  EXPECT_EQ(batch.target_count(), 3);
  EXPECT_DOUBLE_EQ(batch.weight_sum(), 4.0);
  // Too long: the last max_len + 1 tokens are kept (the target is at the end).
  const LmBatch cut = collate({a}, 0, 2);
  EXPECT_TRUE(torch::equal(cut.input_ids, torch::tensor(std::vector<int64_t>{7, 8}).view({1, 2})));
  EXPECT_TRUE(torch::equal(cut.targets, torch::tensor(std::vector<int64_t>{8, 9}).view({1, 2})));
  // slice_rows drops columns without a target in the slice.
  const LmBatch row1 = batch.slice_rows(1, 2);
  EXPECT_EQ(row1.input_ids.size(1), 1);
}

TEST(TrainerLoss, WeightedCrossEntropyMatchesHandSum) {
  auto logits = torch::tensor({1.0f, 2.0f, 0.5f, 0.0f, -1.0f, 3.0f}).view({2, 3});
  auto targets = torch::tensor(std::vector<int64_t>{1, kNoTarget});
  auto weights = torch::tensor({2.0f, 0.0f});
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(0.5));
  EXPECT_NEAR(weighted_cross_entropy_sum(logits, targets, weights).item<double>(), 2.0 * (lse - 2.0), 1e-5);
}

TEST(TrainerLoss, ChoiceCrossEntropyIsASoftmaxOverTheAllowedTokens) {
  auto logits = torch::tensor({0.3f, 1.0f, -2.0f, 2.5f, 0.0f,  //
                               1.0f, 0.0f, 4.0f, -1.0f, 2.0f})
                    .view({2, 5});
  auto allowed = torch::tensor(std::vector<int64_t>{1, 3, 4, 2, -1, -1}).view({2, 3});
  auto targets = torch::tensor(std::vector<int64_t>{3, 2});
  auto weights = torch::tensor({1.5f, 2.0f});
  // Row 0: softmax over ids {1, 3, 4}, target 3. Row 1: one allowed id (forced): 0 whatever its weight.
  const double lse = std::log(std::exp(1.0) + std::exp(2.5) + std::exp(0.0));
  EXPECT_NEAR(choice_cross_entropy_sum(logits, allowed, targets, weights).item<double>(), 1.5 * (lse - 2.5), 1e-5);
  // The gradient flows only into the allowed logits.
  auto x = logits.clone().requires_grad_(true);
  choice_cross_entropy_sum(x, allowed, targets, weights).backward();
  auto g = x.grad();
  EXPECT_EQ(g[0][0].item<float>(), 0.0f);
  EXPECT_EQ(g[0][2].item<float>(), 0.0f);
  EXPECT_NE(g[0][1].item<float>(), 0.0f);
  EXPECT_LT(g[0][3].item<float>(), 0.0f);  // the target is pushed up
  EXPECT_EQ(g[1].abs().sum().item<float>(), 0.0f);
}

TEST(TrainerLoss, SoftChoiceCrossEntropyIsTheCrossEntropyAgainstTheTargetOverTheAllowedTokens) {
  auto logits = torch::tensor({0.3f, 1.0f, -2.0f, 2.5f, 0.0f,  //
                               1.0f, 0.0f, 4.0f, -1.0f, 2.0f})
                    .view({2, 5});
  auto allowed = torch::tensor(std::vector<int64_t>{1, 3, 4, 2, 4, -1}).view({2, 3});
  auto weights = torch::tensor({1.5f, 2.0f});
  // One-hot targets give the hard choice loss.
  auto one_hot = torch::tensor({0.0f, 1.0f, 0.0f, 0.0f, 1.0f, 0.0f}).view({2, 3});
  EXPECT_NEAR(soft_choice_cross_entropy_sum(logits, allowed, one_hot, weights).item<double>(),
              choice_cross_entropy_sum(logits, allowed, torch::tensor(std::vector<int64_t>{3, 4}), weights).item<double>(),
              1e-5);
  // A soft row: -sum_a p_a log softmax_a over the allowed logits; padding is finite and ignored.
  auto soft = torch::tensor({0.2f, 0.5f, 0.3f, 0.6f, 0.4f, 0.0f}).view({2, 3});
  const double lse0 = std::log(std::exp(1.0) + std::exp(2.5) + std::exp(0.0));
  const double lse1 = std::log(std::exp(4.0) + std::exp(2.0));
  const double expected = 1.5 * (0.2 * (lse0 - 1.0) + 0.5 * (lse0 - 2.5) + 0.3 * (lse0 - 0.0)) +
                          2.0 * (0.6 * (lse1 - 4.0) + 0.4 * (lse1 - 2.0));
  auto x = logits.clone().requires_grad_(true);
  auto loss = soft_choice_cross_entropy_sum(x, allowed, soft, weights);
  EXPECT_NEAR(loss.item<double>(), expected, 1e-5);
  loss.backward();
  EXPECT_TRUE(torch::isfinite(x.grad()).all().item<bool>());
  EXPECT_EQ(x.grad()[0][0].item<float>(), 0.0f);  // not allowed: no gradient
  // At the minimum (the model's distribution equals the target) the gradient vanishes.
  auto at_target = torch::tensor({0.0f, std::log(0.2f), 0.0f, std::log(0.5f), std::log(0.3f)}).view({1, 5}).requires_grad_(true);
  soft_choice_cross_entropy_sum(at_target, allowed.slice(0, 0, 1), soft.slice(0, 0, 1), torch::tensor({1.0f})).backward();
  EXPECT_LT(at_target.grad().abs().max().item<float>(), 1e-6);
}

TEST(TrainerLoss, SoftChoiceTargetsTravelThroughCollateAndTheModelLoss) {
  LmExample a;  // a soft choice set
  a.add({5, 6, 7}, 0.0f);
  a.add({8, 9, 10}, 1.0f);
  a.add_choice(3, {8, 11, 12}, 0.5f, {0.5f, 0.25f, 0.25f});
  LmExample b;  // a hard one in the same batch: a one-hot row
  b.add({1, 2}, 0.0f);
  b.add({3, 4}, 1.0f);
  b.add_choice(2, {14, 3}, 2.0f);
  EXPECT_THROW(b.add_choice(3, {4, 5}, 1.0f, {0.5f, 0.6f}), Error);  // not a distribution
  const LmBatch batch = collate({a, b}, 0, 8);
  ASSERT_TRUE(batch.choice_targets.defined());
  EXPECT_FLOAT_EQ(batch.choice_targets[0][2][0].item<float>(), 0.5f);
  EXPECT_FLOAT_EQ(batch.choice_targets[1][1][1].item<float>(), 1.0f);  // token 3 is allowed[1]
  EXPECT_FLOAT_EQ(batch.choice_targets[1][1][0].item<float>(), 0.0f);
  EXPECT_FALSE(collate({b}, 0, 8).choice_targets.defined());  // hard sets only: no soft tensor

  auto model = tiny_model();
  model->eval();
  torch::NoGradGuard no_grad;
  LmBatch plain = batch;
  plain.choices = plain.choice_weights = plain.choice_targets = torch::Tensor();
  auto logits = model->logits(model->forward_hidden(lm::ForwardInput{batch.input_ids}));
  const double expected =
      lm_loss_sum(model, plain).item<double>() +
      soft_choice_cross_entropy_sum(logits[0][2].unsqueeze(0), torch::tensor(std::vector<int64_t>{8, 11, 12}).view({1, 3}),
                                    torch::tensor({0.5f, 0.25f, 0.25f}).view({1, 3}), torch::tensor({0.5f}))
          .item<double>() +
      choice_cross_entropy_sum(logits[1][1].unsqueeze(0), torch::tensor(std::vector<int64_t>{14, 3}).view({1, 2}),
                               torch::tensor(std::vector<int64_t>{3}), torch::tensor({2.0f}))
          .item<double>();
  EXPECT_NEAR(lm_loss_sum(model, batch).item<double>(), expected, 1e-4);
  EXPECT_NEAR(lm_loss_sum(model, batch.slice_rows(0, 1)).item<double>(),
              lm_loss_sum(model, plain.slice_rows(0, 1)).item<double>() +
                  soft_choice_cross_entropy_sum(logits[0][2].unsqueeze(0),
                                                torch::tensor(std::vector<int64_t>{8, 11, 12}).view({1, 3}),
                                                torch::tensor({0.5f, 0.25f, 0.25f}).view({1, 3}), torch::tensor({0.5f}))
                      .item<double>(),
              1e-4);
}

TEST(TrainerLoss, ChoiceSetsTravelThroughCollateSliceAndTheModelLoss) {
  // Two examples, one with choice sets; the second also truncated by collate (its first choice
  // falls off the front). lm_loss_sum = the plain token loss + the choice loss at the right positions.
  LmExample a;
  a.add({5, 6, 7}, 0.0f);
  a.add({8, 9, 10}, 1.0f);
  a.add_choice(3, {8, 11, 12}, 0.5f);  // predicting tokens[3] = 8 from position 2
  a.add_choice(5, {10, 13}, 0.5f);     // tokens[5] = 10 from position 4
  LmExample b;
  b.add(1, 0.0f);
  b.add({2, 3, 4, 5, 6, 7}, 1.0f);
  b.add_choice(1, {2, 9}, 1.0f);  // dropped: max_len 5 keeps tokens[1..7)
  b.add_choice(4, {5, 14, 15, 16}, 2.0f);
  const LmBatch batch = collate({a, b}, 0, 5);
  ASSERT_TRUE(batch.choices.defined());
  ASSERT_EQ(batch.choices.sizes(), torch::IntArrayRef({2, 5, 4}));
  EXPECT_FLOAT_EQ(batch.choice_weights[0][2].item<float>(), 0.5f);
  EXPECT_FLOAT_EQ(batch.choice_weights[0][4].item<float>(), 0.5f);
  EXPECT_FLOAT_EQ(batch.choice_weights[1][2].item<float>(), 2.0f);  // tokens[4] from position 3 - offset 1
  EXPECT_FLOAT_EQ(batch.choice_weights.sum().item<float>(), 3.0f);
  EXPECT_EQ(batch.choices[1][2][3].item<int64_t>(), 16);
  EXPECT_EQ(batch.choices[0][2][3].item<int64_t>(), -1);

  auto model = tiny_model();
  model->eval();
  torch::NoGradGuard no_grad;
  LmBatch plain = batch;
  plain.choices = torch::Tensor();
  plain.choice_weights = torch::Tensor();
  auto logits = model->logits(model->forward_hidden(lm::ForwardInput{batch.input_ids}));  // [2, 5, V]
  auto pick = [&](int64_t b, int64_t t) { return logits[b][t].unsqueeze(0); };
  auto part = [&](int64_t b, int64_t t, std::vector<int64_t> allowed, int64_t target, float w) {
    return choice_cross_entropy_sum(pick(b, t), torch::tensor(allowed).view({1, -1}), torch::tensor(std::vector<int64_t>{target}),
                                    torch::tensor({w}))
        .item<double>();
  };
  const double expected = lm_loss_sum(model, plain).item<double>() + part(0, 2, {8, 11, 12}, 8, 0.5f) +
                          part(0, 4, {10, 13}, 10, 0.5f) + part(1, 2, {5, 14, 15, 16}, 5, 2.0f);
  EXPECT_NEAR(lm_loss_sum(model, batch).item<double>(), expected, 1e-4);
  // Row slices keep their own choice sets.
  const double row1 = lm_loss_sum(model, plain.slice_rows(1, 2)).item<double>() + part(1, 2, {5, 14, 15, 16}, 5, 2.0f);
  EXPECT_NEAR(lm_loss_sum(model, batch.slice_rows(1, 2)).item<double>(), row1, 1e-4);
}

TEST(TrainerLoss, LossFallsOnAMemorisableSequence) {
  MemoriseTask task(4);
  TrainerOptions o;
  o.config = tiny_train(80);
  o.config.grad_clip = 1.0;
  o.label = "memorise";
  Trainer trainer(tiny_model(), task, o);
  const TrainSummary s = trainer.run();
  EXPECT_GT(s.first_loss, 3.5);  // about log(61) = 4.1 at the start
  const double final_loss = s.final_eval.at("loss").get<double>();
  EXPECT_LT(final_loss, 0.1) << "first " << s.first_loss;
  EXPECT_GT(s.tokens, 0);
}

TEST(TrainerAccumulation, TwoHalfBatchesEqualOneBatch) {
  // Two micro-batches of B/2 rows accumulate the gradient of one batch of B rows: compare AdamW's
  // first moment after one step (exp_avg = (1 - beta1) * gradient), with clipping off.
  RandomTask task(4, 24, 5);
  AdamWState states[2];
  for (int accum : {1, 2}) {
    TrainerOptions o;
    o.config = tiny_train(1);
    o.config.warmup_steps = 0;
    o.config.grad_clip = 0.0;
    o.config.grad_accum = accum;
    Trainer trainer(tiny_model(), task, o);
    trainer.train_step(0);
    states[accum - 1] = get_adamw_state(trainer.optimizer(), trainer.model());
  }
  ASSERT_FALSE(states[0].exp_avg.empty());
  for (const auto& [name, m] : states[0].exp_avg) {
    const auto& m2 = states[1].exp_avg.at(name);
    EXPECT_TRUE(torch::allclose(m, m2, 1e-4, 1e-9)) << name << " max diff " << (m - m2).abs().max().item<double>();
    EXPECT_GT(m.abs().max().item<double>(), 0.0) << name;
  }
}

TEST(TrainerResume, InProcessResumeIsBitExact) {
  RandomTask task(4, 24, 9);
  const int64_t n = 6;
  TempDir dir;
  // Uninterrupted: 2N steps.
  TrainerOptions o;
  o.config = tiny_train(2 * n);
  o.run_dir = dir.path("full");
  Trainer full(tiny_model(), task, o);
  full.run();

  // Interrupted: N steps, a checkpoint, then a new process-like start from a differently seeded
  // model (the checkpoint must overwrite every weight) resumed to 2N.
  TrainerOptions oi = o;
  oi.run_dir = dir.path("split");
  {
    Trainer first(tiny_model(), task, oi);
    for (int64_t s = 0; s < n; ++s) first.train_step(s);
    first.checkpoint(n);
  }
  oi.resume = true;
  Trainer second(tiny_model(99), task, oi);
  const TrainSummary s = second.run();
  EXPECT_EQ(s.start_step, n);
  expect_bit_identical(full.model(), second.model());
  const AdamWState a = get_adamw_state(full.optimizer(), full.model());
  const AdamWState b = get_adamw_state(second.optimizer(), second.model());
  ASSERT_EQ(a.exp_avg.size(), b.exp_avg.size());
  for (const auto& [name, m] : a.exp_avg) {
    EXPECT_TRUE(torch::equal(m, b.exp_avg.at(name))) << name;
    EXPECT_TRUE(torch::equal(a.exp_avg_sq.at(name), b.exp_avg_sq.at(name))) << name;
    EXPECT_EQ(a.step.at(name), 2 * n) << name;
    EXPECT_EQ(b.step.at(name), 2 * n) << name;
  }
  // The run directory keeps one complete checkpoint, at the last step, loadable as a model.
  const auto latest = latest_checkpoint(oi.run_dir);
  ASSERT_TRUE(latest.has_value());
  EXPECT_NE(latest->find("step-00000012"), std::string::npos);
}

TEST(TrainerWeightAverage, EndsWithTheMovingAverageOfTheTrajectory) {
  // The same run without the average, step by step: the average follows the formula from the
  // starting weights, the raw trajectory is unchanged, and the run ends holding the average.
  RandomTask task(4, 24, 9);
  const int64_t n = 5;
  const double d = 0.7;
  TrainerOptions o;
  o.config = tiny_train(n);
  Trainer plain(tiny_model(), task, o);
  std::map<std::string, torch::Tensor> expected;
  for (const auto& p : plain.model()->named_parameters()) expected[p.key()] = p.value().detach().clone();
  for (int64_t s = 0; s < n; ++s) {
    plain.train_step(s);
    for (const auto& p : plain.model()->named_parameters())
      expected[p.key()] = expected[p.key()] * d + p.value().detach() * (1 - d);
  }
  TrainerOptions oe = o;
  oe.config.ema_decay = d;
  Trainer averaged(tiny_model(), task, oe);
  averaged.run();
  double moved = 0;
  for (const auto& p : averaged.model()->named_parameters()) {
    EXPECT_TRUE(torch::allclose(p.value(), expected.at(p.key()), 1e-5, 1e-6)) << p.key();
    moved += (p.value() - plain.model()->named_parameters()[p.key()]).abs().sum().item<double>();
  }
  EXPECT_GT(moved, 0.0);  // the average is not the last step's weights
}

TEST(TrainerWeightAverage, ResumeIsBitExact) {
  RandomTask task(4, 24, 9);
  const int64_t n = 4;
  TempDir dir;
  TrainerOptions o;
  o.config = tiny_train(2 * n);
  o.config.ema_decay = 0.8;
  o.run_dir = dir.path("full");
  Trainer full(tiny_model(), task, o);
  full.run();
  TrainerOptions oi = o;
  oi.run_dir = dir.path("split");
  {
    Trainer first(tiny_model(), task, oi);
    for (int64_t s = 0; s < n; ++s) first.train_step(s);
    first.checkpoint(n);
  }
  oi.resume = true;
  Trainer second(tiny_model(99), task, oi);
  EXPECT_EQ(second.run().start_step, n);
  expect_bit_identical(full.model(), second.model());
  // A checkpoint written without the average cannot resume a run that keeps one.
  TrainerOptions plain = o;
  plain.config.ema_decay = 0;
  plain.run_dir = dir.path("plain");
  {
    Trainer first(tiny_model(), task, plain);
    first.train_step(0);
    first.checkpoint(1);
  }
  TrainerOptions mixed = o;
  mixed.run_dir = plain.run_dir;
  mixed.resume = true;
  expect_error([&] { Trainer(tiny_model(), task, mixed).run(); }, "ema_decay");
}

TEST(TrainerResume, RefusesADifferentConfigAndAnUnrequestedRestart) {
  RandomTask task(4, 24, 9);
  TempDir dir;
  TrainerOptions o;
  o.config = tiny_train(3);
  o.run_dir = dir.path("run");
  {
    Trainer t(tiny_model(), task, o);
    t.run();
  }
  expect_error([&] { Trainer(tiny_model(), task, o).run(); }, "pass --resume");
  o.resume = true;
  o.config.learning_rate = 5e-3;
  expect_error([&] { Trainer(tiny_model(), task, o).run(); }, "train.learning_rate");
}

TEST(TrainerAdamW, DecayOnlyOnProjections) {
  EXPECT_TRUE(decays("model.layers.0.self_attn.q_proj.weight"));
  EXPECT_TRUE(decays("model.layers.3.mlp.down_proj.weight"));
  EXPECT_FALSE(decays("model.embed_tokens.weight"));
  EXPECT_FALSE(decays("lm_head.weight"));
  EXPECT_FALSE(decays("model.layers.0.input_layernorm.weight"));
  EXPECT_FALSE(decays("model.layers.0.self_attn.q_norm.weight"));
  auto model = tiny_model();
  auto opt = make_adamw(model, tiny_train(1));
  ASSERT_EQ(opt->param_groups().size(), 2u);
  EXPECT_EQ(opt->param_groups()[0].params().size(), 2u * 7u);  // 7 projections per layer
  EXPECT_DOUBLE_EQ(static_cast<torch::optim::AdamWOptions&>(opt->param_groups()[1].options()).weight_decay(), 0.0);
}

}  // namespace
}  // namespace gr2::train
