// The pipeline's own config sections: [pipeline] (where data and the base model come from, which
// variants run) and [eval] (the evaluation of every policy on the test slates). Plain C++.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gr2 {
class Config;
}

namespace gr2::pipeline {

struct PipelineSettings {
  std::string data;            // an existing data directory (e.g. imported Beauty); "" = the [synth] world
  std::string base_model;      // a pretrained checkpoint to mid-train; "" = run pretrain
  std::string legacy = "prm";  // legacy re-ranker trained for the table: "din", "prm" or "" (none)
  std::string rl_init = "sft_rejection";  // which SFT policy RL starts from
  bool naive_rl = true;        // also run RL with the naive (unconditional) reward
  bool sft_targeted = true;    // run SFT on targeted traces (label shown to the teacher)
  bool sft_rejection = true;   // run SFT on rejection-sampled traces (label hidden, checked after)
  int64_t threads = 0;         // CPU threads of every stage (LibTorch and BLAS); 0 = LibTorch's default
  int64_t sft_ranks = 1;       // > 1: the SFT stages run as that many data-parallel processes on this
                               // machine (gr2 launch; the same global batch), the rest in-process

  // The [pipeline] section. Throws Error naming the key for unknown keys, bad values and
  // inconsistent choices (rl_init naming an SFT stage that does not run).
  static PipelineSettings from_config(const Config& config);
};

struct EvalSettings {
  std::vector<std::string> policies{"incoming", "random", "popularity", "heuristic", "oracle"};
  int bootstrap = 2000;            // paired-bootstrap resamples
  int64_t robustness_slates = 500; // slates of the shuffled-input robustness check (-1 = all)
  int64_t limit = 0;               // first N test slates (0 = all)
  int64_t sample = 0;              // a seeded random sample of N test slates with a positive (0 = all)
  int batch = 64;                  // requests per LM batch
  uint64_t seed = 0;

  // The [eval] section. Throws Error naming key and line.
  static EvalSettings from_config(const Config& config);
};

}  // namespace gr2::pipeline
