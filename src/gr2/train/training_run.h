// One training run's state and bookkeeping, shared by every LM stage: the model being trained,
// AdamW (adamw.h), the warmup + cosine schedule (lr_schedule.h), global-norm clipping, bf16
// autocast on CUDA (autocast.h), the JSONL metrics log, and checkpoints with exact resume and the
// config check (train_checkpoint.h). A stage supplies only its step: the Trainer (a token loss on
// a TrainingTask's batches, trainer.h) and RL (DAPO on rollouts, train/rl) both drive one.
//
// Exact resume needs the stage's part too: everything its steps depend on besides the weights and
// the optimizer (a data cursor, say) goes into the `stage_state` of each checkpoint, and comes back
// from begin().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/optim/adamw.h>

#include "gr2/core/jsonl.h"
#include "gr2/core/metrics_log.h"
#include "gr2/dist/world.h"
#include "gr2/lm/qwen3_model.h"
#include "gr2/train/train_checkpoint.h"
#include "gr2/train/train_config.h"

namespace gr2::train {

struct RunOptions {
  TrainConfig config;
  // What a resumed run must agree on with its checkpoint; null = config.to_json(). A stage with
  // knobs of its own passes its whole config (e.g. RlConfig::to_json(), which holds "train").
  // The reporting intervals (eval_every, checkpoint_every, log_every) may always differ.
  Json resume_config;
  std::string run_dir;          // checkpoints go to run_dir/checkpoints; empty = no checkpoints
  std::string log_path;         // JSONL metrics; empty = none
  torch::Device device = torch::kCPU;
  std::string label = "train";  // messages and errors
  bool resume = false;          // continue from run_dir's latest checkpoint when there is one
  int keep_checkpoints = 1;
};

// The options of a stage that writes the checkpoint directory `out_dir`: resumable state in
// out_dir/run, metrics in out_dir/train_log.jsonl, messages labelled `label`.
RunOptions stage_run_options(const TrainConfig& config, const std::string& out_dir, torch::Device device,
                             const std::string& label, bool resume);

// Where begin() left the run.
struct RunStart {
  int64_t step = 0;                    // optimizer steps already done (0 for a fresh run)
  Json stage_state = Json::object();   // what the stage stored with that checkpoint
};

class TrainingRun {
 public:
  // Validates the config (Error naming options.label's keys), sets the CPU threads when
  // config.threads > 0, moves `model` to the device in train mode and makes its AdamW. `model` is a
  // handle: the caller's copy sees the updates. Joins the data-parallel run the environment
  // describes (dist/world.h) and refuses (Error) ranks whose resume_config or code differ; ranks
  // other than 0 keep no metrics log.
  TrainingRun(lm::Qwen3Lm model, RunOptions options);
  ~TrainingRun();

  // Starts the run. With resume: loads run_dir's latest checkpoint if any (every rank reads it: the
  // run directory must be shared by the ranks), refusing (Error) one
  // written with a different resume_config, and drops the metrics records past it; a checkpoint
  // beyond config.steps is an Error. Without resume: refuses (Error) a run_dir that already holds a
  // checkpoint, and empties the metrics log. Call once, before the first step.
  RunStart begin();

  // Call at the start of each step: sets the optimizer's learning rate for step `step` (0-based)
  // and returns it. Fault injection for the resume tests: when the environment variable
  // GR2_FAULT_KILL_AT_STEP equals `step`, the process exits at once with status 137 (as if
  // SIGKILLed: nothing flushed, no checkpoint written).
  double begin_step(int64_t step);
  void zero_grad();
  // In a data-parallel run, first sums the gradients over ranks (dist/gradients.h: each rank's loss
  // must already be divided by the global batch's normaliser). Then the global L2 norm of the
  // gradients, scaled down to config.grad_clip when larger (as torch's clip_grad_norm_; grad_clip
  // 0 = none), then one AdamW step. Returns the norm before clipping.
  double clip_and_step();
  // With config.ema_decay > 0 (else no-ops / false): the moving average of the weights, updated by
  // every clip_and_step(), saved in and restored from checkpoints.
  bool has_weight_average() const { return !ema_.empty(); }
  // Copies the weight average into the model (call after the last step, before saving the model).
  void load_weight_average_into_model();

  // True when forward passes should run under bf16 autocast (precision "auto" on CUDA).
  bool autocast() const { return autocast_; }

  // Adds a step's processed tokens and seconds to the run's totals (kept across resumes).
  void count(int64_t tokens, double seconds);
  int64_t tokens() const { return tokens_; }
  double train_seconds() const { return train_seconds_; }

  // True after the last step and every config.checkpoint_every steps.
  bool checkpoint_due(int64_t steps_done) const;
  // True after the last step and every config.log_every steps.
  bool log_due(int64_t steps_done) const;
  // Writes a resumable checkpoint after `steps_done` steps (no-op without run_dir, and on ranks
  // other than 0: every rank resumes from rank 0's); `stage_state` comes back from begin() on resume.
  void checkpoint(int64_t steps_done, const Json& stage_state = Json::object());
  // The metrics log (valid after begin()).
  MetricsLog& log() { return *log_; }

  lm::Qwen3Lm& model() { return model_; }
  torch::optim::AdamW& optimizer() { return *optimizer_; }
  const RunOptions& options() const { return options_; }
  const TrainConfig& config() const { return options_.config; }
  // The data-parallel world this run is part of (size 1 when alone).
  dist::World& world() { return *world_; }
  // Seconds spent summing gradients over ranks (0 when alone).
  double comm_seconds() const { return comm_seconds_; }

 private:
  lm::Qwen3Lm model_;
  RunOptions options_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::vector<torch::Tensor> params_;
  WeightAverage ema_;                       // by parameter name; empty unless config.ema_decay > 0
  std::vector<std::pair<torch::Tensor, torch::Tensor>> ema_pairs_;  // (average, parameter)
  std::unique_ptr<MetricsLog> log_;
  bool autocast_ = false;
  int64_t kill_at_step_ = -1;  // GR2_FAULT_KILL_AT_STEP, -1 when unset
  int64_t tokens_ = 0;
  double train_seconds_ = 0;
  dist::World* world_ = nullptr;
  double comm_seconds_ = 0;
};

// Drops the records of the JSONL log at `path` whose "step" (steps completed) is greater than
// `step`: those a run resumed from a checkpoint at `step` writes again. Atomic; no-op when absent.
void truncate_metrics_log(const std::string& path, int64_t step);

}  // namespace gr2::train
