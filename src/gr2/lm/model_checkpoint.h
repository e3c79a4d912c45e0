// Model weights in the Hugging Face layout: DIR/config.json (Qwen3Config names) and
// DIR/model.safetensors (HF tensor names), so transformers' Qwen3ForCausalLM loads a gr2 model
// and gr2 loads a Qwen3 checkpoint (also sharded: model.safetensors.index.json). The tokenizer
// files and gr2.json are written by the vocabulary and the stages; lm/checkpoint_dir.h names every file.
#pragma once

#include <string>

#include <torch/types.h>

#include "gr2/core/jsonl.h"
#include "gr2/lm/qwen3_model.h"

namespace gr2::lm {

// Writes config.json and model.safetensors atomically. `dtype` is the stored precision
// ("float32" keeps the weights bit-exact, "bfloat16" halves the file).
void save_model(const std::string& dir, Qwen3Lm& model, const std::string& dtype = "float32");

// Loads DIR (config.json + model.safetensors or the sharded index) onto `device`, weights converted
// to `dtype` (float32 by default). Every parameter must be present with the right shape; tensors the
// model does not have are an error except `lm_head.weight` of a tied model and rotary buffers.
// Throws Error naming the file and tensor.
Qwen3Lm load_model(const std::string& dir, torch::Device device, torch::ScalarType dtype = torch::kFloat);

// Reads DIR/config.json.
ModelConfig load_model_config(const std::string& dir);

// Read-modify-write of DIR/gr2.json: sets `key` to `value`, keeping the other keys (atomic).
void update_gr2_json(const std::string& dir, const std::string& key, const Json& value);
// DIR/gr2.json, or an empty object when absent.
Json read_gr2_json(const std::string& dir);

}  // namespace gr2::lm
