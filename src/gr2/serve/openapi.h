// The OpenAPI 3.0 description of gr2 serve's endpoints (GET /openapi.json): request and response
// schemas tight enough for a schema-driven fuzzer (schemathesis) to generate requests and check
// every response against them.
#pragma once

#include "gr2/core/jsonl.h"
#include "gr2/serve/completion_api.h"
#include "gr2/serve/rerank_api.h"

namespace gr2::serve {

// The document, with `limits` and `completion_limits` written into the schemas (maxItems, maxLength, maximum) and
// `model` as the served model's name.
Json openapi_document(const RerankLimits& limits, const CompletionLimits& completion_limits, const std::string& model);

}  // namespace gr2::serve
