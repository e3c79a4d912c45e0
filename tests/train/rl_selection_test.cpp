// RL's selection of the best policy on validation slates (train/rl/policy_validation.h): the
// validation sample is a seeded subset of the validation split's slates with a positive; a policy's
// validation score is exactly what `gr2 eval` computes for it on those slates; `gr2 rl` writes the
// policy of the selected step (the start's weights when the start scored best), keeps every score in
// its summary, selects the same way after a kill and --resume, and leaves no scratch weights behind.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <tuple>

#include <torch/torch.h>

#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/data/data_dir.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/rank/evaluation.h"
#include "gr2/reranker/lm_reranker.h"
#include "gr2/train/rl/policy_validation.h"
#include "test_util.h"
#include "train/trace_fixtures.h"

namespace gr2::train::rl {
namespace {

class RlSelection : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir();
    world_ = new test::SmallWorld(tmp_->path("data"));
    const std::string init = tmp_->path("init");
    test::write_tiny_checkpoint(init, *world_, test::tiny_vocabulary(*world_), 1, 5);
    LmRerankerOptions o;
    o.prompt.think = false;
    o.prompt.max_history = 4;
    o.prompt.title_chars = 0;
    lm::update_gr2_json(init, "reranker", o.to_json());
    write_file_atomic(tmp_->path("rl.toml"),
                      "[rl]\nsteps = 4\nprompts_per_step = 2\ngroup_size = 3\nminibatch_rows = 4\ncheckpoint_every = 2\n"
                      "learning_rate = 0.003\nreward = \"ndcg\"\nvalidation_slates = 24\nvalidation_metric = \"R@3\"\n");
  }
  static void TearDownTestSuite() {
    delete world_;
    delete tmp_;
  }

  static std::string rl_args(const std::string& out, const std::string& extra = "") {
    return "rl --init " + tmp_->path("init") + " --data " + world_->root + " --out " + tmp_->path(out) + " --config " +
           tmp_->path("rl.toml") + " --device cpu " + extra;
  }
  static bool same_weights(const std::string& a, const std::string& b) {
    auto ma = lm::load_model(a, torch::kCPU);
    auto mb = lm::load_model(b, torch::kCPU);
    const auto pb = mb->named_parameters();
    for (const auto& p : ma->named_parameters())
      if (!torch::equal(p.value(), pb[p.key()])) return false;
    return true;
  }
  static Json validation_summary(const std::string& dir) {
    return lm::read_gr2_json(dir).at("training").at("validation");
  }

  static TempDir* tmp_;
  static test::SmallWorld* world_;
};
TempDir* RlSelection::tmp_ = nullptr;
test::SmallWorld* RlSelection::world_ = nullptr;

TEST_F(RlSelection, ValidationSampleIsASeededSubsetOfValidationSlatesWithAPositive) {
  const DataDir data{world_->root};
  const std::vector<Slate> all = read_slates(data.slates(SplitPart::Valid), &world_->catalog);
  std::set<std::string> positives;
  for (const Slate& s : all)
    if (s.has_positive()) positives.insert(s.request_id);
  ASSERT_GT(positives.size(), 10u);

  const auto a = validation_sample(data, world_->catalog, 10, 7);
  const auto b = validation_sample(data, world_->catalog, 10, 7);
  const auto c = validation_sample(data, world_->catalog, 10, 8);
  ASSERT_EQ(a.size(), 10u);
  std::vector<std::string> ids_a, ids_b, ids_c;
  for (const auto& s : a) ids_a.push_back(s.request_id);
  for (const auto& s : b) ids_b.push_back(s.request_id);
  for (const auto& s : c) ids_c.push_back(s.request_id);
  EXPECT_EQ(ids_a, ids_b);                                   // same seed, same slates
  EXPECT_NE(ids_a, ids_c);                                   // another seed, another sample
  EXPECT_EQ(std::set<std::string>(ids_a.begin(), ids_a.end()).size(), 10u);  // without replacement
  for (const auto& id : ids_a) EXPECT_TRUE(positives.count(id)) << id;       // validation, with a positive
  // In file order.
  std::vector<size_t> at;
  for (const auto& id : ids_a)
    at.push_back(static_cast<size_t>(std::find_if(all.begin(), all.end(), [&](const Slate& s) { return s.request_id == id; }) - all.begin()));
  EXPECT_TRUE(std::is_sorted(at.begin(), at.end()));
  // Asking for more than there are gives all of them.
  EXPECT_EQ(validation_sample(data, world_->catalog, 1000000, 7).size(), positives.size());
}

