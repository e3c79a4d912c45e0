// Data-parallel training through the CLI, with 2 processes on 127.0.0.1 (gr2 launch picks a free
// port, so parallel test runs do not collide): 2 ranks with half the batch each follow the loss
// curve of one process with the whole batch (SFT: against a plain run; RL: against a 1-rank run,
// whose rollouts are seeded per group the same way); killed 2-rank SFT and RL runs resume exactly; a rank
// that dies makes the other stop with its own error; ranks with different configs, or a rank that
// never joins, are refused.
#include <gtest/gtest.h>

#include <cmath>

#include <torch/torch.h>

#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/dist/launcher.h"
#include "gr2/dist/world.h"
#include "test_util.h"
#include "train/stage_cli_fixture.h"

namespace gr2::dist {
namespace {

class DataParallel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fx_ = new test::StageCliFixture(
        "[sft]\nsteps = 6\nbatch_size = 4\nseq_len = 512\nwarmup_steps = 0\nvalid_share = 0.0\n"
        "think = false\nmax_history = 4\ntitle_chars = 0\ncheckpoint_every = 2\nlearning_rate = 0.003\n"
        "[rl]\nsteps = 4\nprompts_per_step = 4\ngroup_size = 3\nminibatch_rows = 4\ncheckpoint_every = 2\n"
        "learning_rate = 0.003\nreward = \"ndcg\"\nvalidation_slates = 8\n");
  }
  static void TearDownTestSuite() { delete fx_; }
  void SetUp() override {
    if (!backend_built("gloo")) GTEST_SKIP() << "this build has no Gloo backend (docs/distributed.md)";
  }

  static std::string sft_args(const std::string& out) { return fx_->sft_args(out); }
  static std::string rl_args(const std::string& out) { return fx_->rl_args(out); }
  static std::string path(const std::string& name) { return fx_->path(name); }
  static std::string launch(int nproc, const std::string& args) {
    return "launch --nproc " + std::to_string(nproc) + " --timeout 60 -- gr2 " + args;
  }
  // `script` run by a shell per rank, so that `$RANK` can change what a rank does.
  static std::string launch_shell(int nproc, const std::string& script) {
    return "launch --nproc " + std::to_string(nproc) + " --timeout 20 -- sh -c '" + script + "'";
  }

  // The training records (with "loss") of a metrics log.
  static std::vector<Json> train_records(const std::string& path) {
    std::vector<Json> out;
    for (const Json& r : read_jsonl(path))
      if (r.contains("loss") && !r.contains("eval")) out.push_back(r);
    return out;
  }
  static double max_weight_difference(const std::string& a, const std::string& b) {
    return fx_->max_weight_difference(a, b);
  }

  static test::StageCliFixture* fx_;
};
test::StageCliFixture* DataParallel::fx_ = nullptr;

TEST_F(DataParallel, SftTwoRanksFollowTheOneProcessLossCurve) {
  const CliResult one = run_cli(sft_args("sft_one"));
  ASSERT_EQ(one.status, 0) << one.output;
  const CliResult two = run_cli(launch(2, sft_args("sft_two")));
  ASSERT_EQ(two.status, 0) << two.output;
  const auto a = train_records(path("sft_one/train_log.jsonl"));
  const auto b = train_records(path("sft_two/train_log.jsonl"));
  ASSERT_EQ(a.size(), 6u);
  ASSERT_EQ(b.size(), 6u);  // rank 0 alone writes the log
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_FALSE(a[i].contains("ranks"));
    EXPECT_EQ(b[i]["ranks"], 2);
    const double la = a[i]["loss"].get<double>(), lb = b[i]["loss"].get<double>();
    EXPECT_NEAR(la, lb, 1e-4 * std::max(1.0, std::abs(la))) << "step " << i + 1;
    EXPECT_NEAR(a[i]["grad_norm"].get<double>(), b[i]["grad_norm"].get<double>(), 1e-3 * a[i]["grad_norm"].get<double>());
    EXPECT_EQ(a[i]["targets"], b[i]["targets"]) << "step " << i + 1;
    // Each shard is trimmed to its own longest row: no more positions than the whole batch.
    EXPECT_LE(b[i]["tokens"].get<int64_t>(), a[i]["tokens"].get<int64_t>()) << "step " << i + 1;
  }
  EXPECT_GT(a.front()["loss"].get<double>(), a.back()["loss"].get<double>());  // it learned
  EXPECT_LT(max_weight_difference("sft_one", "sft_two"), 1e-4);
}

