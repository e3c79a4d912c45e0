// Reading and validating the [sid] config section.
#include "gr2/sid/sid_config.h"

#include <climits>

#include "gr2/core/config.h"
#include "gr2/core/config_fields.h"
#include "gr2/core/error.h"

namespace gr2::sid {

namespace {

// The knobs that shape the quantizer's training: a resumed RQ-VAE checkpoint must have been written
// with the same values (to_json(), stored in the checkpoint).
const ConfigFields<SidConfig>& quantizer_fields() {
  using C = SidConfig;
  static const auto fields = ConfigFields<C>()
                                 .text("method", &C::method)
                                 .integer("seed", &C::seed, 0, INT64_MAX)
                                 .integer("levels", &C::levels, 1, 16)
                                 .integer("codes", &C::codes, 2, 65536)
                                 .integer("hidden_dim", &C::hidden_dim, 1, 1 << 16)
                                 .integer("latent_dim", &C::latent_dim, 1, 1 << 16)
                                 .integer("steps", &C::steps, 0, 100000000)
                                 .integer("batch_size", &C::batch_size, 1, 1 << 24)
                                 .real("learning_rate", &C::learning_rate, 0.0, 10.0)
                                 .real("commitment_beta", &C::commitment_beta, 0.0, 100.0)
                                 .flag("kmeans_init", &C::kmeans_init)
                                 .integer("warmup_steps", &C::warmup_steps, 0, 100000000)
                                 .integer("kmeans_iters", &C::kmeans_iters, 0, 10000)
                                 .integer("kmeans_sample", &C::kmeans_sample, 1, INT64_MAX)
                                 .flag("ema", &C::ema)
                                 .real("ema_decay", &C::ema_decay, 0.0, 0.99999)
                                 .real("ema_epsilon", &C::ema_epsilon, 0.0, 1.0)
                                 .real("diversity_weight", &C::diversity_weight, 0.0, 1e6)
                                 .real("diversity_temperature", &C::diversity_temperature, 1e-6, 1e6)
                                 .flag("dead_code_reset", &C::dead_code_reset)
                                 .integer("dead_code_patience", &C::dead_code_patience, 1, INT64_MAX)
                                 .real("contrastive_weight", &C::contrastive_weight, 0.0, 1e6)
                                 .real("contrastive_temperature", &C::contrastive_temperature, 1e-6, 1e6)
                                 .flag("random_last_level", &C::random_last_level)
                                 .flag("dedup", &C::dedup);
  return fields;
}

// The other [sid] knobs: checkpoint interval and the item embedder's (which has its own output file).
const ConfigFields<SidConfig>& other_fields() {
  using C = SidConfig;
  static const auto fields = ConfigFields<C>()
                                 .integer("checkpoint_every", &C::checkpoint_every, 0, INT64_MAX)
                                 .integer("embed_dim", &C::embed_dim, 1, 1 << 16)
                                 .integer("min_df", &C::min_df, 1, INT64_MAX)
                                 .integer("max_terms", &C::max_terms, 1, INT64_MAX)
                                 .integer("svd_oversample", &C::svd_oversample, 0, 4096)
                                 .integer("svd_power_iters", &C::svd_power_iters, 0, 100)
                                 .integer("collab_dim", &C::collab_dim, 0, 1 << 16)
                                 .real("collab_weight", &C::collab_weight, 0.0, 1.0)
                                 .integer("collab_window", &C::collab_window, 1, 1000);
  return fields;
}

}  // namespace

SidConfig SidConfig::from_config(const Config& config) {
  SidConfig c;
  ConfigSection s = config.section("sid");
  quantizer_fields().read(s, c);
  other_fields().read(s, c);
  s.finish();
  c.validate();
  return c;
}

void SidConfig::validate() const {
  require(method == "rq_vae" || method == "rq_kmeans",
          "[sid] method '" + method + "': expected \"rq_vae\" or \"rq_kmeans\"");
  require(levels >= 1, "[sid] levels must be >= 1");
  require(codes >= 2, "[sid] codes must be >= 2");
  require(!random_last_level || levels >= 2,
          "[sid] random_last_level needs levels >= 2 (the last level would be the whole SID)");
}

std::string SidConfig::to_json() const { return quantizer_fields().to_json(*this).dump(); }

}  // namespace gr2::sid
