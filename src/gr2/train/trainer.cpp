// The training loop: micro-batched forward/backward, clipping, AdamW, logging, evaluation,
// checkpoints and resume (through TrainingRun).
#include "gr2/train/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/core/log.h"
#include "gr2/core/progress.h"
#include "gr2/core/timing.h"
#include "gr2/dist/gradients.h"
#include "gr2/train/autocast.h"

namespace gr2::train {

Json TrainSummary::to_json() const {
  return Json{{"start_step", start_step},
              {"steps", steps},
              {"first_loss", std::isfinite(first_loss) ? Json(first_loss) : Json(nullptr)},
              {"last_loss", std::isfinite(last_loss) ? Json(last_loss) : Json(nullptr)},
              {"tokens", tokens},
              {"train_seconds", train_seconds},
              {"tokens_per_second", tokens_per_second},
              {"final_eval", final_eval}};
}

TrainerOptions stage_trainer_options(const TrainConfig& config, const std::string& out_dir, torch::Device device,
                                     const std::string& label, bool resume) {
  TrainerOptions o;
  static_cast<RunOptions&>(o) = stage_run_options(config, out_dir, device, label, resume);
  return o;
}

Trainer::Trainer(lm::Qwen3Lm model, TrainingTask& task, TrainerOptions options)
    : task_(task), options_(std::move(options)), run_(std::move(model), options_) {
  const TrainConfig& c = options_.config;
  const int64_t ranks = run_.world().size();
  require(c.batch_size % (ranks * c.grad_accum) == 0,
          options_.label + ": batch_size " + std::to_string(c.batch_size) + " must be a multiple of the world size " +
              std::to_string(ranks) + " times grad_accum " + std::to_string(c.grad_accum) +
              " (each rank takes an equal shard of every batch)");
}

Trainer::~Trainer() = default;

StepStats Trainer::train_step(int64_t step) {
  const TrainConfig& c = options_.config;
  Stopwatch clock;
  StepStats s;
  s.step = step;
  s.lr = run_.begin_step(step);

  const LmBatch global = task_.batch(step);
  require(global.rows() == c.batch_size, options_.label + ": the task gave " + std::to_string(global.rows()) +
                                             " rows for step " + std::to_string(step) + ", expected batch_size " +
                                             std::to_string(c.batch_size));
  // The normaliser is the whole global batch's, so that the gradients summed over ranks are the
  // gradient of the global batch (dist/gradients.h).
  const double weight_sum = global.weight_sum();
  const double norm = options_.loss_norm == LossNorm::WeightSum ? weight_sum : 1.0;
  require(norm > 0, options_.label + ": step " + std::to_string(step) + " has no target token");
  // Data parallel: rank r takes rows [r B/N, (r+1) B/N) of the global batch.
  dist::World& world = run_.world();
  const int64_t shard = c.batch_size / world.size();
  const LmBatch batch = world.size() > 1 ? global.slice_rows(world.rank() * shard, (world.rank() + 1) * shard) : global;

  run_.zero_grad();
  lm::Qwen3Lm& model = run_.model();
  model->train();
  const int64_t micro = shard / c.grad_accum;
  double loss_sum = 0;
  for (int64_t m = 0; m < c.grad_accum; ++m) {
    const LmBatch mb = batch.slice_rows(m * micro, (m + 1) * micro).to(options_.device);
    s.tokens += mb.input_ids.numel();
    torch::Tensor part;
    {
      AutocastGuard autocast(run_.autocast());
      part = lm_loss_sum(model, mb);
    }
    (part / norm).backward();
    loss_sum += part.item<double>();
  }
  s.targets = global.target_count();
  if (world.active()) {
    const auto sums = dist::sum_over_ranks(world, {loss_sum, static_cast<double>(s.tokens)}, "the sum of step losses");
    loss_sum = sums[0];
    s.tokens = static_cast<int64_t>(sums[1]);
  }
  s.loss = loss_sum / norm;
  require(std::isfinite(s.loss), options_.label + ": the loss became " + std::to_string(s.loss) + " at step " +
                                     std::to_string(step + 1) + " (lower the learning rate?)");
  s.grad_norm = run_.clip_and_step();
  s.seconds = clock.seconds();
  run_.count(s.tokens, s.seconds);
  return s;
}

void Trainer::checkpoint(int64_t steps_done) { run_.checkpoint(steps_done, Json{{"task", task_.describe()}}); }

Json Trainer::evaluate(int64_t steps_done) {
  lm::Qwen3Lm& model = run_.model();
  model->eval();
  Json metrics;
  {
    torch::NoGradGuard no_grad;
    AutocastGuard autocast(run_.autocast());
    metrics = task_.evaluate(model);
  }
  model->train();
  if (!metrics.empty()) {
    run_.log().log(Json{{"step", steps_done}, {"eval", metrics}});
    log_info(strprintf("%s: step %lld eval %s", options_.label.c_str(), static_cast<long long>(steps_done),
                 metrics.dump().c_str()));
  }
  return metrics;
}

TrainSummary Trainer::run() {
  const TrainConfig& c = options_.config;
  TrainSummary summary;
  summary.steps = c.steps;
  const int64_t start = run_.begin().step;
  if (start > 0)
    log_info(strprintf("%s: resumed from step %lld of %lld", options_.label.c_str(), static_cast<long long>(start),
                 static_cast<long long>(c.steps)));
  summary.start_step = start;

  Progress progress(options_.label, c.steps - start, "steps");
  std::deque<double> recent;
  double recent_sum = 0;
  summary.first_loss = std::numeric_limits<double>::quiet_NaN();
  summary.last_loss = std::numeric_limits<double>::quiet_NaN();
  int64_t window_tokens = 0;
  double window_seconds = 0;
  for (int64_t step = start; step < c.steps; ++step) {
    const StepStats s = train_step(step);
    const int64_t done = step + 1;
    if (step == start) summary.first_loss = s.loss;
    recent.push_back(s.loss);
    recent_sum += s.loss;
    if (recent.size() > 50) {
      recent_sum -= recent.front();
      recent.pop_front();
    }
    window_tokens += s.tokens;
    window_seconds += s.seconds;
    if (run_.log_due(done)) {
      const double tps = window_seconds > 0 ? static_cast<double>(window_tokens) / window_seconds : 0.0;
      Json record{{"step", done},
                  {"loss", s.loss},
                  {"lr", s.lr},
                  {"grad_norm", s.grad_norm},
                  {"tokens", run_.tokens()},
                  {"targets", s.targets},
                  {"tokens_per_s", tps},
                  {"elapsed_s", run_.train_seconds()}};
      if (run_.world().active()) {  // the data-parallel share: seconds summing gradients so far
        record["ranks"] = run_.world().size();
        record["comm_s"] = run_.comm_seconds();
      }
      run_.log().log(record);
      window_tokens = 0;
      window_seconds = 0;
    }
    progress.update(done - start, {{"loss", recent_sum / static_cast<double>(recent.size())},
                                   {"lr", s.lr},
                                   {"tok/s", run_.train_seconds() > 0 ? static_cast<double>(run_.tokens()) / run_.train_seconds() : 0.0}});
    const bool last = done == c.steps;
    // With a weight average the final evaluation is the average's (below, after the checkpoint).
    if ((last && !run_.has_weight_average()) || (!last && c.eval_every > 0 && done % c.eval_every == 0)) {
      Json m = evaluate(done);
      if (last) summary.final_eval = m;
    }
    if (run_.checkpoint_due(done)) checkpoint(done);
  }
  if (!recent.empty()) summary.last_loss = recent_sum / static_cast<double>(recent.size());
  progress.finish({{"loss", summary.last_loss}});
  // The run ends with the weight average as its model (the checkpoint keeps both).
  run_.load_weight_average_into_model();
  if (start == c.steps || run_.has_weight_average()) summary.final_eval = evaluate(c.steps);
  summary.tokens = run_.tokens();
  summary.train_seconds = run_.train_seconds();
  summary.tokens_per_second = summary.train_seconds > 0 ? static_cast<double>(summary.tokens) / summary.train_seconds : 0.0;
  return summary;
}

}  // namespace gr2::train
