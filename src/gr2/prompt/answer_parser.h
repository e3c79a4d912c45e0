// The strict parser of a model's answer (the assistant turn): a permutation of the request's
// candidates, or a typed failure. The layout it reads is the one PromptRenderer writes
// (docs/prompt.md):
//
//   think = true:   <reasoning> </think> <SID> <SID> ... <SID> [<|im_end|>]
//   think = false:  <SID> <SID> ... <SID> [<|im_end|>]
//
// With think = true the prompt already ended with "<think>\n", so the text given to the parser is
// what the model generated after it: it starts with the reasoning, not with "<think>". Whitespace
// (space, tab, CR, LF) is tolerated anywhere between SIDs, around "</think>" and around the final
// "<|im_end|>"; the "<|im_end|>" itself is optional (a generator may strip its stop token), but
// nothing may follow it. Anything else outside the reasoning is unparseable. Plain C++ (no LibTorch).
#pragma once

#include <string>
#include <string_view>
#include <vector>


namespace gr2::prompt {

// Why an answer is not a valid ranking. Checked in this order, the first that applies is reported:
//   Unparseable  the text is not laid out as above (no "</think>" when think = true, a special token
//                inside the reasoning, text other than whitespace between SIDs, a malformed SID,
//                anything after "<|im_end|>");
//   UnknownItem  a well-formed SID that is not one of the request's candidates;
//   Duplicate    a candidate listed twice;
//   Missing      fewer than K candidates listed (also: no SID at all).
enum class AnswerFailure { None, Unparseable, UnknownItem, Duplicate, Missing };

// "unparseable", "unknown_item", "duplicate", "missing" (also the PolicyAnswer::failure strings); ""
// for None.
std::string failure_name(AnswerFailure failure);

// The token spelling of each candidate's SID ("<|sid_begin|><s_a_3>...<|sid_end|>"), in the
// request's incoming order (PromptRenderer::candidate_sids builds it). Spellings must be distinct.
using CandidateSids = std::vector<std::string>;

struct ParsedAnswer {
  AnswerFailure failure = AnswerFailure::None;
  std::string message;    // what went wrong, for logs ("" when valid)
  std::vector<int> order; // valid: order[r] = index into the candidates of the item at rank r,
                          // a permutation of [0, K); empty on failure
  std::string reasoning;  // the reasoning (text before "</think>", whitespace-trimmed); "" when
                          // think = false or when no "</think>" was found

  bool valid() const { return failure == AnswerFailure::None; }
};

// Parses `assistant_text` (what the model generated after the prompt) against the candidates.
// Throws Error::internal when `candidate_sids` holds the same spelling twice.
ParsedAnswer parse_answer(std::string_view assistant_text, const CandidateSids& candidate_sids,
                          bool think = true);

// True when `text` is exactly one well-formed SID spelling: "<|sid_begin|>", then one or more
// "<s_X_N>" with levels X = a, b, c, ... in order and N a decimal code without leading zeros, then
// "<|sid_end|>".
bool is_sid_spelling(std::string_view text);

// The well-formed SID spellings that occur in `text` (e.g. a reasoning trace), distinct, in order
// of first appearance. Used to check that a trace cites items.
std::vector<std::string> cited_sids(std::string_view text);

// The candidates (indices into `candidate_sids`) whose SID occurs in `text`, distinct, in order of
// first appearance.
std::vector<int> cited_candidates(std::string_view text, const CandidateSids& candidate_sids);

}  // namespace gr2::prompt
