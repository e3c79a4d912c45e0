// Reading the [midtrain] section.
#include "gr2/train/midtrain/midtrain_config.h"

#include <climits>

#include "gr2/core/config.h"
#include "gr2/core/error.h"

namespace gr2::train::midtrain {

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
  c.history_len = s.get_int_in("history_len", c.history_len, 1, 10000);
  c.history_weight = s.get_double_in("history_weight", c.history_weight, 0.0, 100.0);
  c.interleave_len = s.get_int_in("interleave_len", c.interleave_len, 1, 10000);
  c.text_len = s.get_int_in("text_len", c.text_len, 2, 1 << 20);
  c.valid_fraction = s.get_double_in("valid_fraction", c.valid_fraction, 0.0, 0.5);
  c.new_token_noise = s.get_double_in("new_token_noise", c.new_token_noise, 0.0, 1.0);
  c.eval_users = s.get_int_in("eval_users", c.eval_users, 0, INT64_MAX);
  c.beam_width = s.get_int_in("beam_width", c.beam_width, 10, 4096);
  c.test_users = s.get_int_in("test_users", c.test_users, 0, INT64_MAX);
  s.finish();
  return c;
}

Json MidtrainConfig::to_json() const {
  Json mix_json = Json::object();
  for (size_t i = 0; i < mix.size(); ++i) mix_json[kMidtrainTaskNames[i]] = mix[i];
  return Json{{"train", train.to_json()},       {"mix", mix_json},
              {"history_len", history_len},     {"history_weight", history_weight},
              {"interleave_len", interleave_len}, {"text_len", text_len},
              {"valid_fraction", valid_fraction}, {"new_token_noise", new_token_noise},
              {"eval_users", eval_users},       {"beam_width", beam_width},
              {"test_users", test_users}};
}

}  // namespace gr2::train::midtrain
