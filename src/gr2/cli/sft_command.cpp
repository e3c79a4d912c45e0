// `gr2 sft` and `gr2 rl`: the reasoning stages of the recipe on a mid-trained re-ranker.
// Argument parsing only: the work is in gr2/train/sft.* and gr2/train/rl.*.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gr2/cli/command.h"
#include "gr2/core/config.h"
#include "gr2/train/rl/rl.h"
#include "gr2/train/sft/sft.h"

namespace gr2::cli {
namespace {

void add_sft_command(CLI::App& app) {
  struct Args {
    std::string config;
    std::vector<std::string> sets;
    train::sft::SftOptions options;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "sft",
      "Supervised fine-tuning on teacher traces (from 'gr2 traces'): each accepted trace becomes prompt +\n"
      "<think> reasoning </think> + ranking; loss only on the assistant turn, reasoning tokens weighted\n"
      "sft.reasoning_weight and ranking tokens sft.answer_weight. Writes a re-ranker checkpoint to OUT\n"
      "(evaluate it with gr2 eval --policies lm:OUT). See docs/sft.md.\n"
      "Example: gr2 sft --init work/midtrain --data work/data --traces work/traces_targeted.jsonl --out work/sft --config configs/demo.toml");
  cmd->add_option("--init", a->options.init_dir, "Starting checkpoint (mid-trained re-ranker with sids.jsonl)")->required();
  cmd->add_option("--data", a->options.data_dir, "Data directory the traces refer to")->required();
  cmd->add_option("--traces", a->options.traces_path, "Traces JSONL")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", a->options.out_dir, "Checkpoint directory to write")->required();
  cmd->add_option("--config", a->config, "TOML config; only its [sft] section is read")->check(CLI::ExistingFile);
  cmd->add_option("--set", a->sets, "Override a knob: --set sft.steps=100 (repeatable)");
  cmd->add_flag("--resume", a->options.resume, "Continue from OUT/run's latest checkpoint");
  add_device_option(*cmd, a->options.device);
  cmd->callback([a] {
    const Config config = Config::load_with_overrides(a->config, a->sets, "sft", "gr2 sft");
    const Json r = train::sft::run_sft(train::sft::SftConfig::from_config(config), a->options);
    std::printf("sft: %lld steps, loss %.4f -> %.4f, %lld examples -> %s\n",
                static_cast<long long>(r.value("steps", int64_t{0})), r.value("first_loss", 0.0), r.value("last_loss", 0.0),
                static_cast<long long>(r["task"].value("train_examples", int64_t{0})), a->options.out_dir.c_str());
  });
}

void add_rl_command(CLI::App& app) {
  struct Args {
    std::string config;
    std::vector<std::string> sets;
    train::rl::RlOptions options;
    bool naive = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "rl",
      "DAPO with verifiable rewards: G sampled answers per training slate, rewards from rl.reward (rank\n"
      "promotion, auc or ndcg) plus a format bonus paid only when the ranking improved (the conditional,\n"
      "anti-hacking reward; --naive pays it always), group-normalised advantages, dynamic sampling,\n"
      "decoupled clipping (rl.eps_low, rl.eps_high). Logs per step to OUT/rl_log.jsonl. See docs/rl.md.\n"
      "Example: gr2 rl --init work/sft --data work/data --out work/rl --config configs/demo.toml");
  cmd->add_option("--init", a->options.init_dir, "Starting policy (an SFT'd re-ranker checkpoint)")->required();
  cmd->add_option("--data", a->options.data_dir, "Data directory (slates_train.jsonl with labels)")->required();
  cmd->add_option("--out", a->options.out_dir, "Checkpoint directory to write")->required();
  cmd->add_option("--config", a->config, "TOML config; only its [rl] section is read")->check(CLI::ExistingFile);
  cmd->add_option("--set", a->sets, "Override a knob: --set rl.group_size=4 (repeatable)");
  cmd->add_flag("--naive", a->naive, "Unconditional reward (ranking + format bonus always): shows the copy hack");
  cmd->add_flag("--resume", a->options.resume, "Continue from OUT/run's latest checkpoint");
  add_device_option(*cmd, a->options.device);
  cmd->callback([a] {
    const Config config = Config::load_with_overrides(a->config, a->sets, "rl", "gr2 rl");
    train::rl::RlConfig c = train::rl::RlConfig::from_config(config);
    if (a->naive) c.reward.conditional = false;
    const Json r = train::rl::run_rl(c, a->options);
    const Json& last = r["last_step"];
    std::printf("rl: %lld steps, last reward %.3f, identity-copy %.3f, kept %.2f -> %s\n",
                static_cast<long long>(c.train.steps), last.value("reward_mean", 0.0),
                last.value("identity_copy_rate", 0.0), last.value("kept_share", 0.0), a->options.out_dir.c_str());
  });
}

}  // namespace
GR2_REGISTER_COMMAND(80, add_sft_command);
GR2_REGISTER_COMMAND(90, add_rl_command);
}  // namespace gr2::cli
