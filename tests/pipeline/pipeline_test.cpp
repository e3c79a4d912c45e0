// The quick end-to-end pipeline (configs/quick.toml): every stage of the recipe runs through the
// CLI on a tiny synthetic world, the report has every row with valid answers, and a rerun skips
// every stage.
#include <gtest/gtest.h>

#include <set>

#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "test_util.h"

namespace gr2 {
namespace {

TEST(Pipeline, QuickConfigRunsEveryStageAndRerunSkipsThem) {
  TempDir dir;
  const std::string work = dir.path("work");
  const CliResult first = run_cli("pipeline " GR2_SOURCE_DIR "/configs/quick.toml --work " + work + " --device cpu");
  ASSERT_EQ(first.status, 0) << first.output;

  const Json report = Json::parse(read_file(work + "/eval/report.json"));
  std::set<std::string> names;
  for (const auto& p : report.at("policies")) {
    names.insert(p.at("name").get<std::string>());
    const Json& d = p.at("diagnostics");
    if (d.at("can_fail").get<bool>()) {
      // LM rows answer with constrained decoding: every answer is a valid permutation.
      EXPECT_EQ(d.at("invalid").get<int64_t>(), 0) << p.at("name");
      EXPECT_GT(d.at("answers").get<int64_t>(), 0) << p.at("name");
    }
    const double r1 = p.at("metrics").at("R@1").at("mean").get<double>();
    EXPECT_GE(r1, 0.0);
    EXPECT_LE(r1, 1.0);
  }
  for (const char* row : {"incoming", "popularity", "heuristic", "prm", "midtrain", "sft_targeted", "sft_rejection",
                          "rl_naive", "rl_conditional"})
    EXPECT_TRUE(names.count(row)) << "missing row " << row << "\n" << first.output;

  // Every stage left a complete stamp, the RL runs logged their steps and SFT its training record.
  for (const char* stage : {"data", "sid", "pretrain", "midtrain", "traces", "sft_targeted", "sft_rejection", "rl_naive",
                            "rl_conditional", "legacy"}) {
    const Json stamp = Json::parse(read_file(work + "/stages/" + stage + ".json"));
    EXPECT_TRUE(stamp.at("complete").get<bool>()) << stage;
  }
  const auto rl_log = read_jsonl(work + "/rl_conditional/rl_log.jsonl");
  ASSERT_EQ(rl_log.size(), 3u);
  for (const char* key : {"reward_mean", "reward_std", "kept_share", "clip_fraction", "entropy", "invalid_rate",
                          "identity_copy_rate", "top1_kept_rate", "top1_incoming_position"})
    EXPECT_TRUE(rl_log.back().contains(key)) << key;

  const CliResult second = run_cli("pipeline " GR2_SOURCE_DIR "/configs/quick.toml --work " + work + " --device cpu");
  ASSERT_EQ(second.status, 0) << second.output;
  EXPECT_NE(second.output.find("[rl_conditional] current; skipped"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("[pretrain] current; skipped"), std::string::npos) << second.output;
  EXPECT_EQ(second.output.find("] running"), std::string::npos) << second.output;
}

TEST(Pipeline, RefusesUnknownSectionsBeforeDoingAnyWork) {
  TempDir dir;
  dir.write("bad.toml", "[synth]\nseed = 1\n[sfft]\nsteps = 3\n");
  const CliResult r = run_cli("pipeline " + dir.path("bad.toml") + " --work " + dir.path("w"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("sfft"), std::string::npos) << r.output;
  EXPECT_FALSE(file_exists(dir.path("w/data/catalog.jsonl")));
}

TEST(Pipeline, RefusesRlFromAnSftStageThatDoesNotRun) {
  TempDir dir;
  const CliResult r = run_cli("pipeline " GR2_SOURCE_DIR "/configs/quick.toml --work " + dir.path("w") +
                              " --set pipeline.sft_rejection=false");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("rl_init = \"sft_rejection\" needs sft_rejection = true"), std::string::npos) << r.output;
  EXPECT_FALSE(file_exists(dir.path("w/data/catalog.jsonl")));
}

}  // namespace
}  // namespace gr2
