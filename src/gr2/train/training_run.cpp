// TrainingRun: optimizer, schedule, clipping, resume with the config check, checkpoints, metrics log.
#include "gr2/train/training_run.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include <torch/torch.h>

#include "gr2/core/cpu_threads.h"
#include "gr2/core/error.h"
#include "gr2/core/timing.h"
#include "gr2/core/file_io.h"
#include "gr2/dist/config_check.h"
#include "gr2/dist/gradients.h"
#include "gr2/lm/checkpoint_dir.h"
#include "gr2/train/adamw.h"
#include "gr2/train/autocast.h"
#include "gr2/train/lr_schedule.h"
#include "gr2/train/train_checkpoint.h"

namespace gr2::train {
namespace {

// The knobs that must match for a resumed run to be exact: all but the reporting intervals, at the
// top level and in a nested "train" object.
Json resume_relevant(Json config) {
  auto strip = [](Json& j) {
    if (!j.is_object()) return;
    for (const char* k : {"eval_every", "checkpoint_every", "log_every"}) j.erase(k);
  };
  strip(config);
  if (config.is_object() && config.contains("train")) strip(config["train"]);
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

RunOptions stage_run_options(const TrainConfig& config, const std::string& out_dir, torch::Device device,
                             const std::string& label, bool resume) {
  RunOptions o;
  o.config = config;
  o.run_dir = lm::CheckpointDir{out_dir}.run();
  o.log_path = join_path(out_dir, "train_log.jsonl");
  o.device = device;
  o.label = label;
  o.resume = resume;
  return o;
}

TrainingRun::TrainingRun(lm::Qwen3Lm model, RunOptions options) : model_(std::move(model)), options_(std::move(options)) {
  options_.config.validate(options_.label);
  if (options_.resume_config.is_null()) options_.resume_config = options_.config.to_json();
  world_ = &dist::join_world(options_.device);
  dist::require_same_run_on_all_ranks(*world_, options_.label, options_.resume_config);
  if (!world_->is_main()) options_.log_path.clear();  // metrics from rank 0 only
  if (options_.config.threads > 0) set_cpu_threads(options_.config.threads);
  model_->to(options_.device);
  model_->train();
  optimizer_ = make_adamw(model_, options_.config);
  params_ = model_->parameters();
  if (options_.config.ema_decay > 0) {
    torch::NoGradGuard no_grad;
    for (const auto& p : model_->named_parameters()) {
      auto& avg = ema_[p.key()];
      avg = p.value().detach().to(torch::kFloat).clone();
      ema_pairs_.emplace_back(avg, p.value());
    }
  }
  autocast_ = options_.config.precision == "auto" && autocast_available(options_.device);
  if (const char* kill = std::getenv("GR2_FAULT_KILL_AT_STEP")) kill_at_step_ = std::atoll(kill);
}

TrainingRun::~TrainingRun() = default;

RunStart TrainingRun::begin() {
  RunStart start;
  const std::string& label = options_.label;
  if (options_.resume && !options_.run_dir.empty()) {
    if (const auto dir = latest_checkpoint(options_.run_dir)) {
      TrainerState state = load_train_checkpoint(*dir, model_, *optimizer_, ema_.empty() ? nullptr : &ema_);
      const Json want = resume_relevant(options_.resume_config);
      const Json have = resume_relevant(state.config);
      if (want != have) {
        std::string diff;
        dist::describe_json_differences(want, have, label + ".", "checkpoint", "now", diff);
        throw Error(*dir + ": cannot resume exactly with a different training config:" + diff +
                    "; use the same config or remove " + checkpoints_dir(options_.run_dir) + " to start over");
      }
      start.step = state.step;
      start.stage_state = state.extra.value("stage_state", Json::object());
      tokens_ = state.tokens;
      train_seconds_ = state.train_seconds;
    }
  } else if (!options_.run_dir.empty() && latest_checkpoint(options_.run_dir)) {
    throw Error(label + ": " + checkpoints_dir(options_.run_dir) +
                " already holds a checkpoint; pass --resume to continue it or remove it to start over");
  }
  require(start.step <= options_.config.steps, label + ": the checkpoint is at step " + std::to_string(start.step) +
                                                   ", beyond the configured " + std::to_string(options_.config.steps) + " steps");
  // Every rank loaded the same start (or checkpoint); rank 0's copy is made everyone's, so replicas
  // cannot drift from a file read differently.
  dist::broadcast_parameters(*world_, params_);
  if (start.step > 0) truncate_metrics_log(options_.log_path, start.step);
  else if (!options_.log_path.empty() && file_exists(options_.log_path)) write_file_atomic(options_.log_path, "");
  log_ = std::make_unique<MetricsLog>(options_.log_path);
  return start;
}

double TrainingRun::begin_step(int64_t step) {
  if (step == kill_at_step_) {
    std::fprintf(stderr, "%s: GR2_FAULT_KILL_AT_STEP=%lld: exiting as if killed\n", options_.label.c_str(),
                 static_cast<long long>(step));
    std::_Exit(137);
  }
  const TrainConfig& c = options_.config;
  const double lr = learning_rate_at(step, c.steps, c.warmup_steps, c.learning_rate, c.min_lr_ratio);
  set_learning_rate(*optimizer_, lr);
  return lr;
}

void TrainingRun::zero_grad() { optimizer_->zero_grad(); }

double TrainingRun::clip_and_step() {
  if (world_->active()) {
    Stopwatch clock;
    dist::all_reduce_gradients(*world_, params_);
    comm_seconds_ += clock.seconds();
  }
  const double norm = clip_gradients(params_, options_.config.grad_clip);
  optimizer_->step();
  if (!ema_pairs_.empty()) {
    torch::NoGradGuard no_grad;
    const double d = options_.config.ema_decay;
    for (auto& [avg, param] : ema_pairs_) avg.mul_(d).add_(param.detach().to(torch::kFloat), 1.0 - d);
  }
  return norm;
}

void TrainingRun::load_weight_average_into_model() {
  if (ema_pairs_.empty()) return;
  torch::NoGradGuard no_grad;
  for (auto& [avg, param] : ema_pairs_) param.copy_(avg);
}

void TrainingRun::count(int64_t tokens, double seconds) {
  tokens_ += tokens;
  train_seconds_ += seconds;
}

bool TrainingRun::checkpoint_due(int64_t done) const {
  const TrainConfig& c = options_.config;
  return done == c.steps || (c.checkpoint_every > 0 && done % c.checkpoint_every == 0);
}

bool TrainingRun::log_due(int64_t done) const {
  const TrainConfig& c = options_.config;
  return done == c.steps || done % c.log_every == 0;
}

void TrainingRun::checkpoint(int64_t steps_done, const Json& stage_state) {
  if (options_.run_dir.empty() || !world_->is_main()) return;
  TrainerState state;
  state.step = steps_done;
  state.tokens = tokens_;
  state.train_seconds = train_seconds_;
  state.config = options_.resume_config;
  state.extra = Json{{"label", options_.label}, {"stage_state", stage_state}};
  save_train_checkpoint(options_.run_dir, model_, *optimizer_, state, options_.keep_checkpoints, ema_);
}

}  // namespace gr2::train
