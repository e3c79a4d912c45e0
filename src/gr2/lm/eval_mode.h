// Scoped eval mode for inference (generation, beam search): the model's train/eval mode is restored
// on exit.
#pragma once

#include "gr2/lm/qwen3_model.h"

namespace gr2::lm {

class EvalModeGuard {
 public:
  explicit EvalModeGuard(torch::nn::Module& model) : model_(model), was_training_(model.is_training()) {
    model_.eval();
  }
  ~EvalModeGuard() { model_.train(was_training_); }
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  torch::nn::Module& model_;
  bool was_training_;
};

}  // namespace gr2::lm
