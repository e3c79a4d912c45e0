// gr2 sft on a tiny world: the checkpoint records the prompt settings it was trained with and, with
// a think block, a think cap that fits every trained rationale (so evaluation does not cut the
// rationale's last line); the direct-answer variant renders items as SIDs only when asked.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "gr2/core/config.h"
#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/lm/constraint_replay.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/lm/qwen3_model.h"
#include "gr2/lm/vocabulary.h"
#include "gr2/reranker/lm_reranker.h"
#include "gr2/train/sft/sft.h"
#include "test_util.h"
#include "train/trace_fixtures.h"

namespace gr2::train::sft {
namespace {

class SftWorld : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir();
    world_ = new test::SmallWorld(tmp_->path("data"));
    const std::string init = tmp_->path("init");
    test::write_tiny_checkpoint(init, *world_, test::tiny_vocabulary(*world_), 1, 3);
    // Traces by hand: the incoming order reversed, rationales of growing length.
    std::string traces;
    size_t n = 0;
    for (const Slate& s : world_->with_positive(24)) {
      std::vector<int> order(s.candidates.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(order.size() - 1 - i);
      std::string reasoning = "1. History: shown.";
      for (size_t k = 0; k < n % 6; ++k) reasoning += " Candidate " + std::to_string(k + 1) + " fits the history well.";
      Json record{{"request_id", s.request_id}, {"accepted", true}, {"order", order}, {"reasoning", reasoning}};
      // Every other trace carries teacher scores (a teacher that agrees with its order), as the
      // heuristic teacher writes them, for the soft choice targets.
      if (n % 2 == 0) {
        std::vector<double> scores(order.size());
        for (size_t r = 0; r < order.size(); ++r) scores[static_cast<size_t>(order[r])] = -0.5 * static_cast<double>(r);
        record["info"] = Json{{"scores", scores}};
      }
      traces += record.dump() + "\n";
      ++n;
    }
    write_file_atomic(tmp_->path("traces.jsonl"), traces);
  }
  static void TearDownTestSuite() {
    delete world_;
    delete tmp_;
  }
  static SftConfig config(const std::string& extra) {
    const std::string path = tmp_->path("sft.toml");
    write_file_atomic(path, "[sft]\nsteps = 2\nbatch_size = 4\nseq_len = 1024\nwarmup_steps = 0\nvalid_share = 0.0\n"
                            "max_history = 4\ntitle_chars = 0\n" + extra);
    return SftConfig::from_config(Config::load(path));
  }
  static Json train(const SftConfig& c, const std::string& out) {
    SftOptions o;
    o.init_dir = tmp_->path("init");
    o.data_dir = world_->root;
    o.traces_path = tmp_->path("traces.jsonl");
    o.out_dir = tmp_->path(out);
    o.device = "cpu";
    return run_sft(c, o);
  }
  static TempDir* tmp_;
  static test::SmallWorld* world_;
};
TempDir* SftWorld::tmp_ = nullptr;
test::SmallWorld* SftWorld::world_ = nullptr;

TEST_F(SftWorld, ThinkCheckpointRecordsACapThatFitsEveryRationale) {
  const Json result = train(config("think = true\n"), "think");
  const int64_t longest = result.at("task").at("longest_reasoning_tokens").get<int64_t>();
  EXPECT_GT(longest, 10);
  const Json reranker = lm::read_gr2_json(tmp_->path("think")).at("reranker");
  const int64_t cap = reranker.at("max_think_tokens").get<int64_t>();
  EXPECT_GE(cap, longest);              // no trained rationale is cut
  EXPECT_LE(cap, longest + longest / 8 + 1);
  // The reasoning's own tokens, counted independently of SFT: each fits the cap.
  const lm::Vocabulary vocab = lm::Vocabulary::load(tmp_->path("think"));
  for (const Json& t : read_jsonl(tmp_->path("traces.jsonl")))
    EXPECT_LE(static_cast<int64_t>(vocab.encode(t.at("reasoning").get<std::string>()).size()), cap);
  // The re-ranker loads with that cap.
  auto loaded = LmReranker::load(tmp_->path("think"), world_->catalog, torch::kCPU);
  EXPECT_EQ(loaded->options().max_think_tokens, cap);
  EXPECT_TRUE(loaded->options().prompt.think);
}

TEST_F(SftWorld, DirectAnswerCheckpointRendersItemsAsSidsOnlyWhenAsked) {
  train(config("think = false\nshow_category = false\n"), "direct");
  auto loaded = LmReranker::load(tmp_->path("direct"), world_->catalog, torch::kCPU);
  EXPECT_FALSE(loaded->options().prompt.think);
  EXPECT_FALSE(loaded->options().prompt.show_category);
  EXPECT_EQ(loaded->options().prompt.max_history, 4);
  const RankRequest request = make_request(world_->with_positive(1).front());
  const std::string prompt = loaded->renderer().render_prompt(request);
  EXPECT_EQ(prompt.find(" | "), std::string::npos) << prompt;
  // The default keeps the category after each SID.
  train(config("think = false\n"), "direct_category");
  auto with_category = LmReranker::load(tmp_->path("direct_category"), world_->catalog, torch::kCPU);
  EXPECT_NE(with_category->renderer().render_prompt(request).find(" | "), std::string::npos);
  EXPECT_FALSE(with_category->options().prompt.show_brand);
  // show_brand is recorded in the checkpoint and renders each item's brand.
  train(config("think = false\nshow_category = false\nshow_brand = true\n"), "direct_brand");
  auto with_brand = LmReranker::load(tmp_->path("direct_brand"), world_->catalog, torch::kCPU);
  EXPECT_TRUE(with_brand->options().prompt.show_brand);
  EXPECT_NE(with_brand->renderer().render_prompt(request).find(" | brand "), std::string::npos);
}

TEST_F(SftWorld, ShuffledCopiesAddExamplesOfTheSameRankingInAnotherCandidateOrder) {
  const Json base = train(config("think = false\nshow_category = false\n"), "plain");
  const Json shuffled = train(config("think = false\nshow_category = false\nshuffled_copies = 2\n"), "shuffled");
  const int64_t n = base.at("task").at("train_examples").get<int64_t>();
  EXPECT_EQ(n, 24);
  EXPECT_EQ(shuffled.at("task").at("train_examples").get<int64_t>(), 3 * n);
  EXPECT_TRUE(std::isfinite(shuffled.at("last_loss").get<double>()));
}

TEST_F(SftWorld, ShuffledCandidatesKeepTheRankingOfTheSameItems) {
  const RankRequest request = make_request(world_->with_positive(1).front());
  std::vector<int> order(request.candidates.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>((i * 3 + 1) % order.size());
  const auto [shown, mapped] = shuffle_candidates(request, order, 77);
  ASSERT_EQ(mapped.size(), order.size());
  bool moved = false;
  for (size_t r = 0; r < order.size(); ++r) {
    EXPECT_EQ(shown.candidates[static_cast<size_t>(mapped[r])].item_id,
              request.candidates[static_cast<size_t>(order[r])].item_id);
    moved = moved || shown.candidates[r].item_id != request.candidates[r].item_id;
  }
  EXPECT_TRUE(moved);
  EXPECT_EQ(shuffle_candidates(request, order, 77).second, mapped);  // deterministic
}

TEST_F(SftWorld, ChoiceSetsAreTheDecodingConstraintsChoicesAndTrainTheModel) {
  const Json result = train(config("think = false\nshow_category = false\nchoice_weight = 1.0\n"), "choice");
  EXPECT_TRUE(std::isfinite(result.at("last_loss").get<double>()));
  auto loaded = LmReranker::load(tmp_->path("choice"), world_->catalog, torch::kCPU);
  const RankRequest request = make_request(world_->with_positive(1).front());
  const size_t k = request.candidates.size();
  std::vector<int> order(k);
  for (size_t i = 0; i < k; ++i) order[i] = static_cast<int>(k - 1 - i);
  const std::vector<int64_t> answer =
      loaded->vocabulary().encode(loaded->renderer().render_example(request, order, "").answer_part);
  const auto sets = answer_choice_sets(loaded->renderer(), loaded->vocabulary(), request, answer);
  // The same steps as a replay of the constraint the re-ranker decodes with.
  auto constraint = loaded->answer_constraint(request);
  ASSERT_NE(constraint, nullptr);
  const auto steps = lm::replay_constraint(*constraint, answer);
  std::vector<int64_t> expected;
  for (size_t t = 0; t < steps.size(); ++t)
    if (!steps[t].forced()) expected.push_back(static_cast<int64_t>(t));
  std::vector<int64_t> got;
  for (const auto& c : sets) {
    got.push_back(c.index);
    EXPECT_NE(std::find(c.allowed.begin(), c.allowed.end(), answer[static_cast<size_t>(c.index)]), c.allowed.end());
    EXPECT_EQ(c.allowed, steps[static_cast<size_t>(c.index)].tokens());
  }
  EXPECT_EQ(got, expected);
  // At least one choice per candidate but the last, and none in the last SID or the end token.
  EXPECT_GE(sets.size(), k - 1);
  const size_t last_sid = loaded->vocabulary().encode(loaded->renderer().candidate_sids(request)[static_cast<size_t>(order.back())]).size();
  EXPECT_LT(static_cast<size_t>(sets.back().index), answer.size() - 1 - last_sid);
  // The first choice is among every candidate: its allowed set has the most ids.
  for (const auto& c : sets) EXPECT_LE(c.allowed.size(), sets.front().allowed.size());
  // Every training example carries its choices.
  EXPECT_GE(result.at("task").at("choice_tokens").get<int64_t>(), 24 * static_cast<int64_t>(k - 1));
}

TEST_F(SftWorld, SoftChoiceTargetsAreTheTeachersPlackettLuceMassPerAllowedToken) {
  const Json result = train(config("think = false\nshow_category = false\nchoice_weight = 1.0\n"
                                   "soft_choice_temperature = 1.0\n"), "soft");
  EXPECT_TRUE(std::isfinite(result.at("last_loss").get<double>()));
  EXPECT_EQ(result.at("task").at("soft_target_examples").get<int64_t>(), 12);  // the traces with scores
  auto loaded = LmReranker::load(tmp_->path("soft"), world_->catalog, torch::kCPU);
  const auto& renderer = loaded->renderer();
  const auto& vocab = loaded->vocabulary();
  const RankRequest request = make_request(world_->with_positive(1).front());
  const size_t k = request.candidates.size();
  std::vector<int> order(k);
  for (size_t i = 0; i < k; ++i) order[i] = static_cast<int>((i * 3 + 2) % k);
  const std::vector<int64_t> answer = vocab.encode(renderer.render_example(request, order, "").answer_part);
  std::vector<double> scores(k);
  for (size_t i = 0; i < k; ++i) scores[i] = 0.3 * static_cast<double>((i * 7) % k);
  const std::vector<std::string> spellings = renderer.candidate_sids(request);

  // First choice: each allowed first code gets the softmax(score / T) mass of the candidates that
  // start with it, computed here from the SIDs directly.
  auto sets = answer_choice_sets(renderer, vocab, request, answer);
  const double T = 0.7;
  set_soft_choice_targets(sets, renderer, vocab, request, order, answer, scores, T, 0);
  ASSERT_FALSE(sets.empty());
  double z = 0;
  for (double s : scores) z += std::exp(s / T);
  const auto& first = sets.front();
  ASSERT_EQ(first.target.size(), first.allowed.size());
  for (size_t a = 0; a < first.allowed.size(); ++a) {
    double mass = 0;
    for (size_t c = 0; c < k; ++c) {
      const auto t = vocab.encode(spellings[c]);
      const size_t depth = static_cast<size_t>(first.index);  // the first SID's tokens before the choice
      if (t.size() > depth && t[depth] == first.allowed[a]) mass += std::exp(scores[c] / T) / z;
    }
    EXPECT_NEAR(first.target[a], mass, 1e-5) << "allowed token " << a;
  }
  for (const auto& set : sets) {
    ASSERT_EQ(set.target.size(), set.allowed.size());
    double sum = 0;
    for (float p : set.target) sum += p;
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }

  // A teacher whose scores agree with the order, at a low temperature: every target is one-hot on
  // the answer's own token (the candidates already placed are out of every later choice).
  std::vector<double> agree(k);
  for (size_t r = 0; r < k; ++r) agree[static_cast<size_t>(order[r])] = -static_cast<double>(r);
  auto sharp = answer_choice_sets(renderer, vocab, request, answer);
  set_soft_choice_targets(sharp, renderer, vocab, request, order, answer, agree, 0.01, 0);
  for (const auto& set : sharp) {
    const auto own = std::find(set.allowed.begin(), set.allowed.end(), answer[static_cast<size_t>(set.index)]);
    EXPECT_NEAR(set.target[static_cast<size_t>(own - set.allowed.begin())], 1.0, 1e-4) << "choice at " << set.index;
  }

  // first_soft_pick = 1 (a targeted trace): the first pick's choices keep one-hot targets.
  auto targeted = answer_choice_sets(renderer, vocab, request, answer);
  set_soft_choice_targets(targeted, renderer, vocab, request, order, answer, scores, T, 1);
  const int64_t second_pick = static_cast<int64_t>(vocab.encode(spellings[static_cast<size_t>(order[0])]).size());
  for (const auto& set : targeted) EXPECT_EQ(set.target.empty(), set.index < second_pick) << "choice at " << set.index;
}

TEST_F(SftWorld, SoftChoiceTargetsNeedTheChoiceLossAndWellFormedScores) {
  expect_error([] { config("soft_choice_temperature = 1.0\n"); }, "choice_weight");
  const Slate slate = world_->with_positive(1).front();
  std::vector<int> order(slate.candidates.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  Json record{{"request_id", slate.request_id}, {"accepted", true}, {"order", order},
              {"info", {{"scores", std::vector<double>{1.0, 2.0}}}}};
  write_file_atomic(tmp_->path("bad_scores.jsonl"), record.dump() + "\n");
  SftOptions o;
  o.init_dir = tmp_->path("init");
  o.data_dir = world_->root;
  o.traces_path = tmp_->path("bad_scores.jsonl");
  o.out_dir = tmp_->path("bad_scores");
  o.device = "cpu";
  const SftConfig c = config("think = false\nchoice_weight = 1.0\nsoft_choice_temperature = 1.0\n");
  expect_error([&] { run_sft(c, o); }, "info.scores must be an array of");
  // An order that is not a permutation of the candidates is refused with its line.
  record["order"] = std::vector<int>{0, 1};
  write_file_atomic(tmp_->path("bad_scores.jsonl"), record.dump() + "\n");
  expect_error([&] { run_sft(c, o); }, "bad_scores.jsonl:1: order must be a permutation");
}

TEST_F(SftWorld, RejectsKeysTheStageDoesNotRead) {
  expect_error([] { config("think = false\nmax_think_tokens = 5\n"); }, "max_think_tokens");
}

}  // namespace
}  // namespace gr2::train::sft
