// The decoder-only language model, Qwen3 architecture: token embedding; blocks of
// RMSNorm -> grouped-query attention (RoPE, per-head q/k RMSNorm) -> residual, RMSNorm -> SwiGLU
// MLP -> residual; final RMSNorm; LM head (optionally tied to the embedding). Submodules are named
// as in transformers' Qwen3ForCausalLM, so named_parameters() are the Hugging Face tensor names
// ("model.layers.0.self_attn.q_proj.weight", ...).
#pragma once

#include <cstdint>
#include <utility>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>

#include "gr2/lm/model_config.h"

namespace gr2::lm {

class KvCache;

// y = weight * x / sqrt(mean(x^2) + eps), computed in float32, returned in x's dtype.
class RmsNormImpl : public torch::nn::Module {
 public:
  RmsNormImpl(int64_t dim, double eps);
  torch::Tensor forward(const torch::Tensor& x);  // [..., dim] -> [..., dim]
  torch::Tensor weight;

 private:
  double eps_;
};
TORCH_MODULE(RmsNorm);

// Rotary tables for the given positions: cos, sin [B, 1, T, Dh] (float32), "rotate half" layout
// (the first Dh/2 features pair with the last Dh/2, as in transformers).
struct Rotary {
  torch::Tensor cos, sin;
};

class Qwen3AttentionImpl : public torch::nn::Module {
 public:
  explicit Qwen3AttentionImpl(const ModelConfig& config, int64_t layer_index);
  // x: [B, T, D]. allowed: [B, 1, T, S] bool or undefined (= causal, no cache). With a cache the
  // new keys/values are appended and S = cached + T. Returns [B, T, D].
  torch::Tensor forward(const torch::Tensor& x, const Rotary& rotary, const torch::Tensor& allowed, KvCache* cache);

  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
  RmsNorm q_norm{nullptr}, k_norm{nullptr};

 private:
  int64_t heads_, kv_heads_, head_dim_, layer_index_;
};
TORCH_MODULE(Qwen3Attention);

// down(silu(gate(x)) * up(x)).
class Qwen3MlpImpl : public torch::nn::Module {
 public:
  explicit Qwen3MlpImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& x);  // [B, T, D] -> [B, T, D]
  torch::nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(Qwen3Mlp);

class Qwen3BlockImpl : public torch::nn::Module {
 public:
  Qwen3BlockImpl(const ModelConfig& config, int64_t layer_index);
  torch::Tensor forward(const torch::Tensor& x, const Rotary& rotary, const torch::Tensor& allowed, KvCache* cache);
  RmsNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  Qwen3Attention self_attn{nullptr};
  Qwen3Mlp mlp{nullptr};
};
TORCH_MODULE(Qwen3Block);

// The transformer without the head ("model." in Hugging Face names).
class Qwen3BackboneImpl : public torch::nn::Module {
 public:
  explicit Qwen3BackboneImpl(const ModelConfig& config);
  torch::nn::Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  RmsNorm norm{nullptr};
};
TORCH_MODULE(Qwen3Backbone);

// Inputs of one forward pass.
struct ForwardInput {
  ForwardInput() = default;
  ForwardInput(torch::Tensor ids, torch::Tensor pos = {}, torch::Tensor valid = {}, KvCache* kv = nullptr,
               torch::Tensor allowed = {})
      : input_ids(std::move(ids)), positions(std::move(pos)), token_valid(std::move(valid)), cache(kv),
        attention_allowed(std::move(allowed)) {}
  torch::Tensor input_ids;    // [B, T] int64
  torch::Tensor positions;    // [B, T] int64 RoPE positions; undefined = cache length + 0..T-1
  torch::Tensor token_valid;  // [B, T] bool, false = padding (never attended to); undefined = all real
  KvCache* cache = nullptr;   // when set, keys/values are appended and attention spans the cache
  // [B, 1, T, T] bool: query t may read key j (packed rows, lm/segment_mask.h); every query must
  // allow at least one key. Undefined = causal over the real tokens. Not with a cache or token_valid.
  torch::Tensor attention_allowed;
};

class Qwen3LmImpl : public torch::nn::Module {
 public:
  // Randomly initialised (normal(0, initializer_range) linears/embeddings, ones for norms), seeded
  // by the caller through torch::manual_seed.
  explicit Qwen3LmImpl(const ModelConfig& config);

  // Final hidden states [B, T, D] (after the last norm). A query attends to earlier and same-slot
  // keys that are real tokens; a padding query attends to itself only (its output is meaningless).
  torch::Tensor forward_hidden(const ForwardInput& in);
  // Logits [B, T, V] (float32 unless the model runs in another dtype).
  torch::Tensor forward(const ForwardInput& in);
  // Logits for hidden states [..., D] -> [..., V] (tied or separate head).
  torch::Tensor logits(const torch::Tensor& hidden);

  // Resizes the vocabulary to `new_size` rows, keeping rows [0, keep_rows) (-1: every existing row);
  // the rows from keep_rows on (new rows, and existing rows that now stand for new tokens, such as
  // the padding rows of a Qwen3 checkpoint) are the mean of the kept rows plus normal noise of std
  // `noise_std`, in the embedding and in an untied lm_head alike. Seeded. Throws Error when
  // new_size < keep_rows (a kept row would be cut) or keep_rows is not in [1, current rows].
  void resize_token_embeddings(int64_t new_size, uint64_t seed, double noise_std = 0.02, int64_t keep_rows = -1);

  const ModelConfig& config() const { return config_; }

  Qwen3Backbone model{nullptr};
  torch::nn::Linear lm_head{nullptr};  // null when tie_word_embeddings

 private:
  ModelConfig config_;
  torch::Tensor inv_freq_;  // [Dh / 2] float32 RoPE frequencies, moved to the input's device on use
};
TORCH_MODULE(Qwen3Lm);

// Re-initialises every parameter the way transformers does for a fresh Qwen3 model: normal(0,
// initializer_range) for linear and embedding weights, ones for norm weights. Uses torch's RNG.
void init_weights(Qwen3LmImpl& model);

}  // namespace gr2::lm
