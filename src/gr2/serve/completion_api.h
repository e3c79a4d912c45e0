// The OpenAI-compatible request and response bodies of /v1/completions and /v1/chat/completions
// (the subset gr2's own HTTP teacher and an OPD student use): parsing into a CompletionRequest with
// the chat template applied, and the response from a CompletionResult. Knows nothing of HTTP.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gr2/core/jsonl.h"
#include "gr2/lm/vocabulary.h"
#include "gr2/serve/completion.h"

namespace gr2::serve {

struct CompletionLimits {
  int64_t max_tokens = 1024;      // max_tokens per choice
  int max_n = 8;                  // choices per request
  int max_top_logprobs = 20;      // alternatives per token
  int64_t max_prompt_chars = 262144;
  int max_messages = 64;
};

// A parsed call: the model request, the caller's "model" ("" when absent) and, for chat, true.
struct CompletionCall {
  std::string model;
  CompletionRequest request;
  bool chat = false;
};

// /v1/completions: {"prompt": string, "max_tokens" (16), "temperature" (1), "top_p" (1), "top_k"
// (0 = off), "n" (1), "seed", "logprobs" (null or 0..max_top_logprobs), "echo" (false)}; generation
// stops at <|endoftext|>. Special and SID tokens written literally in the prompt are read as such.
// Throws ApiError 400 naming the field for a malformed body, "stream": true, or a non-null "stop"
// (neither is supported).
CompletionCall parse_completion_request(std::string_view body, const CompletionLimits& limits,
                                        const lm::Vocabulary& vocabulary);

// /v1/chat/completions: {"messages": [{"role": "system"|"user"|"assistant", "content": string}],
// "max_tokens" or "max_completion_tokens", "temperature", "top_p", "top_k", "n", "seed",
// "logprobs" (bool), "top_logprobs" (0..max)}. The messages are rendered with the chat template of
// gr2's prompts ("<|im_start|>role\ncontent<|im_end|>\n" each, then "<|im_start|>assistant\n");
// generation stops at <|im_end|> or <|endoftext|>. A content holding <|im_start|>, <|im_end|> or
// <|endoftext|> is a 400 (it would forge turns); SID tokens and <think> are read as such.
CompletionCall parse_chat_request(std::string_view body, const CompletionLimits& limits,
                                  const lm::Vocabulary& vocabulary);

// The response body: "text_completion" (choices[].text, .logprobs {tokens, token_logprobs,
// top_logprobs, text_offset}) or "chat.completion" (choices[].message {role, content},
// .logprobs {content: [{token, logprob, top_logprobs}]}), with "usage". Token strings are the
// vocabulary's decoding of each id (invalid UTF-8 replaced).
Json completion_response(const std::string& id, const std::string& model, int64_t created,
                         const CompletionCall& call, const CompletionResult& result, const lm::Vocabulary& vocabulary);

}  // namespace gr2::serve
