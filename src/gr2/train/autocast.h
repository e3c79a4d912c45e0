// Mixed precision for training and evaluation forward passes: bf16 autocast on CUDA with LibTorch
// 2.x; a no-op on the CPU (which trains in float32) and with LibTorch 1.13.
#pragma once

#include <torch/types.h>

namespace gr2::train {

// True when forward passes on `device` run under bf16 autocast with this build ("auto" precision).
bool autocast_available(const torch::Device& device);

// Enables bf16 autocast for CUDA ops on this thread while alive (when `enabled`), restoring the
// previous state and clearing the cast cache on destruction. Wrap forward passes only.
class AutocastGuard {
 public:
  explicit AutocastGuard(bool enabled);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool enabled_;
  bool previous_ = false;
  torch::ScalarType previous_dtype_ = torch::kHalf;
};

}  // namespace gr2::train
