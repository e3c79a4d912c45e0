// Device selection (--device auto|cpu|cuda[:N]).
#include "gr2/core/device.h"

#include <torch/cuda.h>
#include <torch/version.h>
#include <ATen/Parallel.h>

#include <cstdlib>

#include "gr2/core/error.h"

namespace gr2 {
namespace {

// LOCAL_RANK in a data-parallel run (one GPU per rank on a machine), else 0.
int default_cuda_index() {
  const char* world = std::getenv("WORLD_SIZE");
  const char* local = std::getenv("LOCAL_RANK");
  if (!world || !*world || !local || !*local) return 0;
  return std::atoi(local);
}

}  // namespace

c10::Device resolve_device(const std::string& spec) {
  if (spec == "auto" && !torch::cuda::is_available()) return c10::Device(c10::kCPU);
  if (spec == "auto") return resolve_device("cuda");
  if (spec == "cpu") return c10::Device(c10::kCPU);
  if (spec.rfind("cuda", 0) == 0) {
    int index = default_cuda_index();
    if (spec.size() > 4) {
      if (spec[4] != ':' || spec.size() == 5) throw Error("--device '" + spec + "': expected cuda or cuda:N");
      try {
        index = std::stoi(spec.substr(5));
      } catch (...) {
        throw Error("--device '" + spec + "': expected cuda or cuda:N");
      }
    }
    if (!torch::cuda::is_available()) {
      throw Error("--device " + spec + ": CUDA is not available (this LibTorch build " +
                  std::string(TORCH_VERSION) + " has no CUDA or no GPU is visible); use --device cpu");
    }
    int count = static_cast<int>(torch::cuda::device_count());
    if (index < 0 || index >= count) {
      throw Error("--device " + spec + ": only " + std::to_string(count) + " CUDA device(s) visible");
    }
    return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw Error("--device '" + spec + "': expected auto, cpu, cuda or cuda:N");
}

std::string describe_device(const c10::Device& device) {
  return device.str() + " (LibTorch " + std::string(TORCH_VERSION) + ", " +
         std::to_string(at::get_num_threads()) + " CPU threads)";
}

}  // namespace gr2
