// The decoder's hyper-parameters, named as Hugging Face's Qwen3Config names them, so that
// config.json moves between gr2 and transformers unchanged. Plain C++ (no LibTorch).
#pragma once

#include <cstdint>
#include <string>

#include "gr2/core/jsonl.h"

namespace gr2 {
class ConfigSection;
}

namespace gr2::lm {

struct ModelConfig {
  int64_t vocab_size = 0;                 // rows of embed_tokens (text + special + SID tokens)
  int64_t hidden_size = 128;              // D
  int64_t intermediate_size = 384;        // SwiGLU width
  int64_t num_hidden_layers = 4;
  int64_t num_attention_heads = 4;        // H (query heads)
  int64_t num_key_value_heads = 2;        // Hkv; H % Hkv == 0 (grouped-query attention)
  int64_t head_dim = 32;                  // Dh (Qwen3 sets it explicitly; H * Dh need not equal D)
  int64_t max_position_embeddings = 4096;
  double rope_theta = 1000000.0;
  double rms_norm_eps = 1e-6;
  double initializer_range = 0.02;        // std of the normal init of linear/embedding weights
  bool tie_word_embeddings = true;        // lm_head shares embed_tokens' weight

  // Throws Error naming the field for impossible shapes (non-positive sizes, H % Hkv != 0, odd
  // head_dim, non-finite rope_theta or rms_norm_eps) and for sizes beyond the bounds of
  // model_config.cpp (far above any Qwen3 checkpoint; they keep parameter_count() within int64).
  void validate() const;
  // The one check that a model and its vocabulary belong together: throws Error
  // "<where>: the model has R embedding rows, its vocabulary N tokens ..." unless every token id has
  // a row. Extra rows (padding to a multiple, as Qwen3 checkpoints have) pass unless `exact`; the
  // LM re-ranker asks for exact, since an unconstrained answer may sample any row of the head.
  void require_rows_for(int64_t vocabulary_tokens, const std::string& where, bool exact = false) const;
  // Parameter count (embeddings counted once when tied).
  int64_t parameter_count() const;

  // config.json as transformers writes it for Qwen3ForCausalLM (architectures, model_type "qwen3",
  // torch_dtype, rope_parameters and the legacy top-level rope_theta, ...).
  Json to_hf_json(const std::string& torch_dtype = "float32") const;
  // Reads a Qwen3 (or Llama-style) config.json. The RoPE base comes from rope_parameters.rope_theta
  // (transformers 5.x) or a top-level rope_theta (older); head_dim defaults to hidden/heads.
  // `where` names the file in errors. Every field is read with its JSON type checked (an integer
  // field given 128.5 or true, or a number beyond the double range, is an Error naming the field,
  // never converted), and settings that change the computation but are not implemented (RoPE
  // scaling, sliding window, attention bias) are refused.
  static ModelConfig from_hf_json(const Json& json, const std::string& where);
  // A [model] section of a gr2 TOML config (same key names; vocab_size comes from the vocabulary).
  static ModelConfig from_section(ConfigSection& section);
};

}  // namespace gr2::lm
