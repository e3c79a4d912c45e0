// The [sid] section of a gr2 TOML config: every knob of the semantic-ID tokenizer (embedder,
// RQ-VAE, RQ-KMeans, export). Keys are strict: an unknown key in [sid] is an error naming it.
#pragma once

#include <cstdint>
#include <string>

namespace gr2 {
class Config;
}

namespace gr2::sid {

struct SidConfig {
  // --- which tokenizer ---
  std::string method = "rq_vae";  // "rq_vae" or "rq_kmeans"
  uint64_t seed = 17;

  // --- codes ---
  int64_t levels = 4;    // L: tokens per item
  int64_t codes = 256;   // C: codes per level

  // --- RQ-VAE network ---
  int64_t hidden_dim = 256;  // encoder d -> hidden -> latent, decoder latent -> hidden -> d
  int64_t latent_dim = 64;

  // --- training ---
  int64_t steps = 1000;       // optimizer steps
  int64_t batch_size = 512;
  double learning_rate = 1e-3;
  double commitment_beta = 0.25;  // weight of ||r - sg(q)||^2
  bool kmeans_init = true;        // k-means++ (+ Lloyd) per level on residuals
  int64_t warmup_steps = 200;     // autoencoder-only steps before the k-means init (with kmeans_init;
                                  // not counted in `steps`); 0 = init on the untrained encoder
  int64_t kmeans_iters = 20;      // Lloyd iterations (init and RQ-KMeans)
  int64_t kmeans_sample = 16384;  // items used for k-means (init and RQ-KMeans fitting)
  bool ema = true;                // EMA codebook updates instead of gradient updates
  double ema_decay = 0.99;
  double ema_epsilon = 1e-5;      // Laplace smoothing of the EMA counts
  double diversity_weight = 0.0;  // lambda_div (0 = off)
  double diversity_temperature = 1.0;
  bool dead_code_reset = false;
  int64_t dead_code_patience = 50;  // batches without use before a code is reset
  double contrastive_weight = 0.0;  // InfoNCE over co-engaged pairs (needs events)
  double contrastive_temperature = 0.1;
  int64_t checkpoint_every = 250;   // steps between checkpoints (0 = never)

  // --- export ---
  bool random_last_level = true;  // spread items sharing a prefix evenly over the last level
  bool dedup = true;              // move remaining collisions so that every SID is unique

  // --- item embeddings built by `gr2 sid embed` ---
  int64_t embed_dim = 128;        // TF-IDF part (truncated SVD rank)
  int64_t min_df = 2;             // terms in fewer items are dropped
  int64_t max_terms = 200000;     // vocabulary cap (most frequent kept)
  int64_t svd_oversample = 16;
  int64_t svd_power_iters = 3;
  int64_t collab_dim = 0;         // collaborative part from co-occurrence (0 = off)
  double collab_weight = 0.3;     // share of the squared norm given to the collaborative part
  int64_t collab_window = 5;      // co-occurrence window within a user's sequence

  // Reads [sid] from `config` (missing keys keep their defaults); validates ranges; rejects
  // unknown keys. Throws Error naming the key.
  static SidConfig from_config(const Config& config);
  // Checks cross-field invariants (e.g. levels >= 1, codes >= 2). Throws Error.
  void validate() const;
  // A short JSON object with every knob (for reports and checkpoint compatibility checks).
  std::string to_json() const;
};

}  // namespace gr2::sid
