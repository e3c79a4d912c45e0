// The conversation with a chat-API teacher (an OpenAI-compatible server, `gr2 traces --teacher
// http`): the prompt as chat messages, with the target named in targeted mode, and the reply turned
// back into the assistant text that parse_answer reads. Layout knowledge stays in src/gr2/prompt/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gr2/prompt/prompt_renderer.h"

namespace gr2::prompt {

// The messages sent to a teacher: the prompt's system turn (task_line(K), then "\n" +
// `instructions` when not empty) and its user turn (user_content). With `target` >= 0 (targeted
// mode) the user turn ends with one more line naming that candidate:
//   "Target: {SID} (the item this user chose). Explain why it fits best without saying that it
//   was given, and rank it first."
// Throws Error when `target` is not a candidate index (or -1).
std::vector<ChatMessage> teacher_messages(const PromptRenderer& renderer, const RankRequest& request,
                                          int target = -1, const std::string& instructions = "");

// A chat reply as the assistant text parse_answer reads (the text after the prompt's "<think>\n"):
//   - think = true: a leading "<think>" (after whitespace) is dropped, since the model's own turn
//     opens the reasoning that the prompt already opened; when the content has no "</think>" and the
//     reply carries its reasoning separately (`reasoning_content`, as vLLM's reasoning parsers and
//     several APIs return it), the text is reasoning_content + "\n</think>\n" + content;
//   - think = false: the content unchanged.
// Nothing else is repaired: a reply that is still not in the answer layout fails to parse.
std::string assistant_text_from_reply(std::string_view content, std::string_view reasoning_content,
                                      bool think = true);

}  // namespace gr2::prompt
