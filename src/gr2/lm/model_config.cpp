// ModelConfig <-> config.json / TOML, and shape validation.
#include "gr2/lm/model_config.h"

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "gr2/core/config.h"
#include "gr2/core/error.h"

namespace gr2::lm {
namespace {

void require_positive(int64_t value, const char* name) {
  if (value <= 0) throw Error(std::string("model config: ") + name + " must be > 0, got " + std::to_string(value));
}

void require_at_most(int64_t value, int64_t limit, const char* name) {
  if (value > limit)
    throw Error(std::string("model config: ") + name + " must be at most " + std::to_string(limit) + ", got " +
                std::to_string(value));
}

// Reads json[key] (absent or null: `fallback`) with its JSON type checked, not converted: nlohmann
// would turn true into 1 and 128.9 into 128 for an integer field, and a double field must be finite
// (a literal beyond the double range parses as infinity).
template <typename T>
T read_field(const Json& json, const char* key, T fallback, const std::string& where) {
  auto it = json.find(key);
  if (it == json.end() || it->is_null()) return fallback;
  const auto wrong = [&](const char* expected) {
    return Error(where + ": field '" + key + "' must be " + expected + ", got " + it->dump());
  };
  if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) throw wrong("true or false");
    return it->get<bool>();
  } else if constexpr (std::is_same_v<T, int64_t>) {
    if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) throw wrong("an integer below 2^63");
    if (!it->is_number_integer()) throw wrong("an integer");
    return it->get<int64_t>();
  } else if constexpr (std::is_same_v<T, double>) {
    if (!it->is_number() || !std::isfinite(it->get<double>())) throw wrong("a finite number");
    return it->get<double>();
  } else {
    if (!it->is_string()) throw wrong("a string");
    return it->get<std::string>();
  }
}

// Settings of Hugging Face configs that change the computation and that gr2 does not implement:
// refused with the key named, rather than dropped (a model loaded without its RoPE scaling or its
// sliding window computes something else than the checkpoint was trained for).
void refuse_unimplemented_settings(const Json& json, const std::string& where) {
  for (const char* key : {"rope_scaling", "rope_parameters"}) {
    const auto it = json.find(key);
    if (it == json.end() || it->is_null()) continue;
    if (!it->is_object()) throw Error(where + ": " + key + " must be an object or null, got " + it->dump());
    std::string type = "default";
    for (const char* type_key : {"rope_type", "type"}) {
      if (const auto t = it->find(type_key); t != it->end()) {
        if (!t->is_string()) throw Error(where + ": " + key + "." + type_key + " must be a string, got " + t->dump());
        type = t->get<std::string>();
      }
    }
    if (type != "default")
      throw Error(where + ": " + key + " of type '" + type +
                  "' is not implemented (gr2 implements the default RoPE); remove the key to run the checkpoint "
                  "with unscaled RoPE at its original context length");
  }
  if (const auto it = json.find("use_sliding_window"); it != json.end() && it->is_boolean() && it->get<bool>())
    throw Error(where + ": use_sliding_window = true is not implemented (gr2 attends over the whole context)");
}

}  // namespace

void ModelConfig::require_rows_for(int64_t vocabulary_tokens, const std::string& where, bool exact) const {
  if (vocab_size == vocabulary_tokens || (!exact && vocab_size > vocabulary_tokens)) return;
  throw Error(where + ": the model has " + std::to_string(vocab_size) + " embedding rows, its vocabulary " +
              std::to_string(vocabulary_tokens) + " tokens" +
              (vocab_size < vocabulary_tokens ? " (a row for every token is needed: a model from another vocabulary?)"
                                              : " (a re-ranker needs exactly one row per token)"));
}

void ModelConfig::validate() const {
  require_positive(vocab_size, "vocab_size");
  require_positive(hidden_size, "hidden_size");
  require_positive(intermediate_size, "intermediate_size");
  require_positive(num_hidden_layers, "num_hidden_layers");
  require_positive(num_attention_heads, "num_attention_heads");
  require_positive(num_key_value_heads, "num_key_value_heads");
  require_positive(head_dim, "head_dim");
  require_positive(max_position_embeddings, "max_position_embeddings");
  // Upper bounds far above any Qwen3 checkpoint (Qwen3-235B: vocabulary 151,936, hidden 4,096,
  // intermediate 12,288, 94 layers), so that shapes and parameter_count() stay within int64.
  require_at_most(vocab_size, int64_t{1} << 24, "vocab_size");
  require_at_most(hidden_size, int64_t{1} << 16, "hidden_size");
  require_at_most(intermediate_size, int64_t{1} << 20, "intermediate_size");
  require_at_most(num_hidden_layers, 4096, "num_hidden_layers");
  require_at_most(num_attention_heads, 4096, "num_attention_heads");
  require_at_most(head_dim, 4096, "head_dim");
  require_at_most(max_position_embeddings, int64_t{1} << 26, "max_position_embeddings");
  if (num_attention_heads % num_key_value_heads != 0)
    throw Error("model config: num_attention_heads (" + std::to_string(num_attention_heads) +
                ") must be a multiple of num_key_value_heads (" + std::to_string(num_key_value_heads) + ")");
  if (head_dim % 2 != 0) throw Error("model config: head_dim must be even (rotary embeddings), got " + std::to_string(head_dim));
  if (!(rope_theta > 0) || !std::isfinite(rope_theta)) throw Error("model config: rope_theta must be finite and > 0");
  if (!(rms_norm_eps > 0) || !std::isfinite(rms_norm_eps)) throw Error("model config: rms_norm_eps must be finite and > 0");
}

