// The training loop of the stages whose objective is a token loss on fixed batches (pretrain,
// midtrain, SFT): a TrainingTask supplies the batches; the Trainer adds gradient accumulation,
// periodic evaluation and a progress line to what the TrainingRun (training_run.h) does for every
// stage (AdamW, the LR schedule, clipping, bf16 autocast on CUDA, JSONL metrics, checkpoints with
// exact resume and the config check).
//
// Exact resume: a stage supplies a TrainingTask whose batch(step) is a pure function of the step
// (and the task's own seed), the schedule is a function of the step, and a checkpoint holds the
// weights, AdamW's moments and step counts, and the step counter. A run killed (even by SIGKILL)
// and restarted with resume = true therefore replays exactly the steps it had not checkpointed and
// ends with the same weights, bit for bit, as an uninterrupted run (same device, same thread count).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <torch/optim/adamw.h>

#include "gr2/core/jsonl.h"
#include "gr2/lm/qwen3_model.h"
#include "gr2/train/lm_batch.h"
#include "gr2/train/token_loss.h"
#include "gr2/train/train_config.h"
#include "gr2/train/training_run.h"

namespace gr2::train {

// What a stage trains on.
class TrainingTask {
 public:
  virtual ~TrainingTask() = default;
  // The batch of optimizer step `step` (0-based), on the CPU, with exactly config.batch_size rows.
  // Must depend only on the task's construction inputs and `step` (never on earlier calls), so that
  // a resumed run sees the same data.
  virtual LmBatch batch(int64_t step) = 0;
  // Held-out metrics ({"valid_loss": ..., ...}), called every eval_every steps and at the end, with
  // the model in eval mode under a NoGradGuard. Must not change anything batch() depends on.
  virtual Json evaluate(lm::Qwen3Lm& model) {
    (void)model;
    return Json::object();
  }
  // A short description stored in checkpoints and the training record (sizes, mixture, ...).
  virtual Json describe() const { return Json::object(); }
};

// The run's options (training_run.h: config, run_dir, log_path, device, label, resume, ...) and how
// the token loss is normalised.
struct TrainerOptions : RunOptions {
  LossNorm loss_norm = LossNorm::WeightSum;
};

// The options of a stage that writes the checkpoint directory `out_dir` (pretrain, midtrain, SFT):
// resumable state in out_dir/run, metrics in out_dir/train_log.jsonl, messages labelled `label`.
TrainerOptions stage_trainer_options(const TrainConfig& config, const std::string& out_dir, torch::Device device,
                                     const std::string& label, bool resume);

// Statistics of one optimizer step.
struct StepStats {
  int64_t step = 0;        // 0-based index of the step just taken
  double loss = 0;         // the step's loss (weighted mean per token with LossNorm::WeightSum)
  double lr = 0;
  double grad_norm = 0;    // global L2 norm before clipping
  int64_t tokens = 0;      // input positions processed (rows x trimmed length, all micro-batches)
  int64_t targets = 0;     // positions that carried a loss
  double seconds = 0;
};

struct TrainSummary {
  int64_t start_step = 0;      // > 0 when resumed
  int64_t steps = 0;           // total steps of the run (== config.steps when complete)
  double first_loss = 0;       // loss of the first step taken by this process (NaN if none)
  double last_loss = 0;        // mean loss of the last min(50, steps) steps taken by this process
  int64_t tokens = 0;          // over the whole run (including before a resume)
  double train_seconds = 0;    // over the whole run
  double tokens_per_second = 0;
  Json final_eval = Json::object();
  Json to_json() const;
};

class Trainer {
 public:
  // `model` is trained in place (moved to options.device). The task must outlive the trainer.
  // Throws Error for an invalid config.
  Trainer(lm::Qwen3Lm model, TrainingTask& task, TrainerOptions options);
  ~Trainer();

  // Resumes when asked and possible (refusing a checkpoint of another config), then trains to
  // config.steps, evaluating and checkpointing on schedule; the last step is always evaluated and
  // checkpointed (when run_dir is set). With config.ema_decay > 0 the model ends holding the
  // weight average (the final evaluation is the average's).
  TrainSummary run();

  // One optimizer step on task.batch(step) (exposed for tests; run() calls it).
  StepStats train_step(int64_t step);
  // Writes a checkpoint of the current state after `steps_done` steps.
  void checkpoint(int64_t steps_done);

  lm::Qwen3Lm& model() { return run_.model(); }
  torch::optim::AdamW& optimizer() { return run_.optimizer(); }
  const TrainerOptions& options() const { return options_; }

 private:
  // Evaluates the task (eval mode, no grad, autocast as training) and logs the metrics.
  Json evaluate(int64_t steps_done);

  TrainingTask& task_;
  TrainerOptions options_;
  TrainingRun run_;
};

}  // namespace gr2::train
