// `gr2 baseline train --kind din|prm`: trains a legacy re-ranker on a data directory's training
// slates (early stopping on the validation slates). Argument parsing only: the work is in
// gr2/rank/legacy. The trained model is evaluated with `gr2 eval --policies din:MODEL_DIR`.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gr2/cli/command.h"
#include "gr2/core/config.h"
#include "gr2/core/error.h"
#include "gr2/rank/legacy/legacy_config.h"
#include "gr2/rank/legacy/legacy_trainer.h"

namespace gr2::cli {
namespace {

struct BaselineArgs {
  std::string config;
  std::vector<std::string> sets;
  int64_t epochs = -1, threads = -1, seed = -1;
  legacy::LegacyTrainOptions options;
};

void add_train(CLI::App& group) {
  auto a = std::make_shared<BaselineArgs>();
  auto* cmd = group.add_subcommand(
      "train",
      "Train a legacy re-ranker on DATA/slates_train.jsonl, keeping the epoch with the best mean N@5 on\n"
      "DATA/slates_valid.jsonl (test slates are never read). --kind din: pointwise DIN (item/brand/\n"
      "category embeddings, target attention over the history, incoming position and score; BCE).\n"
      "--kind prm: listwise PRM (transformer over the slate with position embeddings and a personalised\n"
      "vector; softmax cross-entropy). Writes OUT/model.safetensors, OUT/config.json, OUT/report.json,\n"
      "OUT/train_log.jsonl. Evaluate with: gr2 eval --data DATA --policies incoming,din:OUT\n"
      "Example: gr2 baseline train --kind din --data /tmp/beauty --out /tmp/beauty-din --config configs/beauty.toml");
  cmd->add_option("--kind", a->options.kind, "din or prm")->required()->check(CLI::IsMember({"din", "prm"}));
  cmd->add_option("--data", a->options.data_dir, "Data directory with catalog.jsonl and slates_{train,valid}.jsonl")->required();
  cmd->add_option("--out", a->options.out_dir, "Model directory to write")->required();
  cmd->add_option("--config", a->config, "TOML config; only its [baseline] section is read")->check(CLI::ExistingFile);
  cmd->add_option("--set", a->sets, "Override a knob: --set baseline.epochs=5 (repeatable)");
  cmd->add_option("--epochs", a->epochs, "baseline.epochs (upper bound; early stopping may end sooner)");
  cmd->add_option("--threads", a->threads, "LibTorch intra-op threads (baseline.threads, default 2)");
  cmd->add_option("--seed", a->seed, "baseline.seed");
  add_device_option(*cmd, a->options.device);
  cmd->callback([a] {
    const Config config = Config::load_with_overrides(a->config, a->sets, "baseline", "gr2 baseline");
    legacy::LegacyConfig c = legacy::LegacyConfig::from_config(config);
    if (a->epochs > 0) c.epochs = a->epochs;
    if (a->threads >= 0) c.threads = a->threads;
    if (a->seed >= 0) c.seed = static_cast<uint64_t>(a->seed);
    const Json r = legacy::train_legacy(c, a->options);
    std::printf("baseline %s: best epoch %lld of %lld, valid R@1 %.4f N@5 %.4f (incoming %.4f / %.4f), %.1f s -> %s\n",
                a->options.kind.c_str(), static_cast<long long>(r.at("best_epoch").get<int64_t>()),
                static_cast<long long>(r.at("epochs_run").get<int64_t>()), r.at("valid").at("R@1").get<double>(),
                r.at("valid").at("N@5").get<double>(), r.at("valid_incoming").at("R@1").get<double>(),
                r.at("valid_incoming").at("N@5").get<double>(), r.at("seconds").get<double>(), a->options.out_dir.c_str());
  });
}

void add_baseline_command(CLI::App& app) {
  auto* group = app.add_subcommand("baseline", "Legacy re-rankers GR2 must beat (din, prm). Subcommand: train. See docs/baselines.md.");
  group->require_subcommand(1);
  add_train(*group);
}

}  // namespace
GR2_REGISTER_COMMAND(50, add_baseline_command);
}  // namespace gr2::cli
