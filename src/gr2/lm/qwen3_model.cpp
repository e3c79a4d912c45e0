// Qwen3 forward pass (mirrors transformers' modeling_qwen3 numerics: float32 RMSNorm and RoPE
// tables, attention scale 1/sqrt(head_dim)).
#include "gr2/lm/qwen3_model.h"

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/lm/attention_kernel.h"
#include "gr2/lm/kv_cache.h"

namespace gr2::lm {
namespace {

torch::nn::Linear linear(int64_t in, int64_t out) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(false));
}

// [..., Dh] -> [..., Dh] with halves (x1, x2) -> (-x2, x1).
torch::Tensor rotate_half(const torch::Tensor& x) {
  const int64_t half = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

torch::Tensor apply_rotary(const torch::Tensor& x, const Rotary& r) {
  // Computed in x's dtype like transformers (cos/sin are cast down first).
  const auto cos = r.cos.to(x.scalar_type()), sin = r.sin.to(x.scalar_type());
  return x * cos + rotate_half(x) * sin;
}

}  // namespace

RmsNormImpl::RmsNormImpl(int64_t dim, double eps) : eps_(eps) {
  weight = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RmsNormImpl::forward(const torch::Tensor& x) {
  auto h = x.to(torch::kFloat);
  h = h * torch::rsqrt(h.pow(2).mean(-1, /*keepdim=*/true) + eps_);
  return weight * h.to(x.scalar_type());
}

Qwen3AttentionImpl::Qwen3AttentionImpl(const ModelConfig& c, int64_t layer_index)
    : heads_(c.num_attention_heads), kv_heads_(c.num_key_value_heads), head_dim_(c.head_dim), layer_index_(layer_index) {
  q_proj = register_module("q_proj", linear(c.hidden_size, heads_ * head_dim_));
  k_proj = register_module("k_proj", linear(c.hidden_size, kv_heads_ * head_dim_));
  v_proj = register_module("v_proj", linear(c.hidden_size, kv_heads_ * head_dim_));
  o_proj = register_module("o_proj", linear(heads_ * head_dim_, c.hidden_size));
  q_norm = register_module("q_norm", RmsNorm(head_dim_, c.rms_norm_eps));
  k_norm = register_module("k_norm", RmsNorm(head_dim_, c.rms_norm_eps));
}

torch::Tensor Qwen3AttentionImpl::forward(const torch::Tensor& x, const Rotary& rotary, const torch::Tensor& allowed,
                                          KvCache* cache) {
  const int64_t B = x.size(0), T = x.size(1);
  auto q = q_norm(q_proj(x).view({B, T, heads_, head_dim_})).transpose(1, 2);     // [B, H, T, Dh]
  auto k = k_norm(k_proj(x).view({B, T, kv_heads_, head_dim_})).transpose(1, 2);  // [B, Hkv, T, Dh]
  auto v = v_proj(x).view({B, T, kv_heads_, head_dim_}).transpose(1, 2);          // [B, Hkv, T, Dh]
  q = apply_rotary(q, rotary);
  k = apply_rotary(k, rotary);
  if (cache) std::tie(k, v) = cache->append(layer_index_, k, v);  // [B, Hkv, S, Dh]
  auto out = grouped_attention(q, k, v, allowed, /*causal=*/!allowed.defined());
  return o_proj(out.transpose(1, 2).reshape({B, T, heads_ * head_dim_}));
}

Qwen3MlpImpl::Qwen3MlpImpl(const ModelConfig& c) {
  gate_proj = register_module("gate_proj", linear(c.hidden_size, c.intermediate_size));
  up_proj = register_module("up_proj", linear(c.hidden_size, c.intermediate_size));
  down_proj = register_module("down_proj", linear(c.intermediate_size, c.hidden_size));
}

torch::Tensor Qwen3MlpImpl::forward(const torch::Tensor& x) {
  return down_proj(torch::silu(gate_proj(x)) * up_proj(x));
}

Qwen3BlockImpl::Qwen3BlockImpl(const ModelConfig& c, int64_t layer_index) {
  input_layernorm = register_module("input_layernorm", RmsNorm(c.hidden_size, c.rms_norm_eps));
  self_attn = register_module("self_attn", Qwen3Attention(c, layer_index));
  post_attention_layernorm = register_module("post_attention_layernorm", RmsNorm(c.hidden_size, c.rms_norm_eps));
  mlp = register_module("mlp", Qwen3Mlp(c));
}

torch::Tensor Qwen3BlockImpl::forward(const torch::Tensor& x, const Rotary& rotary, const torch::Tensor& allowed,
                                      KvCache* cache) {
  auto h = x + self_attn(input_layernorm(x), rotary, allowed, cache);
  return h + mlp(post_attention_layernorm(h));
}

Qwen3BackboneImpl::Qwen3BackboneImpl(const ModelConfig& c) {
  embed_tokens = register_module("embed_tokens", torch::nn::Embedding(c.vocab_size, c.hidden_size));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) layers->push_back(Qwen3Block(c, l));
  norm = register_module("norm", RmsNorm(c.hidden_size, c.rms_norm_eps));
}

Qwen3LmImpl::Qwen3LmImpl(const ModelConfig& config) : config_(config) {
  config_.validate();
  model = register_module("model", Qwen3Backbone(config_));
  if (!config_.tie_word_embeddings) lm_head = register_module("lm_head", linear(config_.hidden_size, config_.vocab_size));
  auto exponents = torch::arange(0, config_.head_dim, 2, torch::kFloat) / static_cast<double>(config_.head_dim);
  inv_freq_ = 1.0 / torch::pow(config_.rope_theta, exponents);  // kept in float32, not a buffer
  init_weights(*this);
}

