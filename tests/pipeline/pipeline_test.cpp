// The quick end-to-end pipeline (configs/quick.toml): every stage of the recipe runs through the
// CLI on a tiny synthetic world, the report has every row with valid answers, and a rerun skips
// every stage.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include <cmath>
#include <cstdlib>

#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/dist/world.h"
#include "lm/tiny_hf_tokenizer.h"
#include "test_util.h"

namespace gr2 {
namespace {

// The policy names of an evaluation report, after checking every row: LM rows answer with
// constrained decoding (every answer a valid permutation), R@1 is a proportion.
std::set<std::string> checked_report_rows(const std::string& report_path) {
  const Json report = Json::parse(read_file(report_path));
  std::set<std::string> names;
  for (const auto& p : report.at("policies")) {
    names.insert(p.at("name").get<std::string>());
    const Json& d = p.at("diagnostics");
    if (d.at("can_fail").get<bool>()) {
      EXPECT_EQ(d.at("invalid").get<int64_t>(), 0) << p.at("name");
      EXPECT_GT(d.at("answers").get<int64_t>(), 0) << p.at("name");
    }
    const double r1 = p.at("metrics").at("R@1").at("mean").get<double>();
    EXPECT_GE(r1, 0.0);
    EXPECT_LE(r1, 1.0);
  }
  return names;
}

TEST(Pipeline, QuickConfigRunsEveryStageAndRerunSkipsThem) {
  TempDir dir;
  const std::string work = dir.path("work");
  const CliResult first = run_cli("pipeline " + std::string(kSourceDir) + "/configs/quick.toml --work " + work + " --device cpu");
  ASSERT_EQ(first.status, 0) << first.output;

  const std::set<std::string> names = checked_report_rows(work + "/eval/report.json");
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

  const CliResult second = run_cli("pipeline " + std::string(kSourceDir) + "/configs/quick.toml --work " + work + " --device cpu");
  ASSERT_EQ(second.status, 0) << second.output;
  EXPECT_NE(second.output.find("[rl_conditional] current; skipped"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("[pretrain] current; skipped"), std::string::npos) << second.output;
  EXPECT_EQ(second.output.find("] running"), std::string::npos) << second.output;

  // [pipeline] sft_ranks = 2: the SFT stages rerun as 2 data-parallel processes (and what depends on
  // them), with the same global batch: the same per-step losses up to float summation order.
  auto step_losses = [&] {
    std::vector<double> losses;
    for (const Json& r : read_jsonl(work + "/sft_targeted/train_log.jsonl"))
      if (r.contains("loss") && r.contains("step")) losses.push_back(r.at("loss").get<double>());
    return losses;
  };
  const std::vector<double> one_rank = step_losses();
  const CliResult third = run_cli("pipeline " + std::string(kSourceDir) + "/configs/quick.toml --work " + work +
                                  " --device cpu --set pipeline.sft_ranks=2");
  ASSERT_EQ(third.status, 0) << third.output;
  if (!dist::backend_built("gloo")) {
    // No Gloo (PyPI's LibTorch): the stage stays in-process, with a warning, and so is still current.
    EXPECT_NE(third.output.find("sft_ranks = 2 needs the Gloo backend"), std::string::npos) << third.output;
    EXPECT_NE(third.output.find("[sft_targeted] current; skipped"), std::string::npos) << third.output;
    EXPECT_EQ(third.output.find("] running"), std::string::npos) << third.output;
    return;
  }
  EXPECT_NE(third.output.find("SFT in 2 data-parallel processes"), std::string::npos) << third.output;
  EXPECT_NE(third.output.find("[pretrain] current; skipped"), std::string::npos) << third.output;
  const std::vector<double> two_ranks = step_losses();
  ASSERT_EQ(one_rank.size(), two_ranks.size());
  ASSERT_GT(one_rank.size(), 0u);
  for (size_t i = 0; i < one_rank.size(); ++i) EXPECT_NEAR(one_rank[i], two_ranks[i], 1e-4 * std::abs(one_rank[i])) << "record " << i;
  EXPECT_TRUE(checked_report_rows(work + "/eval/report.json").count("sft_targeted"));
}

// [pipeline] base_model = a Hugging Face directory (tokenizer.json with Qwen3's special tokens,
// config.json, model.safetensors with padding rows, as Qwen3 checkpoints have): midtrain adds the SID
// tokens, and every later stage runs on that vocabulary. The final checkpoint is a Hugging Face
// directory again: with the reference environment, transformers reads it with each SID token a
// single token and one embedding row per token.
TEST(Pipeline, HuggingFaceBaseModelRunsEveryStageAndExportsSidTokens) {
  TempDir dir;
  Json tokenizer = lm::tiny_tokenizer({{"e", "r"}, {"Ġ", "t"}, {"t", "h"}});  // <|im_end|> = 259
  int64_t id = 260;
  for (const char* t : {"<|endoftext|>", "<|im_start|>", "<think>", "</think>"})
    tokenizer["added_tokens"].push_back(lm::added_token(id++, t));
  const std::string base = dir.path("base");
  // 300 rows for 264 tokens: padding, as Qwen3 has (151,936 rows for 151,669 tokens).
  const CliResult init = run_cli("model init --config " + std::string(kSourceDir) + "/configs/quick.toml --vocab-size 300 --out " + base);
  ASSERT_EQ(init.status, 0) << init.output;
  dir.write("base/tokenizer.json", tokenizer.dump());

  const std::string work = dir.path("work");
  const CliResult r = run_cli("pipeline " + std::string(kSourceDir) + "/configs/quick.toml --work " + work + " --device cpu" +
                              " --set pipeline.base_model=" + base + " --set pipeline.sft_rejection=false" +
                              " --set pipeline.rl_init=sft_targeted --set pipeline.naive_rl=false" +
                              " --set sft.think=false --set sft.seq_len=1024");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("midtrain: vocabulary 300 -> "), std::string::npos) << r.output;
  const std::set<std::string> names = checked_report_rows(work + "/eval/report.json");
  for (const char* row : {"midtrain", "sft_targeted", "rl_conditional"}) EXPECT_TRUE(names.count(row)) << row;

  // quick.toml's SIDs: 3 levels x 32 codes after 264 base tokens and <|sid_begin|>, <|sid_end|>.
  const std::string final_dir = work + "/rl_conditional";
  const Json config = Json::parse(read_file(final_dir + "/config.json"));
  EXPECT_EQ(config.at("vocab_size").get<int64_t>(), 264 + 2 + 3 * 32);
  const Json saved = Json::parse(read_file(final_dir + "/tokenizer.json"));
  EXPECT_EQ(saved.at("added_tokens").back().at("content"), "<s_c_31>");
  EXPECT_EQ(saved.at("added_tokens").back().at("id"), 264 + 2 + 3 * 32 - 1);

  const char* python = std::getenv("GR2_REFERENCE_PYTHON");
  if (!python || !*python) GTEST_SKIP() << "no reference environment: the transformers half of this test skips";
  int status = -1;
  const std::string out = run_command(
      std::string(python) + " -c '\n"
      "import sys, torch\n"
      "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
      "tok = AutoTokenizer.from_pretrained(sys.argv[1])\n"
      "model = AutoModelForCausalLM.from_pretrained(sys.argv[1], dtype=torch.float32)\n"
      "ids = tok.encode(\"<|sid_begin|><s_a_0><s_b_31><s_c_7><|sid_end|>\", add_special_tokens=False)\n"
      "logits = model(torch.tensor([ids])).logits\n"
      "print(len(tok), model.get_input_embeddings().weight.shape[0], logits.shape[-1], *ids)\n"
      "' " + final_dir + " 2>/dev/null",
      status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(out, "362 362 362 264 266 329 337 265\n");
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
  const CliResult r = run_cli("pipeline " + std::string(kSourceDir) + "/configs/quick.toml --work " + dir.path("w") +
                              " --set pipeline.sft_rejection=false");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("rl_init = \"sft_rejection\" needs sft_rejection = true"), std::string::npos) << r.output;
  EXPECT_FALSE(file_exists(dir.path("w/data/catalog.jsonl")));
}

}  // namespace
}  // namespace gr2
