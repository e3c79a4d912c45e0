// The [prerank] section of a gr2 TOML config: the SASRec-style pre-ranker (model, training, early
// stopping) and the slate builder's difficulty. Keys are strict: an unknown key is an error.
#pragma once

#include <cstdint>
#include <string>

#include "gr2/core/jsonl.h"

namespace gr2 {
class Config;
}

namespace gr2::prerank {

struct PrerankConfig {
  uint64_t seed = 7;

  // --- model (SASRec: item embeddings + learned positions, causal self-attention blocks) ---
  int64_t dim = 64;       // d: embedding and hidden width
  int64_t blocks = 2;     // self-attention blocks
  int64_t heads = 1;      // attention heads (d % heads == 0)
  int64_t max_len = 50;   // most recent items of a sequence the model reads
  double dropout = 0.2;

  // --- training ---
  std::string loss = "softmax";  // "softmax" (cross-entropy) or "bce" (one sampled negative per step)
  int64_t negatives = 0;         // softmax: shared uniform negatives per batch (0 = full catalog)
  int64_t batch_size = 128;      // sequences per step
  double learning_rate = 1e-3;
  double weight_decay = 0.0;
  int64_t epochs = 30;           // upper bound; early stopping usually ends sooner
  int64_t patience = 3;          // evaluations without a better validation NDCG@10 before stopping
  int64_t eval_users = 0;        // users used for the per-epoch validation (0 = all)
  int64_t folds = 2;             // out-of-fold pre-rankers for the training slates (0 = none)
  int64_t threads = 2;           // LibTorch intra-op threads (0 = leave LibTorch's default)

  // --- slates (`gr2 prerank slates`) ---
  int64_t slate_size = 10;       // K = 1 positive + K-1 negatives
  // Negatives are drawn from the pre-ranker's top-M (the user's items excluded); a value >= the
  // catalog size means the whole catalog: the default, chosen on Beauty (docs/results.md), since a
  // small M puts every positive that is outside the top-M last (a learnable artefact).
  int64_t top_m = 1000000000;
  double popular_share = 0.0;    // share of the K-1 negatives drawn by popularity instead
  int64_t train_positions = 1;   // training slates per user: the last N positions of the train part

  // Reads [prerank] from `config` (missing keys keep their defaults), validates, rejects unknown keys.
  static PrerankConfig from_config(const Config& config);
  // Throws Error naming the key when a value is out of range or inconsistent.
  void validate() const;
  Json to_json() const;
  static PrerankConfig from_json(const Json& json);
};

}  // namespace gr2::prerank
