// The /v1/rerank request and response as JSON (docs/serving.md): parsing and validation of a
// caller's body into a RankRequest, with the limits a server enforces, and the response body built
// from a ranking. Knows nothing of HTTP or of the model: the HTTP layer passes bodies in and out,
// the service computes the ranking.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/data/catalog.h"
#include "gr2/data/rank_request.h"

namespace gr2::serve {

// What a server accepts. Every limit is checked before any work is done; a request over one is a
// 400 that names the field and the limit.
struct RerankLimits {
  int64_t max_body_bytes = 1 << 20;   // request body (checked by the HTTP layer)
  int max_candidates = 100;           // K
  int max_history = 500;              // history items (the prompt shows the most recent ones)
  int max_id_chars = 256;             // item_id, user_id, request_id
  int max_text_chars = 4096;          // title, brand, each category level of an item's text
  double max_timeout_ms = 60000;      // a request's timeout_ms
};

// An item of a request that the served catalog does not know, sent with its text (title, category,
// brand): the service gives it a SID before ranking (rerank_service.h).
struct NewItem {
  Item item;          // item_id and the text of its first reference that carried text
  std::string where;  // that reference, for messages ("candidates[3]")
};

// A parsed /v1/rerank request.
struct RerankCall {
  std::string model;            // "" when the caller did not name one
  RankRequest request;          // user_id, history (oldest first), candidates (incoming order)
  int top_n = 0;                // results to return, 1..K (K when not given)
  bool return_reasoning = false;
  double timeout_ms = 0;        // 0 = the server's default deadline
  std::vector<NewItem> new_items;  // unknown items (each once), when the server accepts them
};

// Parses and validates a request body. `known_item(id)` says whether the served catalog (and its
// SID table) holds an item; an unknown one (history or candidate) becomes a NewItem when
// `accept_new_items` and some reference to it carries text, and is a 400 otherwise. Throws
// ApiError(400) naming the field for: a body that is not a JSON object; a missing or mistyped
// field; an empty, over-long or duplicate item id; K = 0 or over the limit; a history over the
// limit; top_n outside [1, K]; timeout_ms not in (0, max]; text fields over the limit; an unknown
// item that cannot be a new item. The text sent with a known item is ignored (the catalog's is
// used). Unknown top-level fields are ignored (clients add their own).
RerankCall parse_rerank_request(std::string_view body, const RerankLimits& limits,
                                const std::function<bool(const std::string&)>& known_item,
                                bool accept_new_items = false);

// The answer of the service for one call.
struct RerankOutcome {
  std::vector<int> order;        // permutation of [0, K): order[r] = candidate index at rank r
  std::string fallback;          // "" or why the incoming order was returned ("timeout",
                                 // "invalid_output", "error")
  std::string reasoning;         // the model's <think> text ("" when none)
  int64_t prompt_tokens = 0, completion_tokens = 0;
};

// The response body: {"id", "object": "rerank", "model", "results": [{"index", "item_id",
// "relevance_score"}] (top_n, best first), "fallback" (null or the reason), "reasoning" (only when
// asked for and produced), "usage": {"prompt_tokens", "completion_tokens", "total_tokens"}}.
// relevance_score is rank-derived, (K - r) / K for rank r (0-based): the model writes an order,
// not scores. Throws Error::internal when outcome.order is not a permutation of the candidates.
Json rerank_response(const std::string& id, const std::string& model, const RerankCall& call,
                     const RerankOutcome& outcome);

}  // namespace gr2::serve
