// SFT and RL on the trainer core, through the CLI as a user runs them: a run killed mid-way
// (GR2_FAULT_KILL_AT_STEP: the process exits at the start of that step, status 137, after a
// checkpoint two steps earlier) and resumed ends with exactly the weights of an uninterrupted run
// and a metrics log with each step once; a resume under a changed config is refused naming the
// key; keys a stage does not read are rejected.
#include <gtest/gtest.h>

#include <map>

#include <torch/torch.h>

#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/reranker/lm_reranker.h"
#include "test_util.h"
#include "train/stage_cli_fixture.h"

namespace gr2::train {
namespace {

class StageResume : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fx_ = new test::StageCliFixture(
        "[sft]\nsteps = 6\nbatch_size = 4\nseq_len = 512\nwarmup_steps = 0\nvalid_share = 0.0\n"
        "think = false\nmax_history = 4\ntitle_chars = 0\ncheckpoint_every = 2\nlearning_rate = 0.003\n"
        "[rl]\nsteps = 4\nprompts_per_step = 2\ngroup_size = 3\nminibatch_rows = 4\ncheckpoint_every = 2\n"
        "learning_rate = 0.003\nreward = \"ndcg\"\n");
    tmp_ = &fx_->tmp;
  }
  static void TearDownTestSuite() { delete fx_; }

  static std::string sft_args(const std::string& out) { return fx_->sft_args(out); }
  static std::string rl_args(const std::string& out) { return fx_->rl_args(out); }

  // Every parameter of the two checkpoints is bit-identical (and some moved from the init).
  static void expect_same_weights(const std::string& a, const std::string& b) {
    bool moved = false;
    EXPECT_EQ(fx_->max_weight_difference(a, b, &moved), 0.0) << a << " vs " << b;
    EXPECT_TRUE(moved) << a << " did not train";
  }
  static std::vector<int64_t> logged_steps(const std::string& path, bool eval_records) {
    return test::StageCliFixture::logged_steps(path, eval_records);
  }

  static test::StageCliFixture* fx_;
  static TempDir* tmp_;
};
test::StageCliFixture* StageResume::fx_ = nullptr;
TempDir* StageResume::tmp_ = nullptr;

TEST_F(StageResume, SftKilledAndResumedEqualsUninterrupted) {
  const CliResult full = run_cli(sft_args("sft_full"));
  ASSERT_EQ(full.status, 0) << full.output;
  const CliResult crash = run_cli(sft_args("sft_split"), "GR2_FAULT_KILL_AT_STEP=3");
  ASSERT_EQ(crash.status, 137) << crash.output;
  EXPECT_NE(crash.output.find("exiting as if killed"), std::string::npos) << crash.output;
  EXPECT_FALSE(file_exists(tmp_->path("sft_split/model.safetensors")));
  EXPECT_EQ(logged_steps(tmp_->path("sft_split/train_log.jsonl"), false), (std::vector<int64_t>{1, 2, 3}));
  const CliResult resumed = run_cli(sft_args("sft_split") + " --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed from step 2"), std::string::npos) << resumed.output;
  expect_same_weights("sft_full", "sft_split");
  EXPECT_EQ(logged_steps(tmp_->path("sft_split/train_log.jsonl"), false), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
}

TEST_F(StageResume, RlKilledAndResumedEqualsUninterrupted) {
  const CliResult full = run_cli(rl_args("rl_full"));
  ASSERT_EQ(full.status, 0) << full.output;
  const CliResult crash = run_cli(rl_args("rl_split"), "GR2_FAULT_KILL_AT_STEP=3");
  ASSERT_EQ(crash.status, 137) << crash.output;
  EXPECT_FALSE(file_exists(tmp_->path("rl_split/model.safetensors")));
  EXPECT_EQ(logged_steps(tmp_->path("rl_split/rl_log.jsonl"), false), (std::vector<int64_t>{1, 2, 3}));
  const CliResult resumed = run_cli(rl_args("rl_split") + " --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed at step 2"), std::string::npos) << resumed.output;
  expect_same_weights("rl_full", "rl_split");
  EXPECT_EQ(logged_steps(tmp_->path("rl_split/rl_log.jsonl"), false), (std::vector<int64_t>{1, 2, 3, 4}));
  // The rollouts of the replayed steps are the uninterrupted run's (same slates, same samples).
  const auto a = read_jsonl(tmp_->path("rl_full/rl_log.jsonl"));
  const auto b = read_jsonl(tmp_->path("rl_split/rl_log.jsonl"));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i]["reward_mean"], b[i]["reward_mean"]) << "step " << i + 1;
}

TEST_F(StageResume, ResumeUnderAChangedConfigIsRefusedNamingTheKey) {
  ASSERT_EQ(run_cli(rl_args("rl_changed"), "GR2_FAULT_KILL_AT_STEP=3").status, 137);
  CliResult r = run_cli(rl_args("rl_changed") + " --resume --set rl.group_size=4");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("rl.group_size (checkpoint 3, now 4)"), std::string::npos) << r.output;
  r = run_cli(rl_args("rl_changed") + " --resume --set rl.learning_rate=0.001");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("rl.train.learning_rate"), std::string::npos) << r.output;
  // Reporting intervals may change.
  r = run_cli(rl_args("rl_changed") + " --resume --set rl.log_every=2");
  EXPECT_EQ(r.status, 0) << r.output;

  ASSERT_EQ(run_cli(sft_args("sft_changed"), "GR2_FAULT_KILL_AT_STEP=3").status, 137);
  r = run_cli(sft_args("sft_changed") + " --resume --set sft.learning_rate=0.001");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("sft.learning_rate (checkpoint 0.003, now 0.001)"), std::string::npos) << r.output;
  // Without --resume an existing run is not overwritten.
  r = run_cli(sft_args("sft_changed"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("pass --resume"), std::string::npos) << r.output;
}

TEST_F(StageResume, KeysAStageDoesNotReadAreRejected) {
  for (const std::string key : {"batch_size", "seq_len", "grad_accum", "eval_every"}) {
    const CliResult r = run_cli(rl_args("rl_keys") + " --set rl." + key + "=8");
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("unknown key 'rl." + key + "'"), std::string::npos) << r.output;
  }
  const CliResult r = run_cli(sft_args("sft_keys") + " --set sft.group_size=4");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("unknown key 'sft.group_size'"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace gr2::train
