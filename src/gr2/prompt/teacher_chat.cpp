// Chat messages for a teacher and its reply as assistant text (see teacher_chat.h).
#include "gr2/prompt/teacher_chat.h"

#include "gr2/core/error.h"
#include "gr2/prompt/tokens.h"

namespace gr2::prompt {
namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim_left(std::string_view s) {
  size_t b = 0;
  while (b < s.size() && is_space(s[b])) ++b;
  return s.substr(b);
}
std::string_view trim(std::string_view s) {
  s = trim_left(s);
  size_t e = s.size();
  while (e > 0 && is_space(s[e - 1])) --e;
  return s.substr(0, e);
}
}  // namespace

std::vector<ChatMessage> teacher_messages(const PromptRenderer& renderer, const RankRequest& request,
                                          int target, const std::string& instructions) {
  require(target >= -1 && target < request.size(),
          "teacher: target " + std::to_string(target) + " is not a candidate of request '" + request.request_id + "'");
  std::vector<ChatMessage> messages = renderer.messages(request);
  if (!instructions.empty()) messages[0].content += "\n" + instructions;
  if (target >= 0) {
    messages[1].content += "\nTarget: " + renderer.item_sid(request.candidates[static_cast<size_t>(target)].item_id) +
                           " (the item this user chose). Explain why it fits best without saying that it was given, "
                           "and rank it first.";
  }
  return messages;
}

std::string assistant_text_from_reply(std::string_view content, std::string_view reasoning_content, bool think) {
  if (!think) return std::string(content);
  std::string_view text = trim_left(content);
  if (text.substr(0, kThinkBegin.size()) == kThinkBegin) text.remove_prefix(kThinkBegin.size());
  if (text.find(kThinkEnd) == std::string_view::npos && !trim(reasoning_content).empty()) {
    return std::string(trim(reasoning_content)) + "\n" + std::string(kThinkEnd) + "\n" + std::string(trim_left(text));
  }
  return std::string(text);
}

}  // namespace gr2::prompt
