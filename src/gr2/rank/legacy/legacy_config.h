// The [baseline] section of a gr2 TOML config: the legacy re-rankers DIN (pointwise) and PRM
// (listwise) — feature sizes, network sizes and training. Keys are strict.
#pragma once

#include <cstdint>
#include <string>

#include "gr2/core/jsonl.h"

namespace gr2 {
class Config;
}

namespace gr2::legacy {

struct LegacyConfig {
  uint64_t seed = 11;
  // --- features ---
  int64_t dim = 16;            // embedding width per sparse field (item, brand, category)
  int64_t max_history = 20;       // most recent history items read
  int64_t max_positions = 64;  // incoming positions with their own embedding (later ones share the last)
  // --- DIN ---
  int64_t att_hidden = 32;     // target-attention unit width
  int64_t hidden = 64;         // prediction MLP width
  // --- PRM ---
  int64_t prm_dim = 64;        // transformer width
  int64_t prm_layers = 2;
  int64_t prm_heads = 2;
  // --- training ---
  double dropout = 0.1;
  int64_t epochs = 20;         // upper bound; early stopping on validation N@5 usually ends sooner
  int64_t patience = 3;
  int64_t batch_size = 256;    // slates per step
  double learning_rate = 1e-3;
  double weight_decay = 1e-6;
  int64_t threads = 2;         // LibTorch intra-op threads (0 = LibTorch's default)
  int64_t max_train_slates = 0;  // 0 = all

  static LegacyConfig from_config(const Config& config);
  void validate() const;
  Json to_json() const;
  static LegacyConfig from_json(const Json& json);
};

}  // namespace gr2::legacy
