// `gr2 model`: inspect and create decoder checkpoints. Subcommands: init (a randomly initialised
// Qwen3-shaped model from a [model] config section), info (shape and parameter count of a
// checkpoint), logits (float32 logits for given token ids, for tools/hf_parity.py).
#include <torch/torch.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gr2/cli/command.h"
#include "gr2/core/config.h"
#include "gr2/core/device.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/lm/qwen3_model.h"

namespace gr2::cli {
namespace {

void add_init(CLI::App& group) {
  struct Args {
    std::string config, out, dtype = "float32";
    std::vector<std::string> sets;
    int64_t vocab_size = 0;
    uint64_t seed = 0;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = group.add_subcommand(
      "init",
      "Write a randomly initialised model (config.json + model.safetensors, Hugging Face Qwen3 layout) with the\n"
      "shape of a config's [model] section. For benchmarks, parity checks and from-scratch training.\n"
      "Example: gr2 model init --config configs/demo.toml --vocab-size 3000 --out /tmp/m");
  cmd->add_option("--config", a->config, "TOML config; only its [model] section is read")->check(CLI::ExistingFile);
  cmd->add_option("--set", a->sets, "Override a knob: --set model.hidden_size=256 (repeatable)");
  cmd->add_option("--vocab-size", a->vocab_size, "Rows of the embedding table")->required()->check(CLI::PositiveNumber);
  cmd->add_option("--seed", a->seed, "Seed of the initialisation")->capture_default_str();
  cmd->add_option("--dtype", a->dtype, "Stored precision: float32 or bfloat16")->capture_default_str();
  cmd->add_option("--out", a->out, "Model directory to write")->required();
  cmd->callback([a] {
    Config config = Config::load_with_overrides(a->config, a->sets, "model", "gr2 model init");
    auto section = config.section("model");
    lm::ModelConfig mc = lm::ModelConfig::from_section(section);
    section.finish();
    mc.vocab_size = a->vocab_size;
    torch::manual_seed(a->seed);
    lm::Qwen3Lm model(mc);
    lm::save_model(a->out, model, a->dtype);
    std::printf("model: %lld parameters -> %s\n", static_cast<long long>(mc.parameter_count()), a->out.c_str());
  });
}

void add_info(CLI::App& group) {
  auto dir = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand("info", "Print a checkpoint's config.json fields and parameter count.\n"
                                           "Example: gr2 model info --model /tmp/m");
  cmd->add_option("--model", *dir, "Model directory")->required();
  cmd->callback([dir] {
    const lm::ModelConfig c = lm::load_model_config(*dir);
    std::printf("%s\nparameters: %lld\n", c.to_hf_json().dump(2).c_str(), static_cast<long long>(c.parameter_count()));
  });
}

void add_logits(CLI::App& group) {
  struct Args {
    std::string model, input, out, device = "cpu", dtype = "float32";
  };
  auto a = std::make_shared<Args>();
  auto* cmd = group.add_subcommand(
      "logits",
      "Run the model on token ids and write float32 logits [B, T, V] (little-endian, row-major) to OUT.\n"
      "INPUT is JSON {\"input_ids\": [[...], ...]} with rows of equal length. Used by tools/hf_parity.py.\n"
      "Example: gr2 model logits --model /tmp/m --input ids.json --out logits.bin");
  cmd->add_option("--model", a->model, "Model directory")->required();
  cmd->add_option("--input", a->input, "JSON file with input_ids")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", a->out, "Where to write the logits")->required();
  cmd->add_option("--dtype", a->dtype, "Weights and compute: float32 or bfloat16 (logits are written as float32)")
      ->capture_default_str()
      ->check(CLI::IsMember({"float32", "bfloat16"}));
  add_device_option(*cmd, a->device);
  cmd->callback([a] {
    const auto device = resolve_device(a->device);
    auto model = lm::load_model(a->model, device, a->dtype == "bfloat16" ? torch::kBFloat16 : torch::kFloat);
    Json input;
    try {
      input = Json::parse(read_file(a->input));
    } catch (const nlohmann::json::exception& e) {
      throw Error(a->input + ": not valid JSON (" + e.what() + ")");
    }
    if (!input.contains("input_ids") || !input["input_ids"].is_array() || input["input_ids"].empty())
      throw Error(a->input + ": expected {\"input_ids\": [[...], ...]}");
    std::vector<int64_t> flat;
    const size_t rows = input["input_ids"].size(), cols = input["input_ids"][0].size();
    for (const auto& row : input["input_ids"]) {
      if (!row.is_array() || row.size() != cols || cols == 0) throw Error(a->input + ": rows of input_ids must be non-empty and of equal length");
      for (const auto& id : row) {
        const int64_t v = id.get<int64_t>();
        if (v < 0 || v >= model->config().vocab_size) throw Error(a->input + ": token id " + std::to_string(v) + " outside the vocabulary");
        flat.push_back(v);
      }
    }
    torch::NoGradGuard no_grad;
    auto ids = torch::tensor(flat, torch::kLong).view({static_cast<int64_t>(rows), static_cast<int64_t>(cols)}).to(device);
    auto logits = model->forward({ids}).to(torch::kCPU, torch::kFloat).contiguous();
    write_file_atomic(a->out, std::string_view(static_cast<const char*>(logits.data_ptr()), logits.numel() * sizeof(float)));
    std::printf("logits [%zu, %zu, %lld] -> %s\n", rows, cols, static_cast<long long>(logits.size(2)), a->out.c_str());
  });
}

void add_model_command(CLI::App& app) {
  auto* group = app.add_subcommand("model", "Decoder checkpoints (Hugging Face Qwen3 layout): init, info, logits. See docs/model.md.");
  group->require_subcommand(1);
  add_init(*group);
  add_info(*group);
  add_logits(*group);
}

}  // namespace
GR2_REGISTER_COMMAND(62, add_model_command);
}  // namespace gr2::cli