void init_weights(Qwen3LmImpl& m) {
  torch::NoGradGuard no_grad;
  const double std = m.config().initializer_range;
  for (auto& p : m.named_parameters()) {
    const auto& name = p.key();
    if (name.size() >= 11 && name.compare(name.size() - 11, 11, "norm.weight") == 0)
      p.value().fill_(1.0);
    else
      p.value().normal_(0.0, std);
  }
}

torch::Tensor Qwen3LmImpl::forward_hidden(const ForwardInput& in) {
  const auto& ids = in.input_ids;
  if (ids.dim() != 2) throw Error::internal("Qwen3Lm: input_ids must be [B, T]");
  const int64_t B = ids.size(0), T = ids.size(1);
  const auto device = ids.device();
  const int64_t past = in.cache ? in.cache->length() : 0;

  torch::Tensor positions = in.positions;
  if (!positions.defined())
    positions = torch::arange(past, past + T, torch::TensorOptions().dtype(torch::kLong).device(device)).expand({B, T});
  // Rotary tables in float32: [B, T, Dh/2] -> [B, 1, T, Dh].
  if (inv_freq_.device() != device) inv_freq_ = inv_freq_.to(device);
  auto freqs = positions.to(torch::kFloat).unsqueeze(-1) * inv_freq_;
  auto emb = torch::cat({freqs, freqs}, -1).unsqueeze(1);
  const Rotary rotary{emb.cos(), emb.sin()};

  // allowed[b, 0, t, j]: query t (slot past + t) may read key slot j.
  torch::Tensor allowed;
  if (in.attention_allowed.defined()) {
    if (in.cache || in.token_valid.defined())
      throw Error::internal("Qwen3Lm: attention_allowed is not combined with a cache or token_valid");
    if (in.attention_allowed.dim() != 4 || in.attention_allowed.size(0) != B || in.attention_allowed.size(2) != T ||
        in.attention_allowed.size(3) != T)
      throw Error::internal("Qwen3Lm: attention_allowed must be [B, 1, T, T]");
    allowed = in.attention_allowed.to(torch::kBool);
  } else if (in.cache || in.token_valid.defined()) {
    const int64_t S = past + T;
    auto token_valid = in.token_valid.defined()
                           ? in.token_valid.to(torch::kBool)
                           : torch::ones({B, T}, torch::TensorOptions().dtype(torch::kBool).device(device));
    torch::Tensor key_valid = in.cache ? in.cache->begin_step(token_valid) : token_valid;  // [B, S]
    auto causal = torch::ones({T, S}, torch::TensorOptions().dtype(torch::kBool).device(device)).tril(past);
    auto self = torch::eye(T, S, torch::TensorOptions().dtype(torch::kBool).device(device)).roll(past, 1);
    allowed = ((causal.unsqueeze(0) & key_valid.unsqueeze(1)) | self.unsqueeze(0)).unsqueeze(1);  // [B, 1, T, S]
  }

  auto h = model->embed_tokens(ids);
  for (const auto& layer : *model->layers) h = layer->as<Qwen3BlockImpl>()->forward(h, rotary, allowed, in.cache);
  if (in.cache) in.cache->end_step();
  return model->norm(h);
}

torch::Tensor Qwen3LmImpl::logits(const torch::Tensor& hidden) {
  if (lm_head) return lm_head(hidden);
  return torch::nn::functional::linear(hidden, model->embed_tokens->weight);
}

torch::Tensor Qwen3LmImpl::forward(const ForwardInput& in) { return logits(forward_hidden(in)); }

void Qwen3LmImpl::resize_token_embeddings(int64_t new_size, uint64_t seed, double noise_std, int64_t keep_rows) {
  const int64_t old_size = config_.vocab_size;
  if (keep_rows < 0) keep_rows = old_size;
  if (keep_rows < 1 || keep_rows > old_size)
    throw Error("resize_token_embeddings: keep_rows " + std::to_string(keep_rows) + " is not in [1, " +
                std::to_string(old_size) + "]");
  if (new_size < keep_rows)
    throw Error("cannot shrink the vocabulary from " + std::to_string(old_size) + " to " + std::to_string(new_size) +
                (keep_rows < old_size ? " (below the " + std::to_string(keep_rows) + " rows to keep)" : ""));
  if (new_size == old_size && keep_rows == old_size) return;
  torch::NoGradGuard no_grad;
  auto generator = at::detail::createCPUGenerator(seed);
  auto grow = [&](const torch::Tensor& old) {
    auto kept = old.narrow(0, 0, keep_rows);
    auto mean = kept.to(torch::kFloat).mean(0, /*keepdim=*/true).cpu();
    auto noise = at::normal(0.0, noise_std, {new_size - keep_rows, old.size(1)}, generator);
    auto rows = (mean + noise).to(old.scalar_type()).to(old.device());
    return torch::cat({kept, rows}, 0);
  };
  auto embed_weight = grow(model->embed_tokens->weight);
  model->embed_tokens->weight.set_data(embed_weight);
  model->embed_tokens->options.num_embeddings(new_size);
  if (lm_head) {
    lm_head->weight.set_data(grow(lm_head->weight));
    lm_head->options.out_features(new_size);
  }
  config_.vocab_size = new_size;
}

}  // namespace gr2::lm
