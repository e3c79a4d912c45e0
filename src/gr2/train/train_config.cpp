// Reading, validating and serialising the shared training knobs.
#include "gr2/train/train_config.h"

#include <climits>

#include "gr2/core/config.h"
#include "gr2/core/error.h"

namespace gr2::train {

TrainConfig TrainConfig::from_section(ConfigSection& s, const TrainConfig& d, TrainKeys keys) {
  TrainConfig c = d;
  const bool token_batches = keys == TrainKeys::All;
  c.steps = s.get_int_in("steps", d.steps, 1, INT64_MAX / 2);
  if (token_batches) {
    c.batch_size = s.get_int_in("batch_size", d.batch_size, 1, 1 << 20);
    c.seq_len = s.get_int_in("seq_len", d.seq_len, 2, 1 << 20);
    c.grad_accum = s.get_int_in("grad_accum", d.grad_accum, 1, 1 << 20);
    c.eval_every = s.get_int_in("eval_every", d.eval_every, 0, INT64_MAX / 2);
  }
  c.learning_rate = s.get_double_in("learning_rate", d.learning_rate, 0.0, 10.0);
  c.min_lr_ratio = s.get_double_in("min_lr_ratio", d.min_lr_ratio, 0.0, 1.0);
  c.warmup_steps = s.get_int_in("warmup_steps", d.warmup_steps, 0, INT64_MAX / 2);
  c.weight_decay = s.get_double_in("weight_decay", d.weight_decay, 0.0, 10.0);
  c.beta1 = s.get_double_in("beta1", d.beta1, 0.0, 0.999999);
  c.beta2 = s.get_double_in("beta2", d.beta2, 0.0, 0.999999);
  c.adam_eps = s.get_double_in("adam_eps", d.adam_eps, 0.0, 1.0);
  c.grad_clip = s.get_double_in("grad_clip", d.grad_clip, 0.0, 1e9);
  c.checkpoint_every = s.get_int_in("checkpoint_every", d.checkpoint_every, 0, INT64_MAX / 2);
  c.log_every = s.get_int_in("log_every", d.log_every, 1, INT64_MAX / 2);
  c.seed = static_cast<uint64_t>(s.get_int_in("seed", static_cast<int64_t>(d.seed), 0, INT64_MAX));
  c.threads = s.get_int_in("threads", d.threads, 0, 1024);
  c.precision = s.get_string("precision", d.precision);
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

Json TrainConfig::to_json() const {
  return Json{{"steps", steps},
              {"batch_size", batch_size},
              {"seq_len", seq_len},
              {"grad_accum", grad_accum},
              {"learning_rate", learning_rate},
              {"min_lr_ratio", min_lr_ratio},
              {"warmup_steps", warmup_steps},
              {"weight_decay", weight_decay},
              {"beta1", beta1},
              {"beta2", beta2},
              {"adam_eps", adam_eps},
              {"grad_clip", grad_clip},
              {"eval_every", eval_every},
              {"checkpoint_every", checkpoint_every},
              {"log_every", log_every},
              {"seed", seed},
              {"threads", threads},
              {"precision", precision}};
}

TrainConfig TrainConfig::from_json(const Json& j, const std::string& where) {
  TrainConfig c;
  try {
    c.steps = j.at("steps").get<int64_t>();
    c.batch_size = j.at("batch_size").get<int64_t>();
    c.seq_len = j.at("seq_len").get<int64_t>();
    c.grad_accum = j.at("grad_accum").get<int64_t>();
    c.learning_rate = j.at("learning_rate").get<double>();
    c.min_lr_ratio = j.at("min_lr_ratio").get<double>();
    c.warmup_steps = j.at("warmup_steps").get<int64_t>();
    c.weight_decay = j.at("weight_decay").get<double>();
    c.beta1 = j.at("beta1").get<double>();
    c.beta2 = j.at("beta2").get<double>();
    c.adam_eps = j.at("adam_eps").get<double>();
    c.grad_clip = j.at("grad_clip").get<double>();
    c.eval_every = j.at("eval_every").get<int64_t>();
    c.checkpoint_every = j.at("checkpoint_every").get<int64_t>();
    c.log_every = j.at("log_every").get<int64_t>();
    c.seed = j.at("seed").get<uint64_t>();
    c.threads = j.at("threads").get<int64_t>();
    c.precision = j.at("precision").get<std::string>();
  } catch (const Json::exception& e) {
    throw Error(where + ": training config: missing or mistyped field (" + e.what() + ")");
  }
  c.validate();
  return c;
}

}  // namespace gr2::train
