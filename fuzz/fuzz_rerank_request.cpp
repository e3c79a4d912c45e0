// libFuzzer target: a /v1/rerank body through gr2::serve::parse_rerank_request (what gr2 serve runs
// on every request before the model). Only ApiError 400 may escape, with a valid UTF-8 message; an
// accepted call must hold distinct known candidates within the limits and a top_n in [1, K], and its
// response (incoming order) must serialise and parse back with top_n results.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "gr2/serve/api_error.h"
#include "gr2/serve/rerank_api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::set<std::string> catalog = {"a", "b", "c", "d", "e", "item-1", "item-2", "\xc3\xa9t\xc3\xa9"};
  gr2::serve::RerankLimits limits;
  limits.max_candidates = 6;
  limits.max_history = 4;
  limits.max_id_chars = 16;
  limits.max_text_chars = 32;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  gr2::serve::RerankCall call;
  try {
    call = gr2::serve::parse_rerank_request(body, limits, [](const std::string& id) { return catalog.count(id) > 0; });
  } catch (const gr2::serve::ApiError& e) {
    gr2::fuzz::check_or_crash(e.status() == 400);
    gr2::fuzz::check_utf8_or_crash(e.what());
    return 0;
  }
  const int k = call.request.size();
  gr2::fuzz::check_or_crash(k >= 1 && k <= limits.max_candidates);
  gr2::fuzz::check_or_crash(call.top_n >= 1 && call.top_n <= k);
  gr2::fuzz::check_or_crash(static_cast<int>(call.request.history.size()) <= limits.max_history);
  std::set<std::string> distinct;
  for (const gr2::Candidate& c : call.request.candidates) {
    gr2::fuzz::check_or_crash(catalog.count(c.item_id) > 0);
    distinct.insert(c.item_id);
  }
  gr2::fuzz::check_or_crash(static_cast<int>(distinct.size()) == k);
  gr2::serve::RerankOutcome outcome;
  for (int i = 0; i < k; ++i) outcome.order.push_back(i);
  outcome.fallback = "timeout";
  const std::string text = gr2::serve::rerank_response("rerank-1", "gr2", call, outcome).dump();
  gr2::fuzz::check_or_crash(gr2::Json::parse(text)["results"].size() == static_cast<size_t>(call.top_n));
  return 0;
}