TEST_F(RlSelection, NoValidationSlateWithAPositiveIsAnErrorNamingTheFile) {
  test::SmallWorld other(tmp_->path("data_no_valid"));
  const DataDir data{other.root};
  std::string no_positive;  // the same slates, every label 0
  for (Json slate : read_jsonl(data.slates(SplitPart::Valid))) {
    for (auto& label : slate["labels"]) label = 0;
    no_positive += slate.dump() + "\n";
  }
  ASSERT_FALSE(no_positive.empty());
  write_file_atomic(data.slates(SplitPart::Valid), no_positive);
  try {
    validation_sample(data, other.catalog, 10, 0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(data.slates(SplitPart::Valid)), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("rl.validation_slates = 0"), std::string::npos) << e.what();
  }
}

TEST_F(RlSelection, ValidationScoreEqualsTheEvaluationOfTheSamePolicy) {
  const DataDir data{world_->root};
  const auto slates = validation_sample(data, world_->catalog, 40, 3);
  auto reranker = LmReranker::load(tmp_->path("init"), world_->catalog, torch::kCPU);
  LmRerankerOptions sampled = reranker->options();
  sampled.sampling.temperature = 0.7;  // as during RL: validation must still answer greedily
  reranker->set_options(sampled);
  const ValidationScore v = validate_policy(*reranker, slates, parse_metric("N@3"));
  EXPECT_EQ(reranker->options().sampling.temperature, 0.7);  // restored

  auto policy = make_lm_policy("lm:" + tmp_->path("init"), world_->catalog, "cpu");
  EvalOptions eo;
  eo.robustness_slates = 0;
  eo.show_progress = false;
  const EvalResult r = evaluate({policy.get()}, slates, eo);
  const PolicyResult& lm = r.policies.back();
  for (size_t m = 0; m < r.metrics.size(); ++m)
    EXPECT_NEAR(v.metrics.at(r.metrics[m].name).get<double>(), lm.metrics[m].mean, 1e-12) << r.metrics[m].name;
  EXPECT_NEAR(v.score, v.metrics.at("N@3").get<double>(), 1e-12);
  EXPECT_EQ(v.slates, 40);
}

// The output is the policy of the selected step, whichever it is; the summary holds each score.
TEST_F(RlSelection, RlWritesThePolicyOfTheBestValidationStep) {
  for (const std::string lr : {"0.003", "0.03", "0.01"}) {  // here: steps 2, 0 and 4 selected
    const std::string out = "rl_lr" + lr;
    const CliResult r = run_cli(rl_args(out, "--set rl.learning_rate=" + lr));
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("validation after step 0"), std::string::npos) << r.output;
    const Json v = validation_summary(tmp_->path(out));
    EXPECT_EQ(v.at("metric"), "R@3");
    EXPECT_EQ(v.at("slates"), 24);
    const Json& scores = v.at("scores");
    ASSERT_EQ(scores.size(), 3u) << v.dump();  // the start, step 2, step 4
    int64_t best = -1;
    double best_score = -1;
    for (const Json& s : scores) {
      EXPECT_EQ(s.at("score").get<double>(), s.at("R@3").get<double>());
      if (s.at("score").get<double>() > best_score) {
        best_score = s.at("score").get<double>();
        best = s.at("step").get<int64_t>();
      }
    }
    EXPECT_EQ(scores[0].at("step"), 0);
    EXPECT_EQ(v.at("selected_step").get<int64_t>(), best) << v.dump();
    std::string expected = tmp_->path("init");
    if (best > 0) {  // the same run stopped at that step, without selection
      expected = tmp_->path(out + "_stop");
      const CliResult stop = run_cli(rl_args(out + "_stop", "--set rl.learning_rate=" + lr + " --set rl.steps=" +
                                                                std::to_string(best) + " --set rl.validation_slates=0"));
      ASSERT_EQ(stop.status, 0) << stop.output;
    }
    EXPECT_TRUE(same_weights(tmp_->path(out), expected)) << "lr " << lr << ": selected step " << best;
    EXPECT_FALSE(file_exists(tmp_->path(out + "/best_validation/model.safetensors")));
    std::cout << "lr " << lr << ": selected step " << best << " of " << scores.dump() << "\n";
  }
}

