// The /v1/rerank request parser and response builder (see rerank_api.h).
#include "gr2/serve/rerank_api.h"

#include <cmath>
#include <unordered_set>

#include "gr2/core/error.h"
#include "gr2/core/log.h"
#include "gr2/core/utf8.h"
#include "gr2/serve/api_error.h"
#include "gr2/serve/request_json.h"

namespace gr2::serve {
namespace {

[[noreturn]] void reject(const std::string& message) { throw ApiError::bad_request(message); }

// An id quoted for a message: at most 64 bytes, valid UTF-8, control characters as \uXXXX (a NUL
// would otherwise end the message where it is read as a C string).
std::string item_name(const std::string& s) {
  std::string out = "'";
  for (char ch : utf8_excerpt(s, 64)) {
    if (static_cast<unsigned char>(ch) < 0x20) {
      out += strprintf("\\u%04x", static_cast<unsigned>(ch));
    } else {
      out += ch;
    }
  }
  return out + "'";
}


std::string string_field(const Json& value, const std::string& where, int max_chars, bool allow_empty) {
  if (!value.is_string()) reject(where + ": expected a string, got " + json_type_name(value));
  const std::string& s = value.get_ref<const std::string&>();
  if (!allow_empty && s.empty()) reject(where + ": must not be empty");
  if (static_cast<int64_t>(s.size()) > max_chars)
    reject(where + ": " + std::to_string(s.size()) + " bytes, more than the limit of " + std::to_string(max_chars));
  return s;
}

// An item the served catalog must know. The text fields are checked for type and length so that a
// caller learns about a malformed item before learning it is unknown.
std::string item_reference(const Json& value, const std::string& where, const RerankLimits& limits,
                           const std::function<bool(const std::string&)>& known_item, double* score) {
  std::string id;
  if (value.is_string()) {
    id = string_field(value, where, limits.max_id_chars, false);
  } else if (value.is_object()) {
    const Json* id_value = optional_field(value, "item_id");
    if (id_value == nullptr) reject(where + ": missing field 'item_id'");
    id = string_field(*id_value, where + ".item_id", limits.max_id_chars, false);
    if (const Json* s = optional_field(value, "score")) {
      if (!s->is_number() || !std::isfinite(s->get<double>()))
        reject(where + ".score: expected a finite number, got " + json_type_name(*s));
      if (score != nullptr) *score = s->get<double>();
    }
    for (const char* key : {"title", "brand"}) {
      if (const Json* t = optional_field(value, key))
        string_field(*t, where + "." + key, limits.max_text_chars, true);
    }
    if (const Json* c = optional_field(value, "category")) {
      if (!c->is_array()) reject(where + ".category: expected an array of strings, got " + json_type_name(*c));
      for (size_t i = 0; i < c->size(); ++i)
        string_field((*c)[i], where + ".category[" + std::to_string(i) + "]", limits.max_text_chars, true);
    }
  } else {
    reject(where + ": expected an item id (string) or an object with 'item_id', got " + json_type_name(value));
  }
  if (!known_item(id)) {
    reject(where + ": unknown item " + item_name(id) +
           ": not among the served items (those of --data's catalog that have a SID in the checkpoint; gr2 "
           "serve does not yet assign SIDs to new items from their text)");
  }
  return id;
}

int int_field(const Json& value, const std::string& where) {
  if (!value.is_number_integer()) reject(where + ": expected an integer, got " + json_type_name(value));
  // An unsigned value above INT64_MAX would wrap in get<int64_t>: compare as written.
  if (value.is_number_unsigned() ? value.get<uint64_t>() > static_cast<uint64_t>(INT32_MAX)
                                 : (value.get<int64_t>() < INT32_MIN || value.get<int64_t>() > INT32_MAX))
    reject(where + ": " + value.dump() + " is out of range");
  return static_cast<int>(value.get<int64_t>());
}

}  // namespace

RerankCall parse_rerank_request(std::string_view body, const RerankLimits& limits,
                                const std::function<bool(const std::string&)>& known_item) {
  const Json json = parse_request_object(body);
  RerankCall call;
  if (const Json* m = optional_field(json, "model")) call.model = string_field(*m, "model", limits.max_id_chars, true);
  if (const Json* r = optional_field(json, "request_id"))
    call.request.request_id = string_field(*r, "request_id", limits.max_id_chars, true);
  if (const Json* u = optional_field(json, "user_id"))
    call.request.user_id = string_field(*u, "user_id", limits.max_id_chars, true);

  if (const Json* h = optional_field(json, "history")) {
    if (!h->is_array()) reject("history: expected an array of item ids, got " + json_type_name(*h));
    if (static_cast<int>(h->size()) > limits.max_history)
      reject("history: " + std::to_string(h->size()) + " items, more than the limit of " +
             std::to_string(limits.max_history));
    for (size_t i = 0; i < h->size(); ++i)
      call.request.history.push_back(
          item_reference((*h)[i], "history[" + std::to_string(i) + "]", limits, known_item, nullptr));
  }

  const Json* c = optional_field(json, "candidates");
  if (c == nullptr) reject("missing field 'candidates' (the items to re-rank, in incoming order)");
  if (!c->is_array()) reject("candidates: expected an array, got " + json_type_name(*c));
  if (c->empty()) reject("candidates: must hold at least one item");
  if (static_cast<int>(c->size()) > limits.max_candidates)
    reject("candidates: " + std::to_string(c->size()) + " items, more than the limit of " +
           std::to_string(limits.max_candidates));
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < c->size(); ++i) {
    const std::string where = "candidates[" + std::to_string(i) + "]";
    Candidate candidate;
    candidate.item_id = item_reference((*c)[i], where, limits, known_item, &candidate.score);
    if (!seen.insert(candidate.item_id).second) reject(where + ": duplicate item " + item_name(candidate.item_id));
    call.request.candidates.push_back(std::move(candidate));
  }

