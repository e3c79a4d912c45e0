// The configuration of `gr2 pretrain`: the [vocab] (text tokenizer), [model] (decoder shape) and
// [pretrain] (training knobs + validation split) sections of a gr2 TOML config. Plain C++.
#pragma once

#include <cstdint>

#include "gr2/core/jsonl.h"
#include "gr2/lm/model_config.h"
#include "gr2/lm/vocabulary.h"
#include "gr2/train/train_config.h"

namespace gr2 {
class Config;
class ConfigSection;
}  // namespace gr2

namespace gr2::train::pretrain {

// [vocab]: vocab_size, model_type, character_coverage, input_sentence_size, num_threads.
lm::TextTokenizerOptions text_tokenizer_options_from_section(ConfigSection& section);

struct PretrainConfig {
  lm::TextTokenizerOptions vocab;  // [vocab]
  lm::ModelConfig model;           // [model] (vocab_size is set from the trained vocabulary)
  TrainConfig train;               // [pretrain] shared training keys
  double valid_fraction = 0.02;    // [pretrain] share of corpus lines held out for validation (>= 1 line)
  int64_t valid_windows = 64;      // [pretrain] at most this many seq_len windows of held-out text are scored
  uint64_t init_seed = 1;          // [pretrain] seed of the random initial weights

  // Reads [vocab], [model] and [pretrain] (strict keys; absent sections keep the defaults).
  static PretrainConfig from_config(const Config& config);
  Json to_json() const;
};

}  // namespace gr2::train::pretrain
