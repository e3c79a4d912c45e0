// `gr2 prerank`: the upstream pre-ranker of imported datasets. `train` fits a SASRec-style model
// (plus out-of-fold models) and reports full-catalog metrics; `slates` builds the K-candidate
// slates (slates_{train,valid,test}.jsonl). Argument parsing only: the work is in gr2/prerank.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gr2/cli/command.h"
#include "gr2/core/config.h"
#include "gr2/core/error.h"
#include "gr2/prerank/pipeline.h"
#include "gr2/prerank/prerank_config.h"

namespace gr2::cli {
namespace {

// Knobs shared by both subcommands; a CLI flag, when given, overrides the config file.
struct PrerankArgs {
  std::string config;
  std::vector<std::string> sets;
  std::string device = "auto";
  int64_t threads = -1, epochs = -1, top_m = -1, train_positions = -1;
  double popular_share = -1;
  int64_t seed = -1;
};

void add_common(CLI::App& cmd, PrerankArgs& a) {
  cmd.add_option("--config", a.config, "TOML config; only its [prerank] section is read")->check(CLI::ExistingFile);
  cmd.add_option("--set", a.sets, "Override a knob: --set prerank.top_m=200 (repeatable)");
  add_device_option(cmd, a.device);
  cmd.add_option("--threads", a.threads, "LibTorch intra-op threads (prerank.threads, default 2; 0 = LibTorch's default)");
  cmd.add_option("--seed", a.seed, "prerank.seed");
}

prerank::PrerankConfig load(const PrerankArgs& a) {
  const Config config = Config::load_with_overrides(a.config, a.sets, "prerank", "gr2 prerank");
  prerank::PrerankConfig c = prerank::PrerankConfig::from_config(config);
  if (a.threads >= 0) c.threads = a.threads;
  if (a.seed >= 0) c.seed = static_cast<uint64_t>(a.seed);
  if (a.epochs > 0) c.epochs = a.epochs;
  if (a.top_m > 0) c.top_m = a.top_m;
  if (a.popular_share >= 0) c.popular_share = a.popular_share;
  if (a.train_positions > 0) c.train_positions = a.train_positions;
  c.validate();
  return c;
}

void add_train(CLI::App& group) {
  auto a = std::make_shared<PrerankArgs>();
  auto o = std::make_shared<prerank::TrainOptions>();
  auto* cmd = group.add_subcommand(
      "train",
      "Train the SASRec-style pre-ranker on the train part of each user's sequence (early stopping on\n"
      "validation NDCG@10), then prerank.folds out-of-fold models (each trained without one fold of\n"
      "users) for leak-free training slates. Prints full-catalog test Recall/NDCG@5/10 beside TIGER's\n"
      "SASRec on Beauty. Writes OUT/full/, OUT/fold<f>/ (model.safetensors + config.json),\n"
      "OUT/report.json and OUT/train_log.jsonl. See docs/prerank.md.\n"
      "Example: gr2 prerank train --data /tmp/beauty --out /tmp/beauty-prerank --config configs/beauty.toml");
  cmd->add_option("--data", o->data_dir, "Imported data directory (catalog.jsonl, sequences.jsonl)")->required();
  cmd->add_option("--out", o->out_dir, "Model directory to write")->required();
  cmd->add_option("--epochs", a->epochs, "prerank.epochs (upper bound; early stopping may end sooner)");
  add_common(*cmd, *a);
  cmd->callback([a, o] {
    prerank::PrerankConfig c = load(*a);
    prerank::TrainOptions opts = *o;
    opts.device = a->device;
    std::cout << prerank::describe_train_report(prerank::run_prerank_train(c, opts));
  });
}

void add_slates(CLI::App& group) {
  auto a = std::make_shared<PrerankArgs>();
  auto o = std::make_shared<prerank::SlatesOptions>();
  auto* cmd = group.add_subcommand(
      "slates",
      "Build re-ranking slates from a trained pre-ranker: per request the positive plus K-1 negatives\n"
      "drawn from the pre-ranker's top-M (the user's items excluded; a share by popularity), ordered by\n"
      "pre-ranker score (the incoming order). Training slates come from the last train positions and\n"
      "are scored by the out-of-fold model that never saw the user. Writes slates_{train,valid,test}.jsonl\n"
      "and prerank_slates.json into --out (default: the data directory) and prints the incoming order's\n"
      "R@1/R@3/R@5/N@5 per split.\n"
      "Example: gr2 prerank slates --data /tmp/beauty --model /tmp/beauty-prerank --config configs/beauty.toml");
  cmd->add_option("--data", o->data_dir, "Imported data directory")->required();
  cmd->add_option("--model", o->model_dir, "Model directory written by 'gr2 prerank train'")->required();
  cmd->add_option("--out", o->out_dir, "Where to write the slates (default: the data directory)");
  cmd->add_option("--top-m", a->top_m, "prerank.top_m: pool of score-based negatives (difficulty: smaller = harder)");
  cmd->add_option("--popular-share", a->popular_share, "prerank.popular_share: share of negatives drawn by popularity");
  cmd->add_option("--train-positions", a->train_positions, "prerank.train_positions: training slates per user");
  add_common(*cmd, *a);
  cmd->callback([a, o] {
    prerank::PrerankConfig c = load(*a);
    prerank::SlatesOptions opts = *o;
    opts.device = a->device;
    std::cout << prerank::describe_slates_report(prerank::run_prerank_slates(c, opts));
  });
}

void add_prerank_command(CLI::App& app) {
  auto* group = app.add_subcommand("prerank",
                                   "The upstream pre-ranker of imported datasets (SASRec) and slate building.\n"
                                   "Subcommands: train, slates. See docs/prerank.md.");
  group->require_subcommand(1);
  add_train(*group);
  add_slates(*group);
}

}  // namespace
GR2_REGISTER_COMMAND(40, add_prerank_command);
}  // namespace gr2::cli
