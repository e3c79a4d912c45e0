// save_model / load_model: Hugging Face layout for Qwen3 weights.
#include "gr2/lm/model_checkpoint.h"

#include <map>
#include <set>

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/log.h"
#include "gr2/core/safetensors.h"
#include "gr2/core/safetensors_torch.h"
#include "gr2/lm/checkpoint_dir.h"
#include "gr2/lm/shard_index.h"

namespace gr2::lm {
namespace {

torch::ScalarType parse_storage_dtype(const std::string& dtype) {
  if (dtype == "float32") return torch::kFloat;
  if (dtype == "bfloat16") return torch::kBFloat16;
  if (dtype == "float16") return torch::kHalf;
  throw Error("unknown checkpoint dtype '" + dtype + "' (float32, bfloat16 or float16)");
}

Json read_json_file(const std::string& path) {
  const std::string text = read_file(path);
  try {
    return Json::parse(text);
  } catch (const std::exception& e) {
    throw Error(path + ": not valid JSON (" + e.what() + ")");
  }
}

// The safetensors files of a checkpoint directory: model.safetensors, or the shards listed by
// model.safetensors.index.json.
std::vector<std::string> weight_files(const std::string& dir) {
  const std::string single = CheckpointDir{dir}.weights();
  if (file_exists(single)) return {single};
  const std::string index_path = join_path(dir, "model.safetensors.index.json");
  if (!file_exists(index_path))
    throw Error(dir + ": no model.safetensors or model.safetensors.index.json (is this a model directory?)");
  const std::vector<std::string> shards = shard_files(read_json_file(index_path), index_path);
  std::vector<std::string> files;
  for (const auto& s : shards) files.push_back(join_path(dir, s));
  return files;
}

// A config that ties the head to the embedding, but whose files also hold an lm_head.weight that
// differs from the embedding: the stored head is what the checkpoint computes with, so the model
// is loaded untied, with a warning, rather than the head dropped. An identical stored head is a
// tied model saved with both names and stays tied.
ModelConfig reconcile_tied_head(ModelConfig config, const std::string& dir) {
  if (!config.tie_word_embeddings) return config;
  torch::Tensor head, embedding;
  for (const auto& path : weight_files(dir)) {
    const auto file = SafetensorsFile::open(path);
    if (file.has("lm_head.weight")) head = to_tensor(file.tensor("lm_head.weight")).to(torch::kFloat).clone();
    if (file.has("model.embed_tokens.weight"))
      embedding = to_tensor(file.tensor("model.embed_tokens.weight")).to(torch::kFloat).clone();
  }
  if (!head.defined() || !embedding.defined()) return config;
  if (head.sizes() == embedding.sizes() && torch::equal(head, embedding)) return config;
  log_warning(CheckpointDir{dir}.config() +
              ": tie_word_embeddings is true, but the weights hold an lm_head.weight that differs from the "
              "embedding; loading the model untied, with that head (set tie_word_embeddings to false to "
              "silence this)");
  config.tie_word_embeddings = false;
  return config;
}

}  // namespace

Json read_gr2_json(const std::string& dir) {
  const std::string path = CheckpointDir{dir}.description();
  if (!file_exists(path)) return Json::object();
  return read_json_file(path);
}

void update_gr2_json(const std::string& dir, const std::string& key, const Json& value) {
  Json j = read_gr2_json(dir);
  j[key] = value;
  write_file_atomic(CheckpointDir{dir}.description(), j.dump(2) + "\n");
}

ModelConfig load_model_config(const std::string& dir) {
  const std::string path = CheckpointDir{dir}.config();
  if (!file_exists(path)) throw Error(dir + ": no config.json (is this a model directory?)");
  return ModelConfig::from_hf_json(read_json_file(path), path);
}

void save_model(const std::string& dir, Qwen3Lm& model, const std::string& dtype) {
  const auto storage = parse_storage_dtype(dtype);
  make_directories(dir);
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& p : model->named_parameters()) tensors[p.key()] = p.value().detach().to(torch::kCPU, storage);
  save_tensors(CheckpointDir{dir}.weights(), tensors, {{"format", "pt"}});
  write_file_atomic(CheckpointDir{dir}.config(), model->config().to_hf_json(dtype).dump(2) + "\n");
}

Qwen3Lm load_model(const std::string& dir, torch::Device device, torch::ScalarType dtype) {
  const ModelConfig config = reconcile_tied_head(load_model_config(dir), dir);
  Qwen3Lm model(config);
  auto params = model->named_parameters();
  std::set<std::string> missing;
  for (const auto& p : params) missing.insert(p.key());
  torch::NoGradGuard no_grad;
  for (const auto& path : weight_files(dir)) {
    const auto file = SafetensorsFile::open(path);
    for (const auto& name : file.names()) {
      auto* param = params.find(name);
      if (!param) {
        if (name == "lm_head.weight" && config.tie_word_embeddings) continue;  // tied: the embedding is the head
        throw Error(path + ": tensor '" + name + "' is not part of a Qwen3 model with this config.json");
      }
      const auto view = file.tensor(name);
      if (view.shape != param->sizes().vec())
        throw Error(path + ": tensor '" + name + "' has shape " + c10::str(c10::IntArrayRef(view.shape)) +
                    ", config.json implies " + c10::str(param->sizes()));
      param->copy_(to_tensor(view).to(torch::kFloat));
      missing.erase(name);
    }
  }
  if (!missing.empty()) throw Error(dir + ": checkpoint lacks tensor '" + *missing.begin() + "' (and " +
                                    std::to_string(missing.size() - 1) + " more)");
  model->to(device, dtype);
  model->eval();
  return model;
}

}  // namespace gr2::lm
