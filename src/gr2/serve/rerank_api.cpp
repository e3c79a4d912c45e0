// The /v1/rerank request parser and response builder (see rerank_api.h).
#include "gr2/serve/rerank_api.h"

#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "gr2/core/error.h"
#include "gr2/core/log.h"
#include "gr2/core/utf8.h"
#include "gr2/serve/api_error.h"
#include "gr2/serve/request_json.h"

namespace gr2::serve {
namespace {

[[noreturn]] void reject(const std::string& message) { throw ApiError::bad_request(message); }

std::string string_field(const Json& value, const std::string& where, int max_chars, bool allow_empty) {
  if (!value.is_string()) reject(where + ": expected a string, got " + json_type_name(value));
  const std::string& s = value.get_ref<const std::string&>();
  if (!allow_empty && s.empty()) reject(where + ": must not be empty");
  if (static_cast<int64_t>(s.size()) > max_chars)
    reject(where + ": " + std::to_string(s.size()) + " bytes, more than the limit of " + std::to_string(max_chars));
  return s;
}

// What the parser learns about item references: the text sent with each item (first reference
// with text wins) and the references to items the served catalog does not know, resolved once the
// whole body is read (a history entry may name a new item whose text comes with a candidate).
struct ItemReferences {
  std::unordered_map<std::string, Item> texts;
  std::vector<std::pair<std::string, std::string>> unknown;  // (id, where) in body order
};

bool has_text(const Item& item) {
  if (!item.title.empty() || !item.brand.empty()) return true;
  for (const auto& level : item.category)
    if (!level.empty()) return true;
  return false;
}

// One item reference (a string id, or an object with item_id, optional score and text). The text
// fields are checked for type and length so that a caller learns about a malformed item before
// learning it is unknown.
std::string item_reference(const Json& value, const std::string& where, const RerankLimits& limits,
                           const std::function<bool(const std::string&)>& known_item, ItemReferences& refs,
                           double* score) {
  std::string id;
  Item text;
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
    if (const Json* t = optional_field(value, "title")) text.title = string_field(*t, where + ".title", limits.max_text_chars, true);
    if (const Json* t = optional_field(value, "brand")) text.brand = string_field(*t, where + ".brand", limits.max_text_chars, true);
    if (const Json* c = optional_field(value, "category")) {
      if (!c->is_array()) reject(where + ".category: expected an array of strings, got " + json_type_name(*c));
      for (size_t i = 0; i < c->size(); ++i)
        text.category.push_back(
            string_field((*c)[i], where + ".category[" + std::to_string(i) + "]", limits.max_text_chars, true));
    }
  } else {
    reject(where + ": expected an item id (string) or an object with 'item_id', got " + json_type_name(value));
  }
  if (!known_item(id)) {
    if (has_text(text) && refs.texts.count(id) == 0) {
      text.item_id = id;
      refs.texts.emplace(id, std::move(text));
    }
    refs.unknown.emplace_back(id, where);
  }
  return id;
}

// The items the catalog does not know, as new items (with their text) or a 400 for the first one
// that cannot be one.
std::vector<NewItem> resolve_unknown_items(ItemReferences& refs, bool accept_new_items) {
  std::vector<NewItem> out;
  std::unordered_set<std::string> taken;
  for (const auto& [id, where] : refs.unknown) {
    const auto it = refs.texts.find(id);
    if (!accept_new_items) {
      reject(where + ": unknown item " + quoted_id(id) +
             ": not among the served items (those of --data's catalog that have a SID in the checkpoint); start "
             "gr2 serve with --sid DIR to accept new items with their text");
    }
    if (it == refs.texts.end()) {
      reject(where + ": unknown item " + quoted_id(id) +
             ": not among the served items; send its text (an object with item_id and title, category or "
             "brand) so that gr2 can give it a SID");
    }
    if (taken.insert(id).second) out.push_back(NewItem{it->second, where});
  }
  return out;
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
                                const std::function<bool(const std::string&)>& known_item, bool accept_new_items) {
  const Json json = parse_request_object(body);
  RerankCall call;
  ItemReferences refs;
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
          item_reference((*h)[i], "history[" + std::to_string(i) + "]", limits, known_item, refs, nullptr));
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
    candidate.item_id = item_reference((*c)[i], where, limits, known_item, refs, &candidate.score);
    if (!seen.insert(candidate.item_id).second) reject(where + ": duplicate item " + quoted_id(candidate.item_id));
    call.request.candidates.push_back(std::move(candidate));
  }
  call.new_items = resolve_unknown_items(refs, accept_new_items);

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
