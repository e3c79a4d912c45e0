// The optimizer of every training stage: LibTorch's AdamW with two parameter groups, and its state
// as plain named tensors so that checkpoints can store it in safetensors and restore it exactly.
//
// Weight decay applies to the projection matrices only (attention q/k/v/o, MLP gate/up/down). It
// does not apply to the norm gains (they sit at 1; decay would pull them towards 0) nor to the token
// embedding / LM head rows: decoupled decay shrinks every row at every step while only the rows of
// tokens that occur get gradient, so rare tokens (SID codes, rare pieces) would fade relative to
// frequent ones.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <torch/optim/adamw.h>

#include "gr2/lm/qwen3_model.h"
#include "gr2/train/train_config.h"

namespace gr2::train {

// True for the parameters that get weight decay (HF name ends in "_proj.weight").
bool decays(const std::string& parameter_name);

// AdamW over `model`'s parameters: group 0 = decayed, group 1 = not decayed; lr, betas, eps and
// weight_decay from `config`.
std::unique_ptr<torch::optim::AdamW> make_adamw(lm::Qwen3Lm& model, const TrainConfig& config);

// Sets the learning rate of every group.
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

// AdamW's per-parameter state by HF parameter name.
struct AdamWState {
  std::map<std::string, torch::Tensor> exp_avg, exp_avg_sq;  // CPU copies
  std::map<std::string, int64_t> step;
};

// Copies the state of `optimizer` (built by make_adamw over `model`). Parameters that never had a
// gradient have no entry.
AdamWState get_adamw_state(torch::optim::AdamW& optimizer, lm::Qwen3Lm& model);
// Replaces the optimizer's state with `state` (tensors moved to each parameter's device and dtype).
// Throws Error for a name the model lacks or a shape mismatch.
void set_adamw_state(torch::optim::AdamW& optimizer, lm::Qwen3Lm& model, const AdamWState& state);

}  // namespace gr2::train
