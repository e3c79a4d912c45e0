// Reading the [midtrain] section.
#include "gr2/train/midtrain/midtrain_config.h"

#include <climits>

#include "gr2/core/config.h"
#include "gr2/core/config_fields.h"
#include "gr2/core/error.h"

namespace gr2::train::midtrain {
namespace {

// The [midtrain] keys besides the shared training keys and the mix_* weights (one per task).
const ConfigFields<MidtrainConfig>& midtrain_fields() {
  using C = MidtrainConfig;
  static const auto fields = ConfigFields<C>()
                                 .integer("max_history", &C::max_history, 1, 10000)
                                 .real("history_weight", &C::history_weight, 0.0, 100.0)
                                 .integer("interleave_len", &C::interleave_len, 1, 10000)
                                 .integer("text_len", &C::text_len, 2, 1 << 20)
                                 .real("valid_fraction", &C::valid_fraction, 0.0, 0.5)
                                 .real("new_token_noise", &C::new_token_noise, 0.0, 1.0)
                                 .integer("eval_users", &C::eval_users, 0, INT64_MAX)
                                 .integer("beam_width", &C::beam_width, 10, 4096)
                                 .integer("test_users", &C::test_users, 0, INT64_MAX);
  return fields;
}

}  // namespace

MidtrainConfig MidtrainConfig::from_config(const Config& config) {
  MidtrainConfig c;
  TrainConfig d;
  d.steps = 1500;
  d.batch_size = 32;
  d.seq_len = 160;
  d.learning_rate = 2e-3;
  d.warmup_steps = 50;
  d.eval_every = 500;
  d.checkpoint_every = 500;
  d.seed = 2;
  ConfigSection s = config.section("midtrain");
  c.train = TrainConfig::from_section(s, d);
  double total = 0;
  for (size_t i = 0; i < c.mix.size(); ++i) {
    c.mix[i] = s.get_double_in(std::string("mix_") + kMidtrainTaskNames[i], c.mix[i], 0.0, 1e6);
    total += c.mix[i];
  }
  require(total > 0, "midtrain: every mix_* weight is 0; give at least one task a positive weight");
  midtrain_fields().read(s, c);
  s.finish();
  return c;
}

Json MidtrainConfig::to_json() const {
  Json mix_json = Json::object();
  for (size_t i = 0; i < mix.size(); ++i) mix_json[kMidtrainTaskNames[i]] = mix[i];
  Json j{{"train", train.to_json()}, {"mix", mix_json}};
  midtrain_fields().write(*this, j);
  return j;
}

}  // namespace gr2::train::midtrain