int64_t ModelConfig::parameter_count() const {
  const int64_t d = hidden_size, q = num_attention_heads * head_dim, kv = num_key_value_heads * head_dim;
  const int64_t attn = d * q + 2 * d * kv + q * d + 2 * head_dim;
  const int64_t mlp = 3 * d * intermediate_size;
  const int64_t block = attn + mlp + 2 * d;
  const int64_t embed = vocab_size * d * (tie_word_embeddings ? 1 : 2);
  return embed + num_hidden_layers * block + d;
}

Json ModelConfig::to_hf_json(const std::string& torch_dtype) const {
  return Json{{"architectures", {"Qwen3ForCausalLM"}},
              {"model_type", "qwen3"},
              {"vocab_size", vocab_size},
              {"hidden_size", hidden_size},
              {"intermediate_size", intermediate_size},
              {"num_hidden_layers", num_hidden_layers},
              {"num_attention_heads", num_attention_heads},
              {"num_key_value_heads", num_key_value_heads},
              {"head_dim", head_dim},
              {"max_position_embeddings", max_position_embeddings},
              {"rope_theta", rope_theta},
              {"rope_parameters", {{"rope_theta", rope_theta}, {"rope_type", "default"}}},
              {"rms_norm_eps", rms_norm_eps},
              {"initializer_range", initializer_range},
              {"tie_word_embeddings", tie_word_embeddings},
              {"hidden_act", "silu"},
              {"attention_bias", false},
              {"attention_dropout", 0.0},
              {"use_sliding_window", false},
              {"use_cache", true},
              {"torch_dtype", torch_dtype},
              {"dtype", torch_dtype}};
}

ModelConfig ModelConfig::from_hf_json(const Json& json, const std::string& where) {
  if (!json.is_object()) throw Error(where + ": expected a JSON object");
  const std::string type = read_field<std::string>(json, "model_type", "qwen3", where);
  if (type != "qwen3" && type != "qwen2" && type != "llama")
    throw Error(where + ": model_type '" + type + "' is not supported (qwen3, or qwen2/llama without q/k norms is not either: gr2 implements Qwen3)");
  const std::string act = read_field<std::string>(json, "hidden_act", "silu", where);
  if (act != "silu") throw Error(where + ": hidden_act '" + act + "' is not supported (silu)");
  if (read_field<bool>(json, "attention_bias", false, where))
    throw Error(where + ": attention_bias = true is not supported");
  refuse_unimplemented_settings(json, where);
  ModelConfig c;
  c.vocab_size = read_field<int64_t>(json, "vocab_size", 0, where);
  c.hidden_size = read_field<int64_t>(json, "hidden_size", 0, where);
  c.intermediate_size = read_field<int64_t>(json, "intermediate_size", 0, where);
  c.num_hidden_layers = read_field<int64_t>(json, "num_hidden_layers", 0, where);
  c.num_attention_heads = read_field<int64_t>(json, "num_attention_heads", 0, where);
  c.num_key_value_heads = read_field<int64_t>(json, "num_key_value_heads", c.num_attention_heads, where);
  c.head_dim = read_field<int64_t>(json, "head_dim", c.num_attention_heads > 0 ? c.hidden_size / c.num_attention_heads : 0, where);
  c.max_position_embeddings = read_field<int64_t>(json, "max_position_embeddings", 4096, where);
  c.rope_theta = read_field<double>(json, "rope_theta", 10000.0, where);
  if (auto it = json.find("rope_parameters"); it != json.end() && it->is_object())
    c.rope_theta = read_field<double>(*it, "rope_theta", c.rope_theta, where + " (rope_parameters)");
  c.rms_norm_eps = read_field<double>(json, "rms_norm_eps", 1e-6, where);
  c.initializer_range = read_field<double>(json, "initializer_range", 0.02, where);
  c.tie_word_embeddings = read_field<bool>(json, "tie_word_embeddings", false, where);
  try {
    c.validate();
  } catch (const Error& e) {
    throw Error(where + ": " + e.what());
  }
  return c;
}

ModelConfig ModelConfig::from_section(ConfigSection& s) {
  ModelConfig c;
  c.hidden_size = s.get_int_in("hidden_size", c.hidden_size, 1, 1 << 16);
  c.intermediate_size = s.get_int_in("intermediate_size", c.intermediate_size, 1, 1 << 18);
  c.num_hidden_layers = s.get_int_in("num_hidden_layers", c.num_hidden_layers, 1, 1024);
  c.num_attention_heads = s.get_int_in("num_attention_heads", c.num_attention_heads, 1, 1024);
  c.num_key_value_heads = s.get_int_in("num_key_value_heads", c.num_key_value_heads, 1, 1024);
  c.head_dim = s.get_int_in("head_dim", c.head_dim, 2, 1024);
  c.max_position_embeddings = s.get_int_in("max_position_embeddings", c.max_position_embeddings, 16, 1 << 20);
  c.rope_theta = s.get_double_in("rope_theta", c.rope_theta, 1.0, 1e12);
  c.rms_norm_eps = s.get_double_in("rms_norm_eps", c.rms_norm_eps, 1e-12, 1e-1);
  c.initializer_range = s.get_double_in("initializer_range", c.initializer_range, 1e-6, 1.0);
  c.tie_word_embeddings = s.get_bool("tie_word_embeddings", c.tie_word_embeddings);
  return c;
}

}  // namespace gr2::lm
