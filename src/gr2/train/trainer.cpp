// The training loop: micro-batched forward/backward, clipping, AdamW, logging, evaluation,
// checkpoints and resume.
#include "gr2/train/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <limits>
#include <sstream>

#include <torch/torch.h>

#include "gr2/core/cpu_threads.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/metrics_log.h"
#include "gr2/core/progress.h"
#include "gr2/core/timing.h"
#include "gr2/train/autocast.h"
#include "gr2/train/lr_schedule.h"

namespace gr2::train {
namespace {

// The knobs that must match for a resumed run to be exact (not the reporting intervals).
Json resume_relevant(Json config) {
  for (const char* k : {"eval_every", "checkpoint_every", "log_every"}) config.erase(k);
  return config;
}

// Global L2 norm of the gradients; scales them to max_norm when larger (as torch's clip_grad_norm_:
// coefficient max_norm / (norm + 1e-6), clamped to 1). max_norm <= 0: no clipping.
double clip_gradients(const std::vector<torch::Tensor>& params, double max_norm) {
  std::vector<torch::Tensor> norms;
  for (const auto& p : params)
    if (p.grad().defined()) norms.push_back(p.grad().detach().norm(2));
  if (norms.empty()) return 0.0;
  auto total = torch::stack(norms).norm(2);
  const double norm = total.item<double>();
  if (max_norm > 0 && norm > max_norm) {
    auto coef = torch::clamp(max_norm / (total + 1e-6), c10::nullopt, 1.0);
    for (const auto& p : params)
      if (p.grad().defined()) p.grad().detach().mul_(coef);
  }
  return norm;
}

}  // namespace

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

void truncate_metrics_log(const std::string& path, int64_t step) {
  if (path.empty() || !file_exists(path)) return;
  std::istringstream in(read_file(path));
  std::string out, line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      const Json j = Json::parse(line);
      if (j.contains("step") && j["step"].is_number_integer() && j["step"].get<int64_t>() > step) continue;
    } catch (const Json::exception&) {
      continue;  // a line cut by a kill
    }
    out += line + "\n";
  }
  write_file_atomic(path, out);
}

Trainer::Trainer(lm::Qwen3Lm model, TrainingTask& task, TrainerOptions options)
    : model_(std::move(model)), task_(task), options_(std::move(options)) {
  options_.config.validate(options_.label);
  if (options_.config.threads > 0) set_cpu_threads(options_.config.threads);
  model_->to(options_.device);
  model_->train();
  optimizer_ = make_adamw(model_, options_.config);
  params_ = model_->parameters();
  autocast_ = options_.config.precision == "auto" && autocast_available(options_.device);
}

Trainer::~Trainer() = default;

StepStats Trainer::train_step(int64_t step) {
  const TrainConfig& c = options_.config;
  Stopwatch clock;
  StepStats s;
  s.step = step;
  s.lr = learning_rate_at(step, c.steps, c.warmup_steps, c.learning_rate, c.min_lr_ratio);
  set_learning_rate(*optimizer_, s.lr);

  const LmBatch batch = task_.batch(step);
  require(batch.rows() == c.batch_size, options_.label + ": the task gave " + std::to_string(batch.rows()) +
                                            " rows for step " + std::to_string(step) + ", expected batch_size " +
                                            std::to_string(c.batch_size));
  const double weight_sum = batch.weight_sum();
  const double norm = options_.loss_norm == LossNorm::WeightSum ? weight_sum : 1.0;
  require(norm > 0, options_.label + ": step " + std::to_string(step) + " has no target token");

  optimizer_->zero_grad();
  model_->train();
  const int64_t micro = c.batch_size / c.grad_accum;
  double loss_sum = 0;
  for (int64_t m = 0; m < c.grad_accum; ++m) {
    const LmBatch mb = batch.slice_rows(m * micro, (m + 1) * micro).to(options_.device);
    s.tokens += mb.input_ids.numel();
    torch::Tensor part;
    {
      AutocastGuard autocast(autocast_);
      part = lm_loss_sum(model_, mb);
    }
    (part / norm).backward();
    loss_sum += part.item<double>();
  }
  s.targets = batch.target_count();
  s.loss = loss_sum / norm;
  require(std::isfinite(s.loss), options_.label + ": the loss became " + std::to_string(s.loss) + " at step " +
                                     std::to_string(step + 1) + " (lower the learning rate?)");
  s.grad_norm = clip_gradients(params_, c.grad_clip);
  optimizer_->step();
  s.seconds = clock.seconds();
  tokens_ += s.tokens;
  train_seconds_ += s.seconds;
  return s;
}

