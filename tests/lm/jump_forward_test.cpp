// Jump-forward decoding (GenerationOptions::jump_forward): on random permutation-constrained
// slates, greedy answers and their log-probs equal the step-by-step decoding's, a batch equals its
// rows decoded alone, sampled answers stay valid permutations, and far fewer decode steps are taken.
#include <gtest/gtest.h>

#include <memory>
#include <set>

#include <torch/torch.h>

#include "gr2/core/rng.h"
#include "gr2/lm/generator.h"
#include "gr2/lm/permutation_constraint.h"
#include "gr2/lm/qwen3_model.h"
#include "lm/permutation_slates.h"

namespace gr2::lm {
namespace {

using namespace permutation_slates;

std::vector<GenerationResult> run(Qwen3Lm& m, const std::vector<GenerationRequest>& requests, bool jump,
                                  double temperature, GenerationStats* stats = nullptr) {
  GenerationOptions o;
  o.stop_tokens = {kImEnd, kEos};
  o.jump_forward = jump;
  o.sampling.temperature = temperature;
  o.sampling.seed = 3;
  return generate(*m, requests, o, stats);
}

TEST(JumpForward, GreedyAnswersAndLogProbsEqualStepByStepDecoding) {
  auto m = tiny_model();
  const Slates slates(60);
  GenerationStats step_stats, jump_stats;
  const auto step = run(m, slates.requests(0, 60), false, 0.0, &step_stats);
  const auto jump = run(m, slates.requests(0, 60), true, 0.0, &jump_stats);
  for (size_t r = 0; r < step.size(); ++r) {
    ASSERT_EQ(jump[r].tokens, step[r].tokens) << "row " << r;
    EXPECT_EQ(jump[r].finish_reason, step[r].finish_reason);
    for (size_t t = 0; t < step[r].tokens.size(); ++t)
      EXPECT_NEAR(jump[r].token_log_probs[t], step[r].token_log_probs[t], 1e-4) << "row " << r << " token " << t;
  }
  EXPECT_EQ(jump_stats.new_tokens, step_stats.new_tokens);
  // In a batch every row feeds the shortest queue, so the saving is smaller than alone (below).
  EXPECT_LT(jump_stats.decode_steps, step_stats.decode_steps);
}

TEST(JumpForward, ABatchEqualsItsRowsAloneAndOneRowJumpsEveryForcedRun) {
  auto m = tiny_model();
  const Slates slates(12);
  const auto batch = run(m, slates.requests(0, 12), true, 0.0);
  int64_t jump_steps = 0, step_steps = 0;
  for (size_t r = 0; r < 12; ++r) {
    GenerationStats alone_stats, step_stats;
    const auto alone = run(m, slates.requests(r, r + 1), true, 0.0, &alone_stats);
    run(m, slates.requests(r, r + 1), false, 0.0, &step_stats);
    jump_steps += alone_stats.decode_steps;
    step_steps += step_stats.decode_steps;
    EXPECT_EQ(alone[0].tokens, batch[r].tokens) << "row " << r;
    // Alone, a row takes one step per choice: its decisions are the tokens whose log-prob is not 0
    // (a forced token has probability 1), or a choice the model made with certainty.
    int64_t choices = 0;
    for (float lp : alone[0].token_log_probs) choices += lp != 0.0f;
    EXPECT_LE(alone_stats.decode_steps, static_cast<int64_t>(alone[0].tokens.size()) - 1);
    EXPECT_GE(alone_stats.decode_steps + 1, choices) << "row " << r;
  }
  EXPECT_LT(jump_steps * 2, step_steps) << jump_steps << " vs " << step_steps;
}

TEST(JumpForward, SampledAnswersAreValidPermutations) {
  auto m = tiny_model();
  const Slates slates(80);
  const auto requests = slates.requests(0, 80);
  const auto results = run(m, requests, true, 1.5);
  for (size_t r = 0; r < results.size(); ++r) {
    const auto& c = static_cast<const PermutationConstraint&>(*requests[r].constraint);
    EXPECT_TRUE(c.done()) << "row " << r;
    EXPECT_EQ(c.order().size(), slates.candidates[r].size());
    EXPECT_EQ(results[r].finish_reason, FinishReason::Stop);
    EXPECT_EQ(results[r].tokens.back(), kImEnd);
  }
}

TEST(Generation, ACancelFlagStopsBeforeTheNextStep) {
  auto m = tiny_model();
  const Slates slates(3);
  std::atomic<bool> cancel{true};
  GenerationOptions o;
  o.stop_tokens = {kImEnd, kEos};
  o.cancel = &cancel;
  GenerationStats stats;
  const auto results = generate(*m, slates.requests(0, 3), o, &stats);
  EXPECT_EQ(stats.decode_steps, 0);
  for (const auto& r : results) {
    EXPECT_EQ(r.tokens.size(), 1u);  // the token sampled from the prefill, then nothing
    EXPECT_EQ(r.finish_reason, FinishReason::Length);
  }
}

}  // namespace
}  // namespace gr2::lm
