// libFuzzer target: one JSONL line through gr2::parse_json_line and the catalog, event and slate
// record parsers. Only gr2::Error may escape a parser; anything else (a crash, a sanitizer report,
// another exception type) is a bug. Records that parse must survive a to_json/from_json round trip.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gr2/core/error.h"
#include "gr2/core/jsonl.h"
#include "gr2/data/catalog.h"
#include "gr2/data/events.h"
#include "gr2/data/slates.h"

namespace {

const std::string kWhere = "fuzz.jsonl:1";

// Parses `record` with `from_json`; when it is accepted, its canonical JSON (`to_json`) must parse
// again (an escaping Error is then reported as a crash) and give the same canonical JSON.
template <typename FromJson, typename ToJson>
void check_record(const gr2::Json& record, FromJson from_json, ToJson to_json) {
  gr2::Json canonical;
  try {
    canonical = to_json(from_json(record));
  } catch (const gr2::Error&) {
    return;
  }
  if (to_json(from_json(canonical)) != canonical) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  gr2::Json record;
  try {
    record = gr2::parse_json_line(line, kWhere);
  } catch (const gr2::Error&) {
    return 0;
  }
  check_record(
      record, [](const gr2::Json& r) { return gr2::item_from_json(r, kWhere); },
      [](const gr2::Item& item) { return gr2::item_to_json(item); });
  check_record(
      record, [](const gr2::Json& r) { return gr2::event_from_json(r, kWhere); },
      [](const gr2::Event& event) { return gr2::event_to_json(event); });
  const gr2::SlateLimits limits;
  check_record(
      record, [&](const gr2::Json& r) { return gr2::slate_from_json(r, kWhere, limits); },
      [](const gr2::Slate& slate) { return gr2::SlateWriter::slate_to_json(slate); });
  return 0;
}
