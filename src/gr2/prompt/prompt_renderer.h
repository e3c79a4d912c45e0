// The prompt renderer: a request as a chat-template prompt, and a ranking (with its reasoning) as
// the assistant's answer. This and answer_parser.h are the only code that knows how prompts and
// answers look as text; docs/prompt.md shows the exact template with an example. Plain C++.
//
// The conversation is prompt + reasoning_part + answer_part (see RenderedExample):
//
//   <|im_start|>system\n{task line}<|im_end|>\n
//   <|im_start|>user\nHistory (oldest first):\n1. {item}\n...Candidates:\n1. {item}\n...<|im_end|>\n
//   <|im_start|>assistant\n<think>\n                       <- end of the prompt (think = true)
//   {reasoning}\n</think>\n                                <- reasoning_part (think = true only)
//   {SID}{SID}...{SID}<|im_end|>                           <- answer_part
//
// where {item} = {SID} {title} | {leaf category}. With think = false the prompt ends with
// "<|im_start|>assistant\n" and the assistant turn is the answer_part alone. The assistant turn
// (what the model generates, and what parse_answer reads) starts exactly at prompt.size().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gr2/data/catalog.h"
#include "gr2/prompt/answer_parser.h"
#include "gr2/data/rank_request.h"
#include "gr2/sid/sid_table.h"

namespace gr2::prompt {

// One chat turn as a chat API sees it: role ("system", "user", "assistant") and content.
struct ChatMessage {
  std::string role;
  std::string content;
};

struct PromptOptions {
  int max_history = 20;      // history items shown (the newest ones); >= 0
  int title_chars = 40;      // title cut to at most this many bytes at a word boundary; 0 = no title
  bool show_category = true; // " | {leaf category}" after the title
  bool show_brand = false;   // " | brand {brand}" last (items without a brand show none)
  bool think = true;         // true: the assistant turn starts with "<think>\n" (in the prompt) and
                             // reasons before answering; false: the low-latency variant, which
                             // answers directly
};

// One training example split where the SFT loss weights change. prompt + reasoning_part +
// answer_part is the full conversation. Tokenize the three parts separately and concatenate the
// token ids: the loss masks then follow from the parts exactly, and training sees the prompt
// tokenized alone, as generation does (the model is given the prompt's tokens and produces the
// rest). Each part ends on a special token or a newline.
struct RenderedExample {
  std::string prompt;          // no loss
  std::string reasoning_part;  // "{reasoning}\n</think>\n" (think = true), else ""; weight lambda_r
  std::string answer_part;     // "{SID}...{SID}<|im_end|>"; weight lambda_o

  std::string full() const { return prompt + reasoning_part + answer_part; }
  std::string assistant() const { return reasoning_part + answer_part; }
  size_t assistant_begin() const { return prompt.size(); }
  size_t answer_begin() const { return prompt.size() + reasoning_part.size(); }
};

class PromptRenderer {
 public:
  // `catalog` and `sids` must outlive the renderer. Throws Error on invalid options.
  PromptRenderer(const Catalog& catalog, const sid::SidTable& sids, PromptOptions options = {});

  // The prompt for `request`: system and user turns, then the opened assistant turn (with
  // "<think>\n" when think = true). Throws Error when an item has no SID or is not in the catalog.
  // render_prompt = for each of messages(request): "<|im_start|>{role}\n{content}<|im_end|>\n",
  // then "<|im_start|>assistant\n" (+ "<think>\n").
  std::string render_prompt(const RankRequest& request) const;

  // The system and user turns as chat messages (contents without chat tokens), for chat APIs
  // (an OpenAI-compatible teacher). The system content is task_line(K), the user content
  // user_content(request).
  std::vector<ChatMessage> messages(const RankRequest& request) const;

  // The user turn's text: the history block (newest max_history items, oldest first) and the
  // numbered candidates, without a trailing newline.
  std::string user_content(const RankRequest& request) const;

  // The assistant turn for a ranking: ("{reasoning}\n</think>\n" when think = true) + the K SIDs
  // in `order`, with no separator, + "<|im_end|>". `order` must be a permutation of the candidates
  // (else Error::internal). The reasoning is whitespace-trimmed; it must not contain a chat or think
  // token ("<|im_start|>", "<|im_end|>", "<think>", "</think>"; else Error). Ignored when
  // think = false, so the same trace renders both variants.
  std::string render_answer(const RankRequest& request, const std::vector<int>& order,
                            const std::string& reasoning) const;

  // render_prompt and render_answer, split into the parts the SFT loss weights differently.
  RenderedExample render_example(const RankRequest& request, const std::vector<int>& order,
                                 const std::string& reasoning) const;

  // The SID spellings of the request's candidates, in incoming order (for parse_answer).
  CandidateSids candidate_sids(const RankRequest& request) const;

  // parse_answer(assistant_text, candidate_sids(request), options().think).
  ParsedAnswer parse(std::string_view assistant_text, const RankRequest& request) const;

  // The SID spelling of an item; throws Error when the SID table does not have it.
  std::string item_sid(const std::string& item_id) const;

  // One item as shown in the prompt (without the list number): "{SID} {title} | {leaf} | brand {brand}",
  // each part after the SID as the options ask and the item has it.
  std::string item_line(const std::string& item_id) const;

  // The task line of the system turn for a slate of k candidates.
  std::string task_line(int k) const;

  const PromptOptions& options() const { return options_; }

  // Picks up rows appended to the SID table since construction (or the last call), so that items
  // added to the table (and to the catalog) can be rendered. Throws Error for an appended id the
  // table already held.
  void refresh_sids();

 private:
  // Fills ex.reasoning_part and ex.answer_part.
  void render_assistant(const RankRequest& request, const std::vector<int>& order,
                        const std::string& reasoning, RenderedExample& ex) const;

  const Catalog* catalog_;
  const sid::SidTable* sids_;
  PromptOptions options_;
  std::unordered_map<std::string, int64_t> sid_row_;  // item id -> row of the SID table
};

// Text made safe for a prompt: control characters become spaces, '<' and '>' become '(' and ')'
// (so no catalog text can spell a special or SID token), runs of spaces collapse, ends trimmed.
std::string sanitize_text(std::string_view text);

// `title` cut to at most `max_chars` bytes: at the last space that keeps whole words, else (one
// long word) at a UTF-8 character boundary; trailing spaces and separators (",;:-/&(") dropped.
std::string shorten_title(std::string_view title, int max_chars);

}  // namespace gr2::prompt
