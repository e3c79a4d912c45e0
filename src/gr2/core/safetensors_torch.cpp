// Conversion between safetensors TensorViews and torch::Tensor.
#include "gr2/core/safetensors_torch.h"

#include <cstring>
#include <memory>

#include <torch/torch.h>

#include "gr2/core/error.h"

namespace gr2 {

torch::ScalarType to_scalar_type(Dtype dtype) {
  switch (dtype) {
    case Dtype::F64: return torch::kFloat64;
    case Dtype::F32: return torch::kFloat32;
    case Dtype::F16: return torch::kFloat16;
    case Dtype::BF16: return torch::kBFloat16;
    case Dtype::I64: return torch::kInt64;
    case Dtype::I32: return torch::kInt32;
    case Dtype::I16: return torch::kInt16;
    case Dtype::I8: return torch::kInt8;
    case Dtype::U8: return torch::kUInt8;
    case Dtype::BOOL: return torch::kBool;
  }
  throw Error::internal("to_scalar_type: invalid Dtype " + std::to_string(static_cast<int>(dtype)));
}

Dtype dtype_of(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat64: return Dtype::F64;
    case torch::kFloat32: return Dtype::F32;
    case torch::kFloat16: return Dtype::F16;
    case torch::kBFloat16: return Dtype::BF16;
    case torch::kInt64: return Dtype::I64;
    case torch::kInt32: return Dtype::I32;
    case torch::kInt16: return Dtype::I16;
    case torch::kInt8: return Dtype::I8;
    case torch::kUInt8: return Dtype::U8;
    case torch::kBool: return Dtype::BOOL;
    default:
      throw Error(std::string("safetensors: torch dtype ") + c10::toString(type) +
                  " cannot be stored (supported: float64, float32, float16, bfloat16, int64, "
                  "int32, int16, int8, uint8, bool)");
  }
}

torch::Tensor to_tensor(const TensorView& view) {
  // BOOL is copied as bytes and then compared with 0, so a byte such as 2 cannot produce an
  // invalid bool value.
  const bool is_bool = view.dtype == Dtype::BOOL;
  torch::Tensor tensor = torch::empty(
      view.shape, torch::TensorOptions().dtype(is_bool ? torch::kUInt8 : to_scalar_type(view.dtype)));
  check_internal(static_cast<size_t>(tensor.nbytes()) == view.nbytes,
                 "to_tensor: TensorView byte size does not match its shape and dtype");
  if (view.nbytes > 0) std::memcpy(tensor.data_ptr(), view.data, view.nbytes);
  return is_bool ? tensor.ne(0) : tensor;
}

void add_tensor(SafetensorsWriter& writer, const std::string& name, const torch::Tensor& tensor) {
  Dtype dtype = dtype_of(tensor.scalar_type());
  auto stored = std::make_shared<torch::Tensor>(tensor.detach().to(torch::kCPU).contiguous());
  const void* data = stored->data_ptr();
  size_t nbytes = static_cast<size_t>(stored->nbytes());
  std::vector<int64_t> shape = stored->sizes().vec();
  writer.add_view(name, dtype, std::move(shape), data, nbytes, std::move(stored));
}

std::map<std::string, torch::Tensor> load_tensors(const std::string& path) {
  SafetensorsFile file = SafetensorsFile::open(path);
  std::map<std::string, torch::Tensor> tensors;
  for (const std::string& name : file.names()) tensors.emplace(name, to_tensor(file.tensor(name)));
  return tensors;
}

void save_tensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                  const std::map<std::string, std::string>& metadata) {
  SafetensorsWriter writer;
  for (const auto& [name, tensor] : tensors) add_tensor(writer, name, tensor);
  for (const auto& [key, value] : metadata) writer.set_metadata(key, value);
  writer.write(path);
}

}  // namespace gr2
