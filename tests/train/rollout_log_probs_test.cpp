// RL's log-probabilities: replaying the answer constraint and applying the sampler's temperature and
// top-p must give back exactly the log-probs the sampler drew each token with (so importance ratios
// start at 1), and forced tokens (one allowed id) must drop out of the loss.
#include <gtest/gtest.h>

#include <cmath>

#include <torch/torch.h>

#include "gr2/core/file_io.h"
#include "gr2/lm/constraint_replay.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/lm/permutation_constraint.h"
#include "gr2/lm/qwen3_model.h"
#include "gr2/lm/vocabulary.h"
#include "gr2/reranker/lm_reranker.h"
#include "gr2/train/rl/rollout_log_probs.h"
#include "test_util.h"
#include "train/trace_fixtures.h"

namespace gr2::train::rl {
namespace {

class RolloutLogProbsWorld : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir();
    world_ = new test::SmallWorld(tmp_->path("data"));
    const lm::Vocabulary vocab = test::tiny_vocabulary(*world_);
    for (const std::string name : {"think", "direct"}) {
      const std::string dir = tmp_->path(name);
      test::write_tiny_checkpoint(dir, *world_, vocab, 2, 11);
      LmRerankerOptions o;
      o.prompt.think = name == "think";
      o.prompt.max_history = 5;
      o.prompt.title_chars = 12;
      o.max_think_tokens = 10;
      lm::update_gr2_json(dir, "reranker", o.to_json());
    }
  }
  static void TearDownTestSuite() {
    delete world_;
    delete tmp_;
  }

  // Rollouts of `name` at the given sampling settings, and their ScoredAnswers (constraint replayed).
  struct Scored {
    std::unique_ptr<LmReranker> reranker;
    std::vector<LmRollout> rollouts;
    std::vector<ScoredAnswer> answers;
  };
  static Scored score(const std::string& name, double temperature, double top_p) {
    Scored s;
    s.reranker = LmReranker::load(tmp_->path(name), world_->catalog, torch::kCPU);
    LmRerankerOptions o = s.reranker->options();
    o.sampling.temperature = temperature;
    o.sampling.top_p = top_p;
    o.batch_size = 6;
    s.reranker->set_options(o);
    std::vector<RankRequest> requests;
    for (const Slate& slate : world_->with_positive(4)) requests.push_back(make_request(slate));
    s.rollouts = s.reranker->rollout(requests, 3, 99);
    for (size_t i = 0; i < s.rollouts.size(); ++i) {
      ScoredAnswer a;
      a.prompt = &s.rollouts[i].prompt_tokens;
      a.tokens = &s.rollouts[i].tokens;
      auto constraint = s.reranker->answer_constraint(requests[i / 3]);
      a.steps = lm::replay_constraint(*constraint, s.rollouts[i].tokens);
      s.answers.push_back(std::move(a));
    }
    return s;
  }

  static TempDir* tmp_;
  static test::SmallWorld* world_;
};
TempDir* RolloutLogProbsWorld::tmp_ = nullptr;
test::SmallWorld* RolloutLogProbsWorld::world_ = nullptr;

// For every answer: the choice tokens' replayed log-probs equal the sampler's, and every forced
// token was drawn with probability 1.
void expect_sampler_log_probs(const LmReranker& reranker, const std::vector<LmRollout>& rollouts,
                              const std::vector<ScoredAnswer>& answers, const torch::Tensor& log_probs) {
  int64_t at = 0, forced = 0;
  for (size_t i = 0; i < answers.size(); ++i) {
    ASSERT_EQ(rollouts[i].token_log_probs.size(), rollouts[i].tokens.size());
    ASSERT_TRUE(rollouts[i].parsed.valid()) << rollouts[i].text;
    for (size_t t = 0; t < rollouts[i].tokens.size(); ++t) {
      if (answers[i].is_choice(t)) {
        EXPECT_NEAR(log_probs[at].item<double>(), rollouts[i].token_log_probs[t], 2e-4)
            << "answer " << i << " token " << t;
        ++at;
      } else {
        EXPECT_NEAR(rollouts[i].token_log_probs[t], 0.0, 1e-6) << "forced token " << t << " of answer " << i;
        ++forced;
      }
    }
  }
  EXPECT_EQ(at, log_probs.size(0));
  EXPECT_GT(forced, 0);
  (void)reranker;
}

TEST_F(RolloutLogProbsWorld, ReplayedLogProbsEqualTheSamplersDirectAnswers) {
  for (double temperature : {1.0, 0.7}) {
    for (double top_p : {1.0, 0.8}) {
      Scored s = score("direct", temperature, top_p);
      torch::NoGradGuard no_grad;
      auto model = s.reranker->model();
      const AnswerLogProbs lp = answer_log_probs(model, s.answers, 0, s.answers.size(),
                                                 s.reranker->vocabulary().pad_id(), s.reranker->options().sampling, true);
      SCOPED_TRACE("T = " + std::to_string(temperature) + ", top_p = " + std::to_string(top_p));
      expect_sampler_log_probs(*s.reranker, s.rollouts, s.answers, lp.log_probs);
      EXPECT_TRUE(torch::all(lp.entropy >= -1e-6).item<bool>());
      EXPECT_TRUE(torch::all(torch::isfinite(lp.entropy)).item<bool>());
    }
  }
}

