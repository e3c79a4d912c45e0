// libFuzzer target: the body of an OpenAI-compatible chat-completions reply through
// gr2::train::traces::teachers::read_chat_reply, for a fixed 4-candidate request. The first byte
// picks how the rest is used: the raw body; the message content of a well-formed reply; the
// reasoning_content of a reply cut off (finish_reason "length", content null); or the reasoning of
// an otherwise correct answer. Nothing may escape (any reply is a failed or a valid attempt); a
// valid attempt's order is a permutation of the candidates, and everything written into the trace
// is valid UTF-8 (it goes into the traces file as JSON).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "gr2/core/error.h"
#include "gr2/data/catalog.h"
#include "gr2/data/rank_request.h"
#include "gr2/prompt/prompt_renderer.h"
#include "gr2/sid/sid_table.h"
#include "gr2/train/traces/teachers/chat_reply.h"

namespace {

using gr2::Json;

struct Fixture {
  gr2::Catalog catalog;
  gr2::sid::SidTable sids;
  gr2::RankRequest request;

  Fixture() {
    const char* ids[] = {"S1", "S2", "C1", "R1", "B1", "K1"};
    sids.levels = 3;
    sids.codes = 8;
    for (int i = 0; i < 6; ++i) {
      catalog.add(gr2::Item{ids[i], std::string("Item ") + ids[i], {"Shop", ids[i][0] == 'K' ? "Kitchen" : "Care"}, "Brand", ""});
      sids.ids.push_back(ids[i]);
      for (int k : {i % 2, (i / 2) % 8, (3 * i + 1) % 8}) sids.sids.push_back(k);
    }
    request.request_id = "r0";
    request.history = {"S1", "K1"};
    for (const char* c : {"B1", "R1", "C1", "S2"}) request.candidates.push_back({c, 0.0});
  }
};

std::string reply_with(const Json& message, const char* finish_reason) {
  return Json{{"choices", Json::array({Json{{"index", 0}, {"message", message}, {"finish_reason", finish_reason}}})}}.dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Fixture fx;
  static const gr2::prompt::PromptRenderer renderer(fx.catalog, fx.sids);
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string text = gr2::utf8_excerpt(rest, rest.size());  // what a JSON string can carry
  std::string body;
  switch (data[0] % 4) {
    case 0: body = rest; break;
    case 1: body = reply_with({{"role", "assistant"}, {"content", text}}, "stop"); break;
    case 2: body = reply_with({{"role", "assistant"}, {"content", nullptr}, {"reasoning_content", text}}, "length"); break;
    default:
      try {  // the renderer refuses a reasoning that holds a special token (an Error, as it should)
        body = reply_with({{"role", "assistant"}, {"content", "<think>\n" + renderer.render_answer(fx.request, {2, 0, 3, 1}, text)}},
                          "stop");
      } catch (const gr2::Error&) {
        return 0;
      }
  }
  gr2::train::traces::teachers::TeacherTrace trace;
  gr2::train::traces::teachers::TeachRequest ask{&fx.request, -1, 0};
  gr2::train::traces::teachers::read_chat_reply(body, ask, renderer, {}, trace);
  gr2::fuzz::check_or_crash(trace.valid == trace.failure.empty());
  if (trace.valid) {
    std::vector<int> sorted = trace.order;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int> all(fx.request.candidates.size());
    std::iota(all.begin(), all.end(), 0);
    gr2::fuzz::check_or_crash(sorted == all);
  }
  // The traces file stores these as JSON: dump() throws on invalid UTF-8, which would be a finding.
  (void)Json{{"info", trace.info}, {"message", trace.message}, {"failure", trace.failure}, {"reasoning", trace.reasoning}}.dump();
  return 0;
}
