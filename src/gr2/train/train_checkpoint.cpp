// Writing and reading resumable checkpoints (atomic directory rename + `latest` pointer).
#include "gr2/train/train_checkpoint.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/safetensors_torch.h"
#include "gr2/lm/checkpoint_dir.h"
#include "gr2/lm/model_checkpoint.h"

namespace gr2::train {
namespace fs = std::filesystem;
namespace {

std::string step_name(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step-%08lld", static_cast<long long>(step));
  return buf;
}

// fsyncs a directory so that a rename inside it is durable.
void sync_directory(const std::string& dir) {
  FILE* f = std::fopen(dir.c_str(), "r");
  if (!f) return;
  ::fsync(::fileno(f));
  std::fclose(f);
}

Json read_json(const std::string& path) {
  try {
    return Json::parse(read_file(path));
  } catch (const Json::exception& e) {
    throw Error(path + ": not valid JSON (" + e.what() + ")");
  }
}

}  // namespace

Json TrainerState::to_json() const {
  return Json{{"step", step}, {"tokens", tokens}, {"train_seconds", train_seconds}, {"config", config}, {"extra", extra}};
}

TrainerState TrainerState::from_json(const Json& j, const std::string& where) {
  TrainerState s;
  try {
    s.step = j.at("step").get<int64_t>();
    s.tokens = j.at("tokens").get<int64_t>();
    s.train_seconds = j.at("train_seconds").get<double>();
    s.config = j.at("config");
    s.extra = j.value("extra", Json::object());
  } catch (const Json::exception& e) {
    throw Error(where + ": missing or mistyped field (" + e.what() + ")");
  }
  return s;
}

std::string checkpoints_dir(const std::string& run_dir) { return join_path(run_dir, "checkpoints"); }

void save_train_checkpoint(const std::string& run_dir, lm::Qwen3Lm& model, torch::optim::AdamW& optimizer,
                           const TrainerState& state, int keep, const WeightAverage& ema) {
  const std::string root = checkpoints_dir(run_dir);
  make_directories(root);
  const std::string name = step_name(state.step);
  const std::string final_dir = join_path(root, name);
  const std::string temp_dir = final_dir + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(temp_dir, ec);
  make_directories(temp_dir);

  lm::save_model(temp_dir, model, "float32");
  const AdamWState adam = get_adamw_state(optimizer, model);
  std::map<std::string, torch::Tensor> tensors;
  Json steps = Json::object();
  for (const auto& [param, m] : adam.exp_avg) {
    tensors["exp_avg/" + param] = m.to(torch::kFloat);
    tensors["exp_avg_sq/" + param] = adam.exp_avg_sq.at(param).to(torch::kFloat);
    steps[param] = adam.step.at(param);
  }
  for (const auto& [param, w] : ema) tensors["ema/" + param] = w.to(torch::kFloat);
  save_tensors(join_path(temp_dir, "optimizer.safetensors"), tensors, {{"format", "gr2-adamw"}});
  Json js = state.to_json();
  js["adam_steps"] = steps;
  write_file_atomic(join_path(temp_dir, "trainer_state.json"), js.dump(2) + "\n");
  sync_directory(temp_dir);

  // Replace an existing checkpoint of the same step (a rerun of the last step) only after the new
  // one is complete.
  if (fs::exists(final_dir)) {
    const std::string old = final_dir + ".old-" + std::to_string(::getpid());
    fs::rename(final_dir, old);
    fs::rename(temp_dir, final_dir);
    fs::remove_all(old, ec);
  } else {
    fs::rename(temp_dir, final_dir);
  }
  sync_directory(root);
  write_file_atomic(join_path(root, "latest"), name + "\n");

  // Older complete checkpoints beyond `keep`, and leftovers of killed writes.
  std::vector<std::string> complete;
  for (const auto& entry : fs::directory_iterator(root)) {
    const std::string n = entry.path().filename().string();
    if (n.rfind("step-", 0) != 0) continue;
    if (n.find(".tmp-") != std::string::npos || n.find(".old-") != std::string::npos) {
      if (entry.path().string() != temp_dir) fs::remove_all(entry.path(), ec);
      continue;
    }
    complete.push_back(n);
  }
  std::sort(complete.begin(), complete.end());
  const size_t keep_n = static_cast<size_t>(std::max(1, keep));
  for (size_t i = 0; i + keep_n < complete.size(); ++i) {
    if (complete[i] != name) fs::remove_all(join_path(root, complete[i]), ec);
  }
}

std::optional<std::string> latest_checkpoint(const std::string& run_dir) {
  const std::string root = checkpoints_dir(run_dir);
  const std::string pointer = join_path(root, "latest");
  if (!file_exists(pointer)) return std::nullopt;
  std::string name = read_file(pointer);
  while (!name.empty() && (name.back() == '\n' || name.back() == '\r' || name.back() == ' ')) name.pop_back();
  const std::string dir = join_path(root, name);
  require(file_exists(join_path(dir, "trainer_state.json")),
          pointer + " names '" + name + "', which has no trainer_state.json (remove " + root + " to start over)");
  return dir;
}

TrainerState load_train_checkpoint(const std::string& dir, lm::Qwen3Lm& model, torch::optim::AdamW& optimizer,
                                   WeightAverage* ema) {
  const std::string state_path = join_path(dir, "trainer_state.json");
  const Json js = read_json(state_path);
  TrainerState state = TrainerState::from_json(js, state_path);

  const lm::ModelConfig saved = lm::load_model_config(dir);
  require(saved.to_hf_json() == model->config().to_hf_json(),
          lm::CheckpointDir{dir}.config() + ": the checkpoint's model config differs from this run's model");
  const std::string weights_path = lm::CheckpointDir{dir}.weights();
  auto weights = load_tensors(weights_path);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : model->named_parameters()) {
      auto it = weights.find(p.key());
      require(it != weights.end(), weights_path + ": missing tensor '" + p.key() + "'");
      require(it->second.sizes() == p.value().sizes(), weights_path + ": tensor '" + p.key() + "' has the wrong shape");
      p.value().copy_(it->second.to(p.value().scalar_type()));
    }
  }

  const std::string opt_path = join_path(dir, "optimizer.safetensors");
  auto tensors = load_tensors(opt_path);
  AdamWState adam;
  const Json steps = js.value("adam_steps", Json::object());
  for (const auto& [param, step] : steps.items()) {
    auto m = tensors.find("exp_avg/" + param);
    auto v = tensors.find("exp_avg_sq/" + param);
    require(m != tensors.end() && v != tensors.end(), opt_path + ": missing moments of '" + param + "'");
    adam.exp_avg[param] = m->second;
    adam.exp_avg_sq[param] = v->second;
    adam.step[param] = step.get<int64_t>();
  }
  set_adamw_state(optimizer, model, adam);
  if (ema != nullptr) {
    torch::NoGradGuard no_grad;
    for (auto& [param, w] : *ema) {
      auto it = tensors.find("ema/" + param);
      require(it != tensors.end(), opt_path + ": no weight average of '" + param +
                                       "' (the checkpoint was written without ema_decay)");
      w.copy_(it->second);
    }
  }
  return state;
}

}  // namespace gr2::train
