// libFuzzer target: a sharded checkpoint's model.safetensors.index.json through
// gr2::lm::shard_files. Only gr2::Error may escape; an accepted index names at least one shard,
// sorted and without repeats, each a plain file name of the checkpoint directory (nothing that
// could leave it).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "gr2/core/error.h"
#include "gr2/lm/shard_index.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const gr2::Json index = gr2::Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (index.is_discarded()) return 0;
  std::vector<std::string> files;
  try {
    files = gr2::lm::shard_files(index, "fuzz/model.safetensors.index.json");
  } catch (const gr2::Error&) {
    return 0;
  }
  gr2::fuzz::check_or_crash(!files.empty());
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& f = files[i];
    gr2::fuzz::check_or_crash(!f.empty() && f != "." && f != "..");
    gr2::fuzz::check_or_crash(f.find('/') == std::string::npos && f.find('\\') == std::string::npos);
    gr2::fuzz::check_or_crash(f.find('\0') == std::string::npos);
    gr2::fuzz::check_or_crash(i == 0 || files[i - 1] < f);
    gr2::fuzz::check_utf8_or_crash(f);
  }
  return 0;
}
