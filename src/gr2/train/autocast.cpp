// Autocast: LibTorch 2.4+ takes the device type; 2.0-2.3 has CUDA-specific setters.
#include "gr2/train/autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <torch/version.h>

namespace gr2::train {

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define GR2_AUTOCAST_BY_DEVICE 1
#endif

bool autocast_available(const torch::Device& device) {
#if TORCH_VERSION_MAJOR >= 2
  return device.is_cuda();
#else
  (void)device;
  return false;
#endif
}

AutocastGuard::AutocastGuard(bool enabled) : enabled_(enabled) {
#if TORCH_VERSION_MAJOR >= 2
  if (!enabled_) return;
#ifdef GR2_AUTOCAST_BY_DEVICE
  previous_ = at::autocast::is_autocast_enabled(c10::DeviceType::CUDA);
  previous_dtype_ = at::autocast::get_autocast_dtype(c10::DeviceType::CUDA);
  at::autocast::set_autocast_dtype(c10::DeviceType::CUDA, c10::ScalarType::BFloat16);
  at::autocast::set_autocast_enabled(c10::DeviceType::CUDA, true);
#else
  previous_ = at::autocast::is_enabled();
  previous_dtype_ = at::autocast::get_autocast_gpu_dtype();
  at::autocast::set_autocast_gpu_dtype(c10::ScalarType::BFloat16);
  at::autocast::set_enabled(true);
#endif
#else
  enabled_ = false;
#endif
}

AutocastGuard::~AutocastGuard() {
#if TORCH_VERSION_MAJOR >= 2
  if (!enabled_) return;
#ifdef GR2_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_enabled(c10::DeviceType::CUDA, previous_);
  at::autocast::set_autocast_dtype(c10::DeviceType::CUDA, previous_dtype_);
#else
  at::autocast::set_enabled(previous_);
  at::autocast::set_autocast_gpu_dtype(previous_dtype_);
#endif
  if (!previous_) at::autocast::clear_cache();
#endif
}

}  // namespace gr2::train
