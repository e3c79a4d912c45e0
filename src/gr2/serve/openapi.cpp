// The OpenAPI 3.0 document of gr2 serve (see openapi.h). Kept beside the request parser it
// describes: a field added to one belongs in the other (tests/serve check requests built from it).
#include "gr2/serve/openapi.h"

#include <algorithm>

namespace gr2::serve {
namespace {

Json error_response(const std::string& description) {
  return {{"description", description},
          {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

// The request parsers read null as absent: every optional property of `schema` is nullable.
Json nullable_optionals(Json schema) {
  const Json required = schema.value("required", Json::array());
  for (auto& [key, property] : schema["properties"].items()) {
    if (std::find(required.begin(), required.end(), key) == required.end()) property["nullable"] = true;
  }
  return schema;
}

Json item_schema(const RerankLimits& limits) {
  const Json id = {{"type", "string"}, {"minLength", 1}, {"maxLength", limits.max_id_chars}};
  const Json text = {{"type", "string"}, {"maxLength", limits.max_text_chars}};
  Json object = {{"type", "object"},
                 {"description",
                  "An item; an item the served catalog does not know needs its text (title, category or "
                  "brand) and a server started with --sid, which gives it a SID from that text"},
                 {"required", {"item_id"}},
                 {"properties",
                  {{"item_id", id},
                   {"score", {{"type", "number"}, {"description", "The upstream ranker's score (finite)"}}},
                   {"title", text},
                   {"brand", text},
                   {"category", {{"type", "array"}, {"items", text}}}}}};
  return {{"oneOf", {id, nullable_optionals(object)}}};
}

Json rerank_request_schema(const RerankLimits& limits) {
  const Json id = {{"type", "string"}, {"maxLength", limits.max_id_chars}};
  return nullable_optionals({{"type", "object"},
          {"required", {"candidates"}},
          {"properties",
           {{"model", id},
            {"request_id", id},
            {"user_id", id},
            {"history",
             {{"type", "array"},
              {"maxItems", limits.max_history},
              {"items", item_schema(limits)},
              {"description", "The user's items, oldest first (ids, or objects with item_id)"}}},
            {"candidates",
             {{"type", "array"},
              {"minItems", 1},
              {"maxItems", limits.max_candidates},
              {"items", item_schema(limits)},
              {"description", "The items to re-rank, in incoming order, distinct"}}},
            {"top_n", {{"type", "integer"}, {"minimum", 1}, {"description", "Results to return (at most K)"}}},
            {"return_reasoning", {{"type", "boolean"}}},
            {"timeout_ms",
             {{"type", "number"}, {"exclusiveMinimum", true}, {"minimum", 0}, {"maximum", limits.max_timeout_ms}}}}}});
}

Json rerank_response_schema() {
  const Json result = {{"type", "object"},
                       {"required", {"index", "item_id", "relevance_score"}},
                       {"properties",
                        {{"index", {{"type", "integer"}, {"minimum", 0}}},
                         {"item_id", {{"type", "string"}}},
                         {"relevance_score", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}}}}};
  const Json count = {{"type", "integer"}, {"minimum", 0}};
  return {{"type", "object"},
          {"required", {"id", "object", "model", "results", "fallback", "usage"}},
          {"properties",
           {{"id", {{"type", "string"}}},
            {"object", {{"type", "string"}, {"enum", {"rerank"}}}},
            {"model", {{"type", "string"}}},
            {"results", {{"type", "array"}, {"items", result}}},
            {"fallback",
             {{"type", "string"}, {"nullable", true}, {"enum", {"timeout", "invalid_output", "error", nullptr}}}},
            {"reasoning", {{"type", "string"}}},
            {"usage",
             {{"type", "object"},
              {"required", {"prompt_tokens", "completion_tokens", "total_tokens"}},
              {"properties", {{"prompt_tokens", count}, {"completion_tokens", count}, {"total_tokens", count}}}}}}}};
}

// The sampling fields both completion routes take.
Json sampling_properties(const CompletionLimits& limits) {
  return {{"model", {{"type", "string"}}},
          {"n", {{"type", "integer"}, {"minimum", 1}, {"maximum", limits.max_n}}},
          {"temperature", {{"type", "number"}, {"minimum", 0}, {"maximum", 100}}},
          {"top_p", {{"type", "number"}, {"exclusiveMinimum", true}, {"minimum", 0}, {"maximum", 1}}},
          {"top_k", {{"type", "integer"}, {"minimum", -1}}},
          {"seed", {{"type", "integer"}}},
          {"stream", {{"type", "boolean"}, {"enum", {false}}}}};
}

Json completion_request_schema(const CompletionLimits& limits) {
  Json properties = sampling_properties(limits);
  properties["prompt"] = {{"type", "string"}, {"minLength", 1}, {"maxLength", limits.max_prompt_chars}};
  properties["max_tokens"] = {{"type", "integer"}, {"minimum", 0}, {"maximum", limits.max_tokens}};
  properties["logprobs"] = {{"type", "integer"}, {"minimum", 0}, {"maximum", limits.max_top_logprobs}};
  properties["echo"] = {{"type", "boolean"}};
  return nullable_optionals({{"type", "object"}, {"required", {"prompt"}}, {"properties", properties}});
}

Json chat_request_schema(const CompletionLimits& limits) {
  Json properties = sampling_properties(limits);
  properties["messages"] = {
      {"type", "array"},
      {"minItems", 1},
      {"maxItems", limits.max_messages},
      {"items",
       {{"type", "object"},
        {"required", {"role", "content"}},
        {"properties",
         {{"role", {{"type", "string"}, {"enum", {"system", "user", "assistant"}}}},
          {"content", {{"type", "string"}, {"maxLength", limits.max_prompt_chars}}}}}}}};
  properties["max_tokens"] = {{"type", "integer"}, {"minimum", 1}, {"maximum", limits.max_tokens}};
  properties["max_completion_tokens"] = properties["max_tokens"];
  properties["logprobs"] = {{"type", "boolean"}};
  properties["top_logprobs"] = {{"type", "integer"}, {"minimum", 0}, {"maximum", limits.max_top_logprobs}};
  return nullable_optionals({{"type", "object"}, {"required", {"messages"}}, {"properties", properties}});
}

Json completion_response_schema(bool chat) {
  const Json count = {{"type", "integer"}, {"minimum", 0}};
  Json choice = {{"type", "object"},
                 {"required", {"index", "finish_reason"}},
                 {"properties",
                  {{"index", count},
                   {"finish_reason", {{"type", "string"}, {"enum", {"stop", "length"}}}},
                   {"logprobs", {{"type", "object"}, {"nullable", true}}}}}};
  if (chat) {
    choice["required"].push_back("message");
    choice["properties"]["message"] = {
        {"type", "object"},
        {"required", {"role", "content"}},
        {"properties", {{"role", {{"type", "string"}}}, {"content", {{"type", "string"}}}}}};
  } else {
    choice["required"].push_back("text");
    choice["properties"]["text"] = {{"type", "string"}};
  }
  return {{"type", "object"},
          {"required", {"id", "object", "created", "model", "choices", "usage"}},
          {"properties",
           {{"id", {{"type", "string"}}},
            {"object", {{"type", "string"}, {"enum", {chat ? "chat.completion" : "text_completion"}}}},
            {"created", {{"type", "integer"}}},
            {"model", {{"type", "string"}}},
            {"choices", {{"type", "array"}, {"items", choice}}},
            {"usage",
             {{"type", "object"},
              {"required", {"prompt_tokens", "completion_tokens", "total_tokens"}},
              {"properties", {{"prompt_tokens", count}, {"completion_tokens", count}, {"total_tokens", count}}}}}}}};
}

Json completion_path(const std::string& summary, const std::string& operation, const std::string& request,
                     const std::string& response) {
  return {{"summary", summary},
          {"operationId", operation},
          {"requestBody",
           {{"required", true},
            {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/" + request}}}}}}}}},
          {"responses",
           {{"200",
             {{"description", "The completion"},
              {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/" + response}}}}}}}}},
            {"400", error_response("Bad request: the message names the field")},
            {"401", error_response("Missing or wrong bearer token")},
            {"404", error_response("The request names a model this server does not serve")},
            {"413", error_response("The body is over the size limit")},
            {"503", error_response("The queue is full or the server is stopping")},
            {"504", error_response("The completion did not finish within the server's completion timeout")}}}};
}

}  // namespace

Json openapi_document(const RerankLimits& limits, const CompletionLimits& completion_limits, const std::string& model) {
  const Json json_error = error_response("Bad request: the message names the field");
  Json paths;
  paths["/v1/rerank"]["post"] = {
      {"summary", "Re-rank a slate of candidates for a user (model: " + model + ")"},
      {"operationId", "rerank"},
      {"requestBody",
       {{"required", true},
        {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/RerankRequest"}}}}}}}}},
      {"responses",
       {{"200",
         {{"description", "A ranking (the model's, or the incoming order with the fallback reason)"},
          {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/RerankResponse"}}}}}}}}},
        {"400", json_error},
        {"401", error_response("Missing or wrong bearer token")},
        {"404", error_response("The request names a model this server does not serve")},
        {"413", error_response("The body is over the size limit")},
        {"503", error_response("The queue is full or the server is stopping; retry after Retry-After seconds")}}}};
  paths["/v1/completions"]["post"] = completion_path("Continue a prompt with the raw model (OpenAI-compatible)",
                                                     "completions", "CompletionRequest", "CompletionResponse");
  paths["/v1/chat/completions"]["post"] = completion_path(
      "Answer chat messages with the raw model (OpenAI-compatible)", "chat_completions", "ChatRequest", "ChatResponse");
  paths["/v1/models"]["get"] = {
      {"summary", "The served model (OpenAI-compatible list)"},
      {"operationId", "models"},
      {"responses",
       {{"200",
         {{"description", "One model"},
          {"content",
           {{"application/json",
             {{"schema",
               {{"type", "object"},
                {"required", {"object", "data"}},
                {"properties", {{"object", {{"type", "string"}}}, {"data", {{"type", "array"}}}}}}}}}}}}},
        {"401", error_response("Missing or wrong bearer token")}}}};
  paths["/healthz"]["get"] = {
      {"summary", "Liveness: 200 while the server answers"},
      {"operationId", "healthz"},
      {"responses",
       {{"200",
         {{"description", "Serving"},
          {"content",
           {{"application/json",
             {{"schema",
               {{"type", "object"},
                {"required", {"status", "model"}},
                {"properties", {{"status", {{"type", "string"}}}, {"model", {{"type", "string"}}}}}}}}}}}}}}}};
  paths["/metrics"]["get"] = {
      {"summary", "Prometheus metrics (text exposition format 0.0.4)"},
      {"operationId", "metrics"},
      {"responses",
       {{"200", {{"description", "Metrics"}, {"content", {{"text/plain", {{"schema", {{"type", "string"}}}}}}}}},
        {"401", error_response("Missing or wrong bearer token")}}}};
  paths["/openapi.json"]["get"] = {
      {"summary", "This document"},
      {"operationId", "openapi"},
      {"responses",
       {{"200", {{"description", "OpenAPI 3.0 document"}, {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}}},
        {"401", error_response("Missing or wrong bearer token")}}}};

  const Json error_schema = {
      {"type", "object"},
      {"required", {"error"}},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"required", {"message", "type", "code"}},
          {"properties",
           {{"message", {{"type", "string"}}}, {"type", {{"type", "string"}}}, {"code", {{"type", "integer"}}}}}}}}}};
  return {{"openapi", "3.0.3"},
          {"info",
           {{"title", "gr2 serve"},
            {"version", "1"},
            {"description", "The GR2 generative re-ranker as a service (docs/serving.md)"}}},
          {"paths", std::move(paths)},
          {"components",
           {{"schemas",
             {{"RerankRequest", rerank_request_schema(limits)},
              {"RerankResponse", rerank_response_schema()},
              {"CompletionRequest", completion_request_schema(completion_limits)},
              {"CompletionResponse", completion_response_schema(false)},
              {"ChatRequest", chat_request_schema(completion_limits)},
              {"ChatResponse", completion_response_schema(true)},
              {"Error", error_schema}}},
            {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}}};
}

}  // namespace gr2::serve