TEST_F(RolloutLogProbsWorld, ReplayedLogProbsEqualTheSamplersWithAThinkBlock) {
  Scored s = score("think", 0.9, 0.95);
  torch::NoGradGuard no_grad;
  auto model = s.reranker->model();
  const AnswerLogProbs lp = answer_log_probs(model, s.answers, 0, s.answers.size(), s.reranker->vocabulary().pad_id(),
                                             s.reranker->options().sampling, false);
  expect_sampler_log_probs(*s.reranker, s.rollouts, s.answers, lp.log_probs);
}

// The shared-prefix rows (a group's prompt once, its answers packed after it) give the same
// log-probs, entropies and parameter gradients as a row per answer.
void expect_shared_prefix_equals_row_per_answer(const std::string& name, LmReranker& reranker,
                                                const std::vector<ScoredAnswer>& answers) {
  SCOPED_TRACE(name);
  auto model = reranker.model();
  const int64_t pad = reranker.vocabulary().pad_id();
  const auto& sampling = reranker.options().sampling;
  std::vector<torch::Tensor> grads[2];
  torch::Tensor values[2], entropy[2];
  for (int shared = 0; shared < 2; ++shared) {
    model->zero_grad();
    const AnswerLogProbs lp = answer_log_probs(model, answers, 0, answers.size(), pad, sampling, true, shared == 1);
    // Distinct weights per token, so that a token scored at the wrong place changes the gradient.
    auto w = torch::linspace(-1.0, 1.0, lp.log_probs.size(0));
    (lp.log_probs * w).sum().backward();
    values[shared] = lp.log_probs.detach();
    entropy[shared] = lp.entropy;
    for (const auto& p : model->parameters()) grads[shared].push_back(p.grad().clone());
  }
  ASSERT_EQ(values[0].size(0), values[1].size(0));
  EXPECT_LT((values[0] - values[1]).abs().max().item<double>(), 1e-4);
  EXPECT_LT((entropy[0] - entropy[1]).abs().max().item<double>(), 1e-4);
  for (size_t i = 0; i < grads[0].size(); ++i) {
    const double scale = grads[0][i].abs().max().item<double>();
    EXPECT_GT(scale, 0.0) << "parameter " << i << " got no gradient";
    EXPECT_LT((grads[0][i] - grads[1][i]).abs().max().item<double>(), 1e-4 * std::max(1.0, scale)) << "parameter " << i;
  }
}

TEST_F(RolloutLogProbsWorld, SharedPrefixRowsEqualARowPerAnswer) {
  const Scored direct = score("direct", 1.0, 1.0);
  const Scored think = score("think", 0.9, 0.95);
  // Groups of 3 answers share a prompt (consecutive equal prompts are what the packing uses).
  ASSERT_EQ(*direct.answers[0].prompt, *direct.answers[2].prompt);
  ASSERT_NE(*direct.answers[2].prompt, *direct.answers[3].prompt);
  expect_shared_prefix_equals_row_per_answer("direct", *direct.reranker, direct.answers);
  expect_shared_prefix_equals_row_per_answer("think", *think.reranker, think.answers);  // answers of different lengths
}

TEST_F(RolloutLogProbsWorld, ForcedTokensAreTheOnesWithOneAllowedId) {
  Scored s = score("direct", 1.0, 1.0);
  const int64_t im_end = s.reranker->vocabulary().im_end_id();
  for (const ScoredAnswer& a : s.answers) {
    // Direct answer: K SIDs of <|sid_begin|> c1 c2 c3 c4 <|sid_end|>, then <|im_end|>.
    ASSERT_EQ(a.tokens->size(), 10u * 6u + 1u);
    EXPECT_EQ(a.tokens->back(), im_end);
    EXPECT_FALSE(a.is_choice(a.tokens->size() - 1));  // <|im_end|> after the last SID is forced
    EXPECT_FALSE(a.is_choice(a.tokens->size() - 2));  // the last candidate is forced whole
    EXPECT_TRUE(a.is_choice(1));                      // the first SID's first code: 10 candidates
    EXPECT_FALSE(a.is_choice(0));                     // <|sid_begin|> is the only way to start
    EXPECT_LT(a.choice_count(), static_cast<int64_t>(a.tokens->size()) / 2);
    EXPECT_GE(a.choice_count(), 9);  // at least one choice per candidate but the last
  }
  // Unconstrained answers (no recorded steps) count every token.
  ScoredAnswer free = s.answers.front();
  free.steps.clear();
  EXPECT_EQ(free.choice_count(), static_cast<int64_t>(free.tokens->size()));
}

TEST(ConstraintReplay, RefusesATokenTheConstraintDidNotAllow) {
  lm::PermutationFormat f;
  f.end = {99};
  lm::PermutationConstraint c({{1, 2}, {1, 3}}, f);
  EXPECT_THROW(lm::replay_constraint(c, {2, 1, 3, 99}), Error);
  lm::PermutationConstraint d({{1, 2}, {1, 3}}, f);
  const auto steps = lm::replay_constraint(d, {1, 3, 1, 2, 99});
  ASSERT_EQ(steps.size(), 5u);
  EXPECT_TRUE(steps[0].forced());   // both candidates start with 1
  EXPECT_FALSE(steps[1].forced());  // 2 or 3
  EXPECT_TRUE(steps[2].forced());   // the remaining candidate
  EXPECT_TRUE(steps[3].forced());
  EXPECT_TRUE(steps[4].forced());   // the end token
}

}  // namespace
}  // namespace gr2::train::rl
