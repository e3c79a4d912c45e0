// `gr2 pretrain`: a small base language model on a data directory's text corpus. Argument parsing
// only: the work is in gr2/train/pretrain.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gr2/cli/command.h"
#include "gr2/core/config.h"
#include "gr2/core/device.h"
#include "gr2/core/error.h"
#include "gr2/core/jsonl.h"
#include "gr2/train/pretrain/pretrain.h"

namespace gr2::cli {
namespace {

struct PretrainArgs {
  std::string config;
  std::vector<std::string> sets;
  std::string device = "auto";
  int64_t steps = -1, threads = -1;
  train::pretrain::PretrainOptions options;
};

// Loads the config and applies --set overrides, which may only name the sections pretrain reads.
Config load_stage_config(const std::string& path, const std::vector<std::string>& sets,
                         const std::vector<std::string>& sections, const std::string& command) {
  for (const auto& s : sets) {
    bool ok = false;
    for (const auto& name : sections) ok = ok || s.rfind(name + ".", 0) == 0;
    if (!ok) {
      std::string list;
      for (const auto& name : sections) list += (list.empty() ? "[" : ", [") + name + "]";
      throw Error("--set '" + s + "': '" + command + "' only reads the " + list + " sections");
    }
  }
  return Config::load_with_overrides(path, sets);
}

void add_pretrain_command(CLI::App& app) {
  auto a = std::make_shared<PretrainArgs>();
  auto* cmd = app.add_subcommand(
      "pretrain",
      "Pretrain a small base language model on DATA/corpus.txt: trains the SentencePiece vocabulary\n"
      "([vocab]; skipped when OUT already has one or --init is given), then a Qwen3-style decoder\n"
      "([model]) on random seq_len windows of the documents joined by <|endoftext|> ([pretrain]),\n"
      "scoring held-out corpus lines (valid_loss, valid_ppl). Writes OUT/config.json,\n"
      "model.safetensors, tokenizer.model, gr2.json, train_log.jsonl and resumable checkpoints in\n"
      "OUT/run; --resume continues a killed run exactly. See docs/training.md.\n"
      "Example: gr2 pretrain --data work/demo/data --out work/demo/base --config configs/demo.toml");
  cmd->add_option("--data", a->options.data_dir, "Data directory (corpus.txt)")->required();
  cmd->add_option("--out", a->options.out_dir, "Checkpoint directory to write")->required();
  cmd->add_option("--config", a->config, "TOML config; its [vocab], [model] and [pretrain] sections are read")
      ->check(CLI::ExistingFile);
  cmd->add_option("--set", a->sets, "Override a knob: --set pretrain.steps=200 (repeatable)");
  cmd->add_option("--init", a->options.init_dir, "Start from this checkpoint (weights and vocabulary) instead of scratch");
  cmd->add_flag("--resume", a->options.resume, "Continue from OUT/run (exact: same result as an uninterrupted run)");
  cmd->add_option("--steps", a->steps, "pretrain.steps");
  cmd->add_option("--threads", a->threads, "pretrain.threads (LibTorch intra-op threads; 0 = LibTorch's default)");
  add_device_option(*cmd, a->device);
  cmd->callback([a] {
    const Config config = load_stage_config(a->config, a->sets, {"vocab", "model", "pretrain"}, "gr2 pretrain");
    train::pretrain::PretrainConfig c = train::pretrain::PretrainConfig::from_config(config);
    if (a->steps > 0) c.train.steps = a->steps;
    if (a->threads >= 0) c.train.threads = a->threads;
    if (c.train.warmup_steps > c.train.steps) c.train.warmup_steps = c.train.steps;
    c.train.validate("pretrain");
    train::pretrain::PretrainOptions o = a->options;
    o.device = resolve_device(a->device);
    const Json r = train::pretrain::run_pretrain(c, o);
    const Json& s = r.at("summary");
    const Json& e = s.at("final_eval");
    std::printf("pretrain: %lld steps, loss %s -> %s, valid loss %.4f (ppl %.2f), %.0f tokens/s, %.1f s -> %s\n",
                static_cast<long long>(s.at("steps").get<int64_t>()), s.at("first_loss").dump().c_str(),
                s.at("last_loss").dump().c_str(), e.value("valid_loss", 0.0), e.value("valid_ppl", 0.0),
                s.at("tokens_per_second").get<double>(), r.at("seconds").get<double>(), o.out_dir.c_str());
  });
}

}  // namespace
GR2_REGISTER_COMMAND(60, add_pretrain_command);
}  // namespace gr2::cli
