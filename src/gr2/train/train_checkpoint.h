// Resumable training checkpoints: everything a run needs to continue exactly where it was.
//
// Layout under a run's directory RUN:
//   RUN/checkpoints/step-00000100/config.json, model.safetensors  (the HF layout: loadable as a model)
//                                 optimizer.safetensors            ("exp_avg/<param>", "exp_avg_sq/<param>")
//                                 trainer_state.json               (step, AdamW step per parameter,
//                                                                   training config, counters)
//   RUN/checkpoints/latest                                         (the name of the newest complete one)
// A checkpoint is written into "step-N.tmp-<pid>", fsynced, renamed to "step-N", and only then does
// `latest` (written atomically) point at it; older checkpoints are removed after that. A run killed
// at any moment therefore leaves `latest` naming a complete checkpoint (or no `latest` at all).
// Weights and optimizer moments are stored in float32, bit-exact.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "gr2/core/jsonl.h"
#include "gr2/lm/qwen3_model.h"
#include "gr2/train/adamw.h"

namespace gr2::train {

struct TrainerState {
  int64_t step = 0;          // optimizer steps completed
  int64_t tokens = 0;        // input positions processed so far
  double train_seconds = 0;  // time spent in training steps so far (not evaluation or saving)
  Json config;               // TrainConfig::to_json() of the run
  Json extra = Json::object();  // stage-specific record (e.g. the task's description)

  Json to_json() const;
  static TrainerState from_json(const Json& json, const std::string& where);
};

// RUN/checkpoints.
std::string checkpoints_dir(const std::string& run_dir);

// The moving average of the weights a run keeps when [stage] ema_decay > 0, by parameter name.
using WeightAverage = std::map<std::string, torch::Tensor>;

// Writes a checkpoint of (model, optimizer, state, the weight average `ema` if not empty: stored as
// "ema/<param>" in optimizer.safetensors) for state.step and points `latest` at it; keeps only the
// newest `keep` checkpoints (>= 1).
void save_train_checkpoint(const std::string& run_dir, lm::Qwen3Lm& model, torch::optim::AdamW& optimizer,
                           const TrainerState& state, int keep = 1, const WeightAverage& ema = {});

// The directory of the newest complete checkpoint of RUN, if any.
std::optional<std::string> latest_checkpoint(const std::string& run_dir);

// Loads a checkpoint directory: copies the weights into `model` (same config required), the
// moments into `optimizer` and returns the trainer state. Throws Error naming the file.
// When `ema` is given, its tensors (same names) are filled from the checkpoint's "ema/<param>"
// (Error naming the file when one is missing).
TrainerState load_train_checkpoint(const std::string& checkpoint_dir, lm::Qwen3Lm& model,
                                   torch::optim::AdamW& optimizer, WeightAverage* ema = nullptr);

}  // namespace gr2::train
