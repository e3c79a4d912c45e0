// `gr2 rl`: DAPO with verifiable rewards on an SFT'd re-ranker.
// Argument parsing only: the work is in gr2/train/rl.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gr2/cli/command.h"
#include "gr2/core/config.h"
#include "gr2/train/rl/rl.h"

namespace gr2::cli {
namespace {

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
GR2_REGISTER_COMMAND(90, add_rl_command);
}  // namespace gr2::cli
