// `gr2 midtrain`: SID-aligned mid-training of a base language model. Argument parsing only: the
// work is in gr2/train/midtrain.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gr2/cli/command.h"
#include "gr2/core/config.h"
#include "gr2/core/device.h"
#include "gr2/core/error.h"
#include "gr2/core/jsonl.h"
#include "gr2/train/midtrain/midtrain.h"

namespace gr2::cli {
namespace {

struct MidtrainArgs {
  std::string config;
  std::vector<std::string> sets;
  std::string device = "auto";
  int64_t steps = -1, threads = -1;
  bool no_eval = false;
  train::midtrain::MidtrainOptions options;
};

void add_midtrain_command(CLI::App& app) {
  auto a = std::make_shared<MidtrainArgs>();
  auto* cmd = app.add_subcommand(
      "midtrain",
      "Mid-train a base language model on SID-aligned tasks: adds the SID tokens of SIDS to the\n"
      "vocabulary (new embedding rows = mean + noise), then trains on a mixture ([midtrain] mix_*) of\n"
      "next_item (history SIDs -> next SID), sid_to_text, text_to_sid, interleaved (SID + title\n"
      "history -> next) and plain corpus text, with loss on the targets only, built from\n"
      "DATA/events_train.jsonl and the catalog (no validation or test events). Then reports next-item\n"
      "Recall@5/10 and NDCG@5/10 by constrained beam search over the catalog on the validation and\n"
      "test users (OUT/next_item_eval.json). Writes a checkpoint with SID tokens to OUT; --resume\n"
      "continues a killed run exactly. See docs/training.md.\n"
      "Example: gr2 midtrain --base work/demo/base --data work/demo/data --sids work/demo/sid/sids.jsonl --out work/demo/midtrain --config configs/demo.toml");
  cmd->add_option("--base", a->options.base_dir, "Base checkpoint (from gr2 pretrain)")->required();
  cmd->add_option("--data", a->options.data_dir, "Data directory (catalog.jsonl, events_train.jsonl, corpus.txt)")->required();
  cmd->add_option("--sids", a->options.sids_path, "SID table (sids.jsonl from gr2 sid train)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", a->options.out_dir, "Checkpoint directory to write")->required();
  cmd->add_option("--config", a->config, "TOML config; only its [midtrain] section is read")->check(CLI::ExistingFile);
  cmd->add_option("--set", a->sets, "Override a knob: --set midtrain.steps=500 (repeatable)");
  cmd->add_flag("--resume", a->options.resume, "Continue from OUT/run (exact: same result as an uninterrupted run)");
  cmd->add_flag("--no-eval", a->no_eval, "Skip the final next-item evaluation");
  cmd->add_option("--steps", a->steps, "midtrain.steps");
  cmd->add_option("--threads", a->threads, "midtrain.threads (LibTorch intra-op threads; 0 = LibTorch's default)");
  add_device_option(*cmd, a->device);
  cmd->callback([a] {
    const Config config = Config::load_with_overrides(a->config, a->sets, "midtrain", "gr2 midtrain");
    train::midtrain::MidtrainConfig c = train::midtrain::MidtrainConfig::from_config(config);
    if (a->steps > 0) c.train.steps = a->steps;
    if (a->threads >= 0) c.train.threads = a->threads;
    if (c.train.warmup_steps > c.train.steps) c.train.warmup_steps = c.train.steps;
    c.train.validate("midtrain");
    train::midtrain::MidtrainOptions o = a->options;
    o.device = resolve_device(a->device);
    o.evaluate = !a->no_eval;
    const Json r = train::midtrain::run_midtrain(c, o);
    const Json& s = r.at("summary");
    std::printf("midtrain: %lld steps, loss %s -> %s, %.0f tokens/s, %.1f s -> %s\n",
                static_cast<long long>(s.at("steps").get<int64_t>()), s.at("first_loss").dump().c_str(),
                s.at("last_loss").dump().c_str(), s.at("tokens_per_second").get<double>(), r.at("seconds").get<double>(),
                o.out_dir.c_str());
    if (r.at("next_item").contains("test")) {
      const Json& t = r.at("next_item").at("test");
      std::printf("midtrain: next-item test (%lld users): R@5 %.4f R@10 %.4f N@5 %.4f N@10 %.4f\n",
                  static_cast<long long>(t.at("users").get<int64_t>()), t.at("R@5").get<double>(),
                  t.at("R@10").get<double>(), t.at("N@5").get<double>(), t.at("N@10").get<double>());
    }
  });
}

}  // namespace
GR2_REGISTER_COMMAND(70, add_midtrain_command);
}  // namespace gr2::cli
