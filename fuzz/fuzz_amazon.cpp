// libFuzzer target: the Amazon (P5 / S3-Rec) sequences file and items.tsv through
// gr2::importer::load_amazon. The input is one byte choosing skip_bad_rows (odd: on), the
// sequences file, a NUL byte, then items.tsv. Only gr2::Error for bad input (naming file and line)
// may escape; an accepted pair must give a dataset whose invariants hold and whose texts are valid
// UTF-8 (importer_checks.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "gr2/data/import/amazon.h"
#include "importer_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto [sequences, items] = gr2::fuzz::split_at_nul({reinterpret_cast<const char*>(data) + 1, size - 1});
  gr2::importer::AmazonSources sources;
  sources.skip_bad_rows = (data[0] & 1) != 0;
  sources.sequences_path = gr2::fuzz::scratch_file("sequences.txt", sequences);
  sources.items_path = gr2::fuzz::scratch_file("items.tsv", items);
  gr2::fuzz::fuzz_importer([&] { return gr2::importer::load_amazon(sources); });
  return 0;
}