  const int k = call.request.size();
  call.top_n = k;
  if (const Json* t = optional_field(json, "top_n")) {
    call.top_n = int_field(*t, "top_n");
    if (call.top_n < 1 || call.top_n > k)
      reject("top_n: " + std::to_string(call.top_n) + " is outside [1, " + std::to_string(k) + "] (K candidates)");
  }
  if (const Json* r = optional_field(json, "return_reasoning")) {
    if (!r->is_boolean()) reject("return_reasoning: expected true or false, got " + json_type_name(*r));
    call.return_reasoning = r->get<bool>();
  }
  if (const Json* t = optional_field(json, "timeout_ms")) {
    if (!t->is_number()) reject("timeout_ms: expected a number, got " + json_type_name(*t));
    call.timeout_ms = t->get<double>();
    if (!(call.timeout_ms > 0 && call.timeout_ms <= limits.max_timeout_ms))
      reject("timeout_ms: must be in (0, " + strprintf("%g", limits.max_timeout_ms) + "]");
  }
  return call;
}

Json rerank_response(const std::string& id, const std::string& model, const RerankCall& call,
                     const RerankOutcome& outcome) {
  const int k = call.request.size();
  check_internal(is_permutation_of(outcome.order, k), "rerank_response: the order is not a permutation of the candidates");
  Json results = Json::array();
  for (int r = 0; r < call.top_n; ++r) {
    const int index = outcome.order[static_cast<size_t>(r)];
    results.push_back({{"index", index},
                       {"item_id", call.request.candidates[static_cast<size_t>(index)].item_id},
                       {"relevance_score", static_cast<double>(k - r) / k}});
  }
  Json response = {{"id", id},
                   {"object", "rerank"},
                   {"model", model},
                   {"results", std::move(results)},
                   {"fallback", outcome.fallback.empty() ? Json(nullptr) : Json(outcome.fallback)},
                   {"usage",
                    {{"prompt_tokens", outcome.prompt_tokens},
                     {"completion_tokens", outcome.completion_tokens},
                     {"total_tokens", outcome.prompt_tokens + outcome.completion_tokens}}}};
  if (call.return_reasoning && !outcome.reasoning.empty()) response["reasoning"] = outcome.reasoning;
  return response;
}

}  // namespace gr2::serve
