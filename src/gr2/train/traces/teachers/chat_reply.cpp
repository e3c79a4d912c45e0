// read_chat_reply: one chat-completions reply body -> one teacher attempt (see chat_reply.h).
#include "gr2/train/traces/teachers/chat_reply.h"

#include <exception>

#include "gr2/core/utf8.h"
#include "gr2/prompt/teacher_chat.h"

namespace gr2::train::traces::teachers {
namespace {

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

// Names the cause of an unparseable reply when it is known: finish_reason "length" becomes the
// failure "truncated"; an empty content with the text in a reasoning field is said so.
void explain_unparsed_reply(TeacherTrace& trace, const std::string& content, const std::string& reasoning,
                            int max_tokens) {
  if (trace.info.value("finish_reason", "") == "length") {
    trace.failure = "truncated";
    trace.message = "the reply was cut off at http_max_tokens = " + std::to_string(max_tokens) +
                    " (finish_reason \"length\") before the answer was complete; raise http_max_tokens (" +
                    trace.message + ")";
  }
  if (trace.failure != "truncated" && blank(content) && !blank(reasoning)) {
    trace.message = "the reply's content is empty and all of it is in the reasoning field (reasoning_content / "
                    "reasoning): the server's reasoning parser kept the answer there (" + trace.message + ")";
  }
}

void fail_bad_reply(TeacherTrace& trace, const std::string& message, const std::string& reply_body) {
  trace.failure = "bad_reply";
  trace.message = message + reply_snippet(reply_body);
  trace.info["reply"] = utf8_excerpt(reply_body, kFailedReplyKeptBytes);
}

}  // namespace

std::string reply_snippet(const std::string& body) {
  const std::string cut = utf8_excerpt(body, 300);
  return cut.size() < body.size() ? cut + "..." : cut;
}

void read_chat_reply(const std::string& reply_body, const TeachRequest& t, const prompt::PromptRenderer& renderer,
                     const ChatReplyOptions& options, TeacherTrace& trace) {
  Json reply;
  try {
    reply = Json::parse(reply_body);
  } catch (const std::exception&) {
    fail_bad_reply(trace, "the reply is not JSON: ", reply_body);
    return;
  }
  const Json* choice = nullptr;
  if (reply.is_object()) {
    const auto choices = reply.find("choices");
    if (choices != reply.end() && choices->is_array() && !choices->empty() && (*choices)[0].is_object())
      choice = &(*choices)[0];
    const auto usage = reply.find("usage");
    if (usage != reply.end() && usage->is_object()) trace.info["usage"] = *usage;
  }
  const Json* message = nullptr;
  if (choice) {
    const auto m = choice->find("message");
    if (m != choice->end() && m->is_object()) message = &*m;
    const auto finish = choice->find("finish_reason");
    if (finish != choice->end() && finish->is_string()) trace.info["finish_reason"] = *finish;
  }
  const Json* content_field = nullptr;
  if (message) {
    const auto it = message->find("content");
    if (it != message->end()) content_field = &*it;
  }
  if (!content_field || !(content_field->is_string() || content_field->is_null())) {
    fail_bad_reply(trace, "the reply has no choices[0].message.content: ", reply_body);
    return;
  }
  const auto text_field = [&](const char* key) -> std::string {
    const auto it = message->find(key);
    return it != message->end() && it->is_string() ? it->get<std::string>() : "";
  };
  const std::string content = text_field("content");
  std::string reasoning = text_field("reasoning_content");
  if (reasoning.empty()) reasoning = text_field("reasoning");
  const std::string assistant = prompt::assistant_text_from_reply(content, reasoning, true);
  const prompt::ParsedAnswer parsed = renderer.parse(assistant, *t.request);
  if (!parsed.valid()) {
    trace.failure = prompt::failure_name(parsed.failure);
    trace.message = parsed.message;
    trace.info["reply"] = utf8_excerpt(assistant, kFailedReplyKeptBytes);
    explain_unparsed_reply(trace, content, reasoning, options.max_tokens);
    return;
  }
  if (options.check_citations && !check_citations(parsed.reasoning, *t.request, renderer, trace)) {
    trace.info["reply"] = utf8_excerpt(assistant, kFailedReplyKeptBytes);
    return;
  }
  trace.valid = true;
  trace.order = parsed.order;
  trace.reasoning = parsed.reasoning;
}

}  // namespace gr2::train::traces::teachers
