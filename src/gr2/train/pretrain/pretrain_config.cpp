// Reading the [vocab], [model] and [pretrain] sections.
#include "gr2/train/pretrain/pretrain_config.h"

#include <climits>

#include "gr2/core/config.h"
#include "gr2/core/config_fields.h"
#include "gr2/core/error.h"

namespace gr2::train::pretrain {

lm::TextTokenizerOptions text_tokenizer_options_from_section(ConfigSection& s) {
  lm::TextTokenizerOptions o;
  o.vocab_size = s.get_int_in("vocab_size", o.vocab_size, 260, 1 << 22);
  o.model_type = s.get_string("model_type", o.model_type);
  o.character_coverage = s.get_double_in("character_coverage", o.character_coverage, 0.98, 1.0);
  o.input_sentence_size = s.get_int_in("input_sentence_size", o.input_sentence_size, 0, INT64_MAX);
  o.num_threads = static_cast<int>(s.get_int_in("num_threads", o.num_threads, 1, 1024));
  o.validate();
  return o;
}

namespace {

TrainConfig pretrain_defaults() {
  TrainConfig t;
  t.steps = 600;
  t.batch_size = 16;
  t.seq_len = 128;
  t.learning_rate = 2e-3;
  t.warmup_steps = 50;
  t.eval_every = 200;
  t.checkpoint_every = 200;
  t.seed = 1;
  return t;
}

const ConfigFields<PretrainConfig>& pretrain_fields() {
  using C = PretrainConfig;
  static const auto fields = ConfigFields<C>()
                                 .real("valid_fraction", &C::valid_fraction, 0.0, 0.5)
                                 .integer("valid_windows", &C::valid_windows, 0, INT64_MAX)
                                 .integer("init_seed", &C::init_seed, 0, INT64_MAX);
  return fields;
}

}  // namespace

PretrainConfig PretrainConfig::from_config(const Config& config) {
  PretrainConfig c;
  {
    ConfigSection s = config.section("vocab");
    c.vocab = text_tokenizer_options_from_section(s);
    s.finish();
  }
  {
    ConfigSection s = config.section("model");
    c.model = lm::ModelConfig::from_section(s);
    s.finish();
  }
  ConfigSection s = config.section("pretrain");
  c.train = TrainConfig::from_section(s, pretrain_defaults());
  pretrain_fields().read(s, c);
  s.finish();
  return c;
}

Json PretrainConfig::to_json() const {
  Json j{{"vocab", {{"vocab_size", vocab.vocab_size}, {"model_type", vocab.model_type},
                    {"character_coverage", vocab.character_coverage},
                    {"input_sentence_size", vocab.input_sentence_size}}},
          {"model", model.to_hf_json()},
          {"train", train.to_json()}};
  pretrain_fields().write(*this, j);
  return j;
}

}  // namespace gr2::train::pretrain
