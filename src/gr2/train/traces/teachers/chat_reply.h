// The body of a 200 reply of an OpenAI-compatible chat-completions server (vLLM, SGLang, llama.cpp,
// Ollama, hosted APIs) read into one teacher attempt. Plain C++ with no HTTP, so that every reply
// shape can be tested and fuzzed without a server; http_teacher.cpp does the transport.
#pragma once

#include <string>

#include "gr2/prompt/prompt_renderer.h"
#include "gr2/train/traces/teachers/teacher.h"

namespace gr2::train::traces::teachers {

struct ChatReplyOptions {
  bool check_citations = true;  // the reasoning must cite a candidate, and only items of the prompt
  int max_tokens = 1024;        // the request's max_tokens, named when a reply was cut off
};

// The first 300 bytes of a reply body for a message ("..." when cut), as valid UTF-8 cut on a
// character boundary (a server's error page may be in any encoding).
std::string reply_snippet(const std::string& body);

// Reads `reply_body`: choices[0].message.content (null allowed), the reasoning in
// reasoning_content or reasoning when the server returns it separately, choices[0].finish_reason
// and usage; the assistant text is parsed with `renderer`'s strict answer parser for `request`.
// On success sets trace.valid, order and reasoning. Otherwise sets trace.failure — "bad_reply" (not
// JSON, or no choices[0].message.content), a parser failure ("unparseable", "unknown_item",
// "duplicate", "missing"), "truncated" (finish_reason "length" and no complete answer),
// "no_citation" or "bad_citation" — and trace.message, which says when the answer is only in a
// reasoning field. Adds to trace.info: "finish_reason" and "usage" when sent, and for a failed
// attempt "reply" (the reply or the assistant text, at most kFailedReplyKeptBytes). Never throws for
// any reply body, and every string it writes is valid UTF-8 (invalid bytes of a reply that is not
// JSON are kept as U+FFFD in "reply").
void read_chat_reply(const std::string& reply_body, const TeachRequest& request, const prompt::PromptRenderer& renderer,
                     const ChatReplyOptions& options, TeacherTrace& trace);

}  // namespace gr2::train::traces::teachers
