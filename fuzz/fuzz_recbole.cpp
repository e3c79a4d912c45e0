// libFuzzer target: RecBole atomic files (MovieLens .inter and .item) through
// gr2::importer::load_movielens. The input is the .inter file, a NUL byte, then the .item file.
// Only gr2::Error (bad input, naming file and line) may escape; an accepted pair must give a
// dataset whose invariants hold and whose texts are valid UTF-8 (importer_checks.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "gr2/data/import/movielens.h"
#include "importer_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto [inter, item] = gr2::fuzz::split_at_nul({reinterpret_cast<const char*>(data), size});
  gr2::importer::MovieLensSources sources;
  sources.inter_path = gr2::fuzz::scratch_file("ml.inter", inter);
  sources.item_path = gr2::fuzz::scratch_file("ml.item", item);
  gr2::fuzz::fuzz_importer([&] { return gr2::importer::load_movielens(sources); });
  return 0;
}
