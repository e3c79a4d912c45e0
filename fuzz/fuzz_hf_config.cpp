// libFuzzer target: a Hugging Face config.json through gr2::lm::ModelConfig::from_hf_json. Only
// gr2::Error may escape; an accepted config must be a valid shape (validate() passes, a positive
// parameter count that does not overflow) and survive the round trip through to_hf_json unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "gr2/core/error.h"
#include "gr2/lm/model_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Not JSON: the reader's own error (model_checkpoint.cpp wraps the parser's exception).
  const gr2::Json json = gr2::Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  gr2::lm::ModelConfig config;
  try {
    config = gr2::lm::ModelConfig::from_hf_json(json, "fuzz/config.json");
  } catch (const gr2::Error&) {
    return 0;
  }
  config.validate();  // an accepted config that fails validation escapes as a finding
  gr2::fuzz::check_or_crash(config.parameter_count() > 0);
  const gr2::Json written = config.to_hf_json();
  const gr2::lm::ModelConfig again = gr2::lm::ModelConfig::from_hf_json(written, "fuzz/written.json");
  gr2::fuzz::check_or_crash(again.to_hf_json() == written);
  return 0;
}
