// Device selection shared by every command: "auto" (CUDA when available, else CPU), "cpu", "cuda"
// or "cuda:N". Asking for CUDA where there is none is an error, never a silent fallback.
#pragma once

#include <string>

#include <c10/core/Device.h>

namespace gr2 {

// Parses and checks a --device value. Throws Error for unknown names or unavailable devices. In a
// data-parallel run (WORLD_SIZE and LOCAL_RANK set, dist/world.h) "auto" and "cuda" mean this
// rank's GPU, cuda:LOCAL_RANK.
c10::Device resolve_device(const std::string& spec);

// One line describing the device and the LibTorch build ("cpu (LibTorch 1.13.0, 2 threads)").
std::string describe_device(const c10::Device& device);

}  // namespace gr2
