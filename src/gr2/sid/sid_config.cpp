// Reading and validating the [sid] config section.
#include "gr2/sid/sid_config.h"

#include <nlohmann/json.hpp>

#include "gr2/core/config.h"
#include "gr2/core/error.h"

namespace gr2::sid {

SidConfig SidConfig::from_config(const Config& config) {
  SidConfig c;
  ConfigSection s = config.section("sid");
  c.method = s.get_string("method", c.method);
  c.seed = static_cast<uint64_t>(s.get_int_in("seed", static_cast<int64_t>(c.seed), 0, INT64_MAX));
  c.levels = s.get_int_in("levels", c.levels, 1, 16);
  c.codes = s.get_int_in("codes", c.codes, 2, 65536);
  c.hidden_dim = s.get_int_in("hidden_dim", c.hidden_dim, 1, 1 << 16);
  c.latent_dim = s.get_int_in("latent_dim", c.latent_dim, 1, 1 << 16);
  c.steps = s.get_int_in("steps", c.steps, 0, 100000000);
  c.batch_size = s.get_int_in("batch_size", c.batch_size, 1, 1 << 24);
  c.learning_rate = s.get_double_in("learning_rate", c.learning_rate, 0.0, 10.0);
  c.commitment_beta = s.get_double_in("commitment_beta", c.commitment_beta, 0.0, 100.0);
  c.kmeans_init = s.get_bool("kmeans_init", c.kmeans_init);
  c.warmup_steps = s.get_int_in("warmup_steps", c.warmup_steps, 0, 100000000);
  c.kmeans_iters = s.get_int_in("kmeans_iters", c.kmeans_iters, 0, 10000);
  c.kmeans_sample = s.get_int_in("kmeans_sample", c.kmeans_sample, 1, INT64_MAX);
  c.ema = s.get_bool("ema", c.ema);
  c.ema_decay = s.get_double_in("ema_decay", c.ema_decay, 0.0, 0.99999);
  c.ema_epsilon = s.get_double_in("ema_epsilon", c.ema_epsilon, 0.0, 1.0);
  c.diversity_weight = s.get_double_in("diversity_weight", c.diversity_weight, 0.0, 1e6);
  c.diversity_temperature = s.get_double_in("diversity_temperature", c.diversity_temperature, 1e-6, 1e6);
  c.dead_code_reset = s.get_bool("dead_code_reset", c.dead_code_reset);
  c.dead_code_patience = s.get_int_in("dead_code_patience", c.dead_code_patience, 1, INT64_MAX);
  c.contrastive_weight = s.get_double_in("contrastive_weight", c.contrastive_weight, 0.0, 1e6);
  c.contrastive_temperature = s.get_double_in("contrastive_temperature", c.contrastive_temperature, 1e-6, 1e6);
  c.checkpoint_every = s.get_int_in("checkpoint_every", c.checkpoint_every, 0, INT64_MAX);
  c.random_last_level = s.get_bool("random_last_level", c.random_last_level);
  c.dedup = s.get_bool("dedup", c.dedup);
  c.embed_dim = s.get_int_in("embed_dim", c.embed_dim, 1, 1 << 16);
  c.min_df = s.get_int_in("min_df", c.min_df, 1, INT64_MAX);
  c.max_terms = s.get_int_in("max_terms", c.max_terms, 1, INT64_MAX);
  c.svd_oversample = s.get_int_in("svd_oversample", c.svd_oversample, 0, 4096);
  c.svd_power_iters = s.get_int_in("svd_power_iters", c.svd_power_iters, 0, 100);
  c.collab_dim = s.get_int_in("collab_dim", c.collab_dim, 0, 1 << 16);
  c.collab_weight = s.get_double_in("collab_weight", c.collab_weight, 0.0, 1.0);
  c.collab_window = s.get_int_in("collab_window", c.collab_window, 1, 1000);
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

std::string SidConfig::to_json() const {
  nlohmann::json j = {{"method", method},
                      {"seed", seed},
                      {"levels", levels},
                      {"codes", codes},
                      {"hidden_dim", hidden_dim},
                      {"latent_dim", latent_dim},
                      {"steps", steps},
                      {"batch_size", batch_size},
                      {"learning_rate", learning_rate},
                      {"commitment_beta", commitment_beta},
                      {"kmeans_init", kmeans_init},
                      {"warmup_steps", warmup_steps},
                      {"kmeans_iters", kmeans_iters},
                      {"kmeans_sample", kmeans_sample},
                      {"ema", ema},
                      {"ema_decay", ema_decay},
                      {"ema_epsilon", ema_epsilon},
                      {"diversity_weight", diversity_weight},
                      {"diversity_temperature", diversity_temperature},
                      {"dead_code_reset", dead_code_reset},
                      {"dead_code_patience", dead_code_patience},
                      {"contrastive_weight", contrastive_weight},
                      {"contrastive_temperature", contrastive_temperature},
                      {"random_last_level", random_last_level},
                      {"dedup", dedup}};
  return j.dump();
}

}  // namespace gr2::sid
