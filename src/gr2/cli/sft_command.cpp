// `gr2 sft`: supervised fine-tuning of a mid-trained re-ranker on teacher traces.
// Argument parsing only: the work is in gr2/train/sft.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gr2/cli/command.h"
#include "gr2/core/config.h"
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

}  // namespace
GR2_REGISTER_COMMAND(80, add_sft_command);
}  // namespace gr2::cli