int64_t Trainer::restore() {
  if (options_.run_dir.empty()) return 0;
  const auto dir = latest_checkpoint(options_.run_dir);
  if (!dir) return 0;
  TrainerState state = load_train_checkpoint(*dir, model_, *optimizer_);
  const Json want = resume_relevant(options_.config.to_json());
  const Json have = resume_relevant(state.config);
  if (want != have) {
    std::string diff;
    for (const auto& [k, v] : want.items()) {
      if (!have.contains(k) || have[k] != v)
        diff += " " + options_.label + "." + k + " (checkpoint " + (have.contains(k) ? have[k].dump() : "absent") +
                ", now " + v.dump() + ")";
    }
    throw Error(*dir + ": cannot resume exactly with a different training config:" + diff + "; use the same config or remove " +
                checkpoints_dir(options_.run_dir) + " to start over");
  }
  tokens_ = state.tokens;
  train_seconds_ = state.train_seconds;
  return state.step;
}

void Trainer::checkpoint(int64_t steps_done) {
  if (options_.run_dir.empty()) return;
  TrainerState state;
  state.step = steps_done;
  state.tokens = tokens_;
  state.train_seconds = train_seconds_;
  state.config = options_.config.to_json();
  state.extra = Json{{"task", task_.describe()}, {"label", options_.label}};
  save_train_checkpoint(options_.run_dir, model_, *optimizer_, state, options_.keep_checkpoints);
}

TrainSummary Trainer::run() {
  const TrainConfig& c = options_.config;
  TrainSummary summary;
  summary.steps = c.steps;
  int64_t start = 0;
  if (options_.resume) {
    start = restore();
    if (start > 0)
      std::fprintf(stderr, "%s: resumed from step %lld of %lld\n", options_.label.c_str(), static_cast<long long>(start),
                   static_cast<long long>(c.steps));
  } else if (!options_.run_dir.empty() && latest_checkpoint(options_.run_dir)) {
    throw Error(options_.label + ": " + checkpoints_dir(options_.run_dir) +
                " already holds a checkpoint; pass --resume to continue it or remove it to start over");
  }
  require(start <= c.steps, options_.label + ": the checkpoint is at step " + std::to_string(start) +
                                ", beyond the configured " + std::to_string(c.steps) + " steps");
  summary.start_step = start;
  if (start > 0) truncate_metrics_log(options_.log_path, start);
  else if (!options_.log_path.empty() && file_exists(options_.log_path)) write_file_atomic(options_.log_path, "");
  MetricsLog log(options_.log_path);

  auto evaluate = [&](int64_t steps_done) {
    model_->eval();
    Json metrics;
    {
      torch::NoGradGuard no_grad;
      AutocastGuard autocast(autocast_);
      metrics = task_.evaluate(model_);
    }
    model_->train();
    if (!metrics.empty()) {
      log.log(Json{{"step", steps_done}, {"eval", metrics}});
      std::fprintf(stderr, "%s: step %lld eval %s\n", options_.label.c_str(), static_cast<long long>(steps_done),
                   metrics.dump().c_str());
    }
    return metrics;
  };

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
    if (done % c.log_every == 0 || done == c.steps) {
      const double tps = window_seconds > 0 ? static_cast<double>(window_tokens) / window_seconds : 0.0;
      log.log(Json{{"step", done},
                   {"loss", s.loss},
                   {"lr", s.lr},
                   {"grad_norm", s.grad_norm},
                   {"tokens", tokens_},
                   {"targets", s.targets},
                   {"tokens_per_s", tps},
                   {"elapsed_s", train_seconds_}});
      window_tokens = 0;
      window_seconds = 0;
    }
    progress.update(done - start, {{"loss", recent_sum / static_cast<double>(recent.size())},
                                   {"lr", s.lr},
                                   {"tok/s", train_seconds_ > 0 ? static_cast<double>(tokens_) / train_seconds_ : 0.0}});
    const bool last = done == c.steps;
    if (last || (c.eval_every > 0 && done % c.eval_every == 0)) {
      Json m = evaluate(done);
      if (last) summary.final_eval = m;
    }
    if (last || (c.checkpoint_every > 0 && done % c.checkpoint_every == 0)) checkpoint(done);
  }
  if (!recent.empty()) summary.last_loss = recent_sum / static_cast<double>(recent.size());
  progress.finish({{"loss", summary.last_loss}});
  if (start == c.steps) summary.final_eval = evaluate(c.steps);
  summary.tokens = tokens_;
  summary.train_seconds = train_seconds_;
  summary.tokens_per_second = train_seconds_ > 0 ? static_cast<double>(tokens_) / train_seconds_ : 0.0;
  return summary;
}

}  // namespace gr2::train
