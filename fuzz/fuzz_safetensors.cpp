// libFuzzer target: arbitrary bytes through gr2::SafetensorsFile::parse, then every tensor is read
// in full and the file is re-written with SafetensorsWriter and parsed again. Only gr2::Error may
// escape parse(); an accepted file must yield consistent views and survive the round trip.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "gr2/core/error.h"
#include "gr2/core/safetensors.h"

namespace {

volatile uint8_t g_sink;

void require(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::optional<gr2::SafetensorsFile> parsed;
  try {
    parsed.emplace(gr2::SafetensorsFile::parse(bytes, "fuzz.safetensors"));
  } catch (const gr2::Error&) {
    return 0;
  }
  // From here on nothing may throw: an exception escaping is reported as a crash.
  const gr2::SafetensorsFile& file = *parsed;
  gr2::SafetensorsWriter writer;
  uint8_t checksum = 0;
  for (const std::string& name : file.names()) {
    require(file.has(name));
    gr2::TensorView view = file.tensor(name);
    require(static_cast<uint64_t>(view.numel()) * gr2::dtype_size(view.dtype) == view.nbytes);
    require(view.nbytes == 0 || (view.data >= data && view.data + view.nbytes <= data + size));
    for (size_t i = 0; i < view.nbytes; ++i) checksum ^= view.data[i];  // ASan checks each read
    writer.add_view(name, view.dtype, view.shape, view.data, view.nbytes);
  }
  g_sink = checksum;
  for (const auto& [key, value] : file.metadata()) writer.set_metadata(key, value);

  std::string rewritten = writer.serialize();
  gr2::SafetensorsFile again = gr2::SafetensorsFile::parse(rewritten, "rewritten");
  require(again.size() == file.size() && again.metadata() == file.metadata());
  for (const std::string& name : file.names()) {
    require(again.has(name));
    gr2::TensorView a = file.tensor(name);
    gr2::TensorView b = again.tensor(name);
    require(a.dtype == b.dtype && a.shape == b.shape && a.nbytes == b.nbytes);
    require(a.nbytes == 0 || std::memcmp(a.data, b.data, a.nbytes) == 0);
  }
  return 0;
}
