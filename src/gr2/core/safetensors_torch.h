// Conversion between safetensors tensors (TensorView, SafetensorsWriter) and torch::Tensor, for
// checkpoints, embeddings and codebooks. The format itself is handled in safetensors.h.
#pragma once

#include <map>
#include <string>

#include <torch/types.h>

#include "gr2/core/safetensors.h"

namespace gr2 {

// The torch dtype that holds `dtype` (F32 -> kFloat, BF16 -> kBFloat16, BOOL -> kBool, ...).
torch::ScalarType to_scalar_type(Dtype dtype);
// The safetensors dtype of a torch dtype. Throws Error for types safetensors files in gr2 do not
// support (complex, unsigned 16/32/64-bit, quantized, ...).
Dtype dtype_of(torch::ScalarType type);

// A new CPU tensor with the view's dtype and shape holding a copy of its bytes, so it stays valid
// after the file is closed. BOOL bytes other than 0 become true.
torch::Tensor to_tensor(const TensorView& view);

// Adds `tensor` to `writer` under `name`, detached, moved to the CPU and made contiguous when
// needed. The writer keeps that tensor alive and shares its storage when it already is a contiguous
// CPU tensor (no copy), so the values written are those at write() time.
// Throws Error for an unsupported dtype or a duplicate name.
void add_tensor(SafetensorsWriter& writer, const std::string& name, const torch::Tensor& tensor);

// Every tensor of the file at `path` as CPU tensors, keyed by name. Throws Error naming the file.
std::map<std::string, torch::Tensor> load_tensors(const std::string& path);

// Writes `tensors` (and `metadata`) to `path` atomically.
void save_tensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                  const std::map<std::string, std::string>& metadata = {});

}  // namespace gr2