TEST_F(RlSelection, WithAConfidenceACheckpointMustBeatTheStartWithAnIntervalAboveZero) {
  // 0.95 blocks the small gains of this tiny world; 0.01 with one check (an interval about its own
  // estimate) lets the better checkpoint through, so both paths are taken. With m checks each
  // interval is at 1 - (1 - c) / m (Bonferroni): two checks at 0.01 would be 50.5% intervals, too
  // wide for 24 slates.
  int64_t passed = 0;
  for (const auto& [lr, confidence, checks] : std::vector<std::tuple<std::string, std::string, int>>{
           {"0.003", "0.95", 2}, {"0.03", "0.95", 2}, {"0.01", "0.01", 1}}) {
    const std::string out = "rl_gate" + lr + "_" + confidence;
    const CliResult r = run_cli(rl_args(out, "--set rl.learning_rate=" + lr + " --set rl.validation_confidence=" +
                                                 confidence + (checks == 1 ? " --set rl.checkpoint_every=4" : "")));
    ASSERT_EQ(r.status, 0) << r.output;
    const Json v = validation_summary(tmp_->path(out));
    const Json& scores = v.at("scores");
    ASSERT_EQ(scores.size(), static_cast<size_t>(checks + 1)) << v.dump();
    EXPECT_NEAR(v.at("confidence_per_check").get<double>(), 1 - (1 - std::stod(confidence)) / checks, 1e-12) << v.dump();
    const double start = scores[0].at("score").get<double>();
    EXPECT_FALSE(scores[0].contains("vs_start"));
    int64_t best = 0;
    double best_score = start;
    for (size_t i = 1; i < scores.size(); ++i) {
      const Json& s = scores[i];
      const Json& d = s.at("vs_start");
      // R@3 is defined on every slate: the difference is the difference of the means.
      EXPECT_NEAR(d.at("diff").get<double>(), s.at("score").get<double>() - start, 1e-9);
      EXPECT_LE(d.at("lo").get<double>(), d.at("hi").get<double>());
      if (confidence == "0.95") {  // a narrow percentile interval need not hold its own estimate
        EXPECT_LE(d.at("lo").get<double>(), d.at("diff").get<double>() + 1e-12);
        EXPECT_GE(d.at("hi").get<double>(), d.at("diff").get<double>() - 1e-12);
      }
      if (d.at("lo").get<double>() > 0 && s.at("score").get<double>() > best_score) {
        best_score = s.at("score").get<double>();
        best = s.at("step").get<int64_t>();
      }
    }
    EXPECT_EQ(v.at("selected_step").get<int64_t>(), best) << v.dump();
    if (best == 0) {
      EXPECT_TRUE(same_weights(tmp_->path(out), tmp_->path("init"))) << v.dump();
    }
    passed += best > 0;
    std::cout << "lr " << lr << " confidence " << confidence << ": selected step " << best << "\n";
  }
  EXPECT_GE(passed, 1) << "no checkpoint passed the gate: the test did not take that path";
}

TEST_F(RlSelection, KilledAndResumedSelectsAsUninterrupted) {
  const CliResult full = run_cli(rl_args("rl_full", "--set rl.learning_rate=0.3"));
  ASSERT_EQ(full.status, 0) << full.output;
  const CliResult crash = run_cli(rl_args("rl_split", "--set rl.learning_rate=0.3"), "GR2_FAULT_KILL_AT_STEP=3");
  ASSERT_EQ(crash.status, 137) << crash.output;
  const CliResult resumed = run_cli(rl_args("rl_split", "--set rl.learning_rate=0.3 --resume"));
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_EQ(resumed.output.find("validation after step 0"), std::string::npos) << "the start is not re-scored";
  EXPECT_TRUE(same_weights(tmp_->path("rl_full"), tmp_->path("rl_split")));
  Json a = validation_summary(tmp_->path("rl_full")), b = validation_summary(tmp_->path("rl_split"));
  for (Json* j : {&a, &b})
    for (Json& s : (*j)["scores"]) s.erase("seconds");
  EXPECT_EQ(a, b);
}

TEST_F(RlSelection, AnUnknownMetricIsRefusedBeforeAnyWork) {
  const CliResult r = run_cli(rl_args("rl_bad_metric", "--set rl.validation_metric=P@3"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("validation_metric"), std::string::npos) << r.output;
  EXPECT_FALSE(file_exists(tmp_->path("rl_bad_metric/rl_log.jsonl")));
}

}  // namespace
}  // namespace gr2::train::rl