TEST_F(DataParallel, RlTwoRanksFollowTheOneRankCurve) {
  const CliResult one = run_cli(launch(1, rl_args("rl_one")));
  ASSERT_EQ(one.status, 0) << one.output;
  const CliResult two = run_cli(launch(2, rl_args("rl_two")));
  ASSERT_EQ(two.status, 0) << two.output;
  const auto a = train_records(path("rl_one/rl_log.jsonl"));
  const auto b = train_records(path("rl_two/rl_log.jsonl"));
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), 4u);
  // The same weights sample the same rollouts: step 1 is identical; later steps start from weights
  // that differ by float summation order only.
  EXPECT_EQ(a[0]["reward_mean"], b[0]["reward_mean"]);
  EXPECT_EQ(a[0]["groups_kept"], b[0]["groups_kept"]);
  EXPECT_EQ(a[0]["response_tokens"], b[0]["response_tokens"]);
  EXPECT_EQ(b[0]["ranks"], 2);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["groups"], b[i]["groups"]) << "step " << i + 1;
    EXPECT_NEAR(a[i]["loss"].get<double>(), b[i]["loss"].get<double>(), 1e-4) << "step " << i + 1;
    EXPECT_NEAR(a[i]["reward_mean"].get<double>(), b[i]["reward_mean"].get<double>(), 1e-9) << "step " << i + 1;
  }
  // The output is the policy validation selected (maybe the start); the last checkpoint holds the
  // trained weights.
  const std::string last = "/run/checkpoints/step-00000004";
  const double trained = max_weight_difference("rl_one" + last, "rl_two" + last);
  EXPECT_GT(max_weight_difference("rl_one" + last, "init"), 0.0);
  EXPECT_LT(trained, 1e-4);
}

TEST_F(DataParallel, TwoRankRunKilledAndResumedEqualsUninterrupted) {
  const CliResult full = run_cli(launch(2, sft_args("sft_full2")));
  ASSERT_EQ(full.status, 0) << full.output;
  const CliResult crash = run_cli(launch(2, sft_args("sft_split2")), "GR2_FAULT_KILL_AT_STEP=3");
  EXPECT_EQ(crash.status, 137) << crash.output;
  EXPECT_FALSE(file_exists(path("sft_split2/model.safetensors")));
  const CliResult resumed = run_cli(launch(2, sft_args("sft_split2") + " --resume"));
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed from step 2"), std::string::npos) << resumed.output;
  EXPECT_EQ(max_weight_difference("sft_full2", "sft_split2"), 0.0);
  EXPECT_EQ(train_records(path("sft_split2/train_log.jsonl")).size(), 6u);
}

TEST_F(DataParallel, TwoRankRlRunKilledAndResumedEqualsUninterrupted) {
  const CliResult full = run_cli(launch(2, rl_args("rl_full2")));
  ASSERT_EQ(full.status, 0) << full.output;
  const CliResult crash = run_cli(launch(2, rl_args("rl_split2")), "GR2_FAULT_KILL_AT_STEP=3");
  EXPECT_EQ(crash.status, 137) << crash.output;
  const CliResult resumed = run_cli(launch(2, rl_args("rl_split2") + " --resume"));
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed at step 2"), std::string::npos) << resumed.output;
  EXPECT_EQ(max_weight_difference("rl_full2", "rl_split2"), 0.0);
  const auto a = train_records(path("rl_full2/rl_log.jsonl"));
  const auto b = train_records(path("rl_split2/rl_log.jsonl"));
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), 4u);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i]["reward_mean"], b[i]["reward_mean"]) << "step " << i + 1;
}

TEST_F(DataParallel, AKilledRankMakesTheOtherStopWithAnError) {
  const std::string script = "if [ \"$RANK\" = 1 ]; then export GR2_FAULT_KILL_AT_STEP=2; fi; exec " +
                             std::string(kCliPath) + " " + sft_args("sft_killed");
  const CliResult r = run_cli(launch_shell(2, script));
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("gr2 launch: rank 1 exited with status 137"), std::string::npos) << r.output;
  // Rank 0 stopped by itself (status 1, its own message), not killed by the launcher.
  EXPECT_NE(r.output.find("gr2 launch: rank 0 exited with status 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("rank 0 of 2: the "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("failed (another rank died"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("killing them"), std::string::npos) << r.output;
}

TEST_F(DataParallel, RanksWithDifferentConfigsAreRefused) {
  const std::string script = "exec " + std::string(kCliPath) + " " + sft_args("sft_mismatch") +
                             " --set sft.learning_rate=0.00$((3 + RANK))";
  const CliResult r = run_cli(launch_shell(2, script));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("the ranks disagree on the run"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("sft.learning_rate (rank 0 0.003, rank 1 0.004)"), std::string::npos) << r.output;
  EXPECT_FALSE(file_exists(path("sft_mismatch/model.safetensors")));
}

TEST_F(DataParallel, ARankThatNeverJoinsIsAnErrorAfterTheTimeout) {
  const std::string env = "WORLD_SIZE=2 RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(free_tcp_port()) +
                          " GR2_DIST_TIMEOUT=2";
  const CliResult r = run_cli(sft_args("sft_alone"), env);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("rank 0 of 2: the rendezvous"), std::string::npos) << r.output;
  const CliResult bad = run_cli(sft_args("sft_alone"), "WORLD_SIZE=2 RANK=2");
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("RANK=2 is not below WORLD_SIZE=2"), std::string::npos) << bad.output;
}

TEST_F(DataParallel, ABatchThatDoesNotSplitEvenlyIsRefused) {
  const CliResult r = run_cli(launch(2, sft_args("sft_odd") + " --set sft.batch_size=3"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("must be a multiple of the world size 2"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace gr2::dist
