// Reading, validating and serialising the shared training knobs.
#include "gr2/train/train_config.h"

#include <climits>

#include "gr2/core/config.h"
#include "gr2/core/config_fields.h"
#include "gr2/core/error.h"

namespace gr2::train {

namespace {

// The shared training keys, declared once: TOML reading, JSON writing and reading derive from this.
const ConfigFields<TrainConfig>& train_fields() {
  using C = TrainConfig;
  static const auto fields = ConfigFields<C>()
                                 .integer("steps", &C::steps, 1, INT64_MAX / 2)
                                 .integer("batch_size", &C::batch_size, 1, 1 << 20)
                                 .integer("seq_len", &C::seq_len, 2, 1 << 20)
                                 .integer("grad_accum", &C::grad_accum, 1, 1 << 20)
                                 .real("learning_rate", &C::learning_rate, 0.0, 10.0)
                                 .real("min_lr_ratio", &C::min_lr_ratio, 0.0, 1.0)
                                 .integer("warmup_steps", &C::warmup_steps, 0, INT64_MAX / 2)
                                 .real("weight_decay", &C::weight_decay, 0.0, 10.0)
                                 .real("beta1", &C::beta1, 0.0, 0.999999)
                                 .real("beta2", &C::beta2, 0.0, 0.999999)
                                 .real("adam_eps", &C::adam_eps, 0.0, 1.0)
                                 .real("grad_clip", &C::grad_clip, 0.0, 1e9)
                                 .integer("eval_every", &C::eval_every, 0, INT64_MAX / 2)
                                 .integer("checkpoint_every", &C::checkpoint_every, 0, INT64_MAX / 2)
                                 .integer("log_every", &C::log_every, 1, INT64_MAX / 2)
                                 .integer("seed", &C::seed, 0, INT64_MAX)
                                 .integer("threads", &C::threads, 0, 1024)
                                 .text("precision", &C::precision)
                                 .real("ema_decay", &C::ema_decay, 0.0, 0.999999);
  return fields;
}

}  // namespace

TrainConfig TrainConfig::from_section(ConfigSection& s, const TrainConfig& d, TrainKeys keys) {
  TrainConfig c = d;
  if (keys == TrainKeys::All) train_fields().read(s, c);
  else train_fields().read(s, c, {"batch_size", "seq_len", "grad_accum", "eval_every", "ema_decay"});
  c.validate(s.name());
  return c;
}

TrainConfig TrainConfig::from_section(ConfigSection& s) { return from_section(s, TrainConfig()); }

void TrainConfig::validate(const std::string& stage) const {
  const std::string p = stage + ".";
  require(steps >= 1, p + "steps must be >= 1");
  require(batch_size >= 1 && grad_accum >= 1, p + "batch_size and " + p + "grad_accum must be >= 1");
  require(batch_size % grad_accum == 0, p + "batch_size (" + std::to_string(batch_size) +
                                            ") must be a multiple of " + p + "grad_accum (" +
                                            std::to_string(grad_accum) + ")");
  require(seq_len >= 2, p + "seq_len must be >= 2");
  require(warmup_steps <= steps, p + "warmup_steps (" + std::to_string(warmup_steps) + ") must not exceed " + p +
                                     "steps (" + std::to_string(steps) + ")");
  require(learning_rate > 0, p + "learning_rate must be > 0");
  require(min_lr_ratio >= 0 && min_lr_ratio <= 1, p + "min_lr_ratio must be in [0, 1]");
  require(precision == "auto" || precision == "float32",
          p + "precision: expected \"auto\" or \"float32\", got \"" + precision + "\"");
}

Json TrainConfig::to_json() const { return train_fields().to_json(*this); }

TrainConfig TrainConfig::from_json(const Json& j, const std::string& where) {
  TrainConfig c;
  train_fields().from_json(j, c, where + ": training config");
  c.validate();
  return c;
}

}  // namespace gr2::train
