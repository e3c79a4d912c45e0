// The strict answer parser and the SID citation helpers.
#include "gr2/prompt/answer_parser.h"

#include <unordered_map>
#include <unordered_set>

#include "gr2/core/error.h"
#include "gr2/core/utf8.h"
#include "gr2/prompt/tokens.h"

namespace gr2::prompt {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool starts_with(std::string_view s, size_t pos, std::string_view prefix) {
  return s.size() - pos >= prefix.size() && s.compare(pos, prefix.size(), prefix) == 0;
}

std::string_view trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// A short, printable excerpt of `s` from `pos` for messages: valid UTF-8 (never half a character;
// a failed answer's message is stored in the traces file's JSON).
std::string excerpt(std::string_view s, size_t pos, size_t max_len = 24) {
  std::string out = utf8_excerpt(s.substr(pos), max_len);
  for (char& c : out) {
    if (c == '\n') c = ' ';
  }
  if (s.size() - pos > max_len) out += "...";
  return "'" + out + "'";
}

ParsedAnswer failed(AnswerFailure failure, std::string message, std::string reasoning = "") {
  ParsedAnswer a;
  a.failure = failure;
  a.message = std::move(message);
  a.reasoning = std::move(reasoning);
  return a;
}

// Length of the well-formed SID spelling starting at `pos`, or 0 when there is none.
size_t sid_length_at(std::string_view s, size_t pos) {
  if (!starts_with(s, pos, kSidBegin)) return 0;
  size_t p = pos + kSidBegin.size();
  char level = 'a';
  while (starts_with(s, p, "<s_")) {
    p += 3;
    if (p + 1 >= s.size() || s[p] != level || s[p + 1] != '_') return 0;
    p += 2;
    const size_t digits_begin = p;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') ++p;
    const size_t digits = p - digits_begin;
    if (digits == 0 || digits > 9 || (digits > 1 && s[digits_begin] == '0')) return 0;
    if (p >= s.size() || s[p] != '>') return 0;
    ++p;
    if (level == 'z') return 0;
    ++level;
  }
  if (level == 'a' || !starts_with(s, p, kSidEnd)) return 0;
  return p + kSidEnd.size() - pos;
}

}  // namespace

std::string failure_name(AnswerFailure failure) {
  switch (failure) {
    case AnswerFailure::None: return "";
    case AnswerFailure::Unparseable: return "unparseable";
    case AnswerFailure::UnknownItem: return "unknown_item";
    case AnswerFailure::Duplicate: return "duplicate";
    case AnswerFailure::Missing: return "missing";
  }
  return "";
}

bool is_sid_spelling(std::string_view text) {
  return !text.empty() && sid_length_at(text, 0) == text.size();
}

ParsedAnswer parse_answer(std::string_view text, const CandidateSids& candidate_sids, bool think) {
  std::unordered_map<std::string_view, int> index;
  index.reserve(candidate_sids.size());
  for (size_t i = 0; i < candidate_sids.size(); ++i) {
    const bool inserted = index.emplace(candidate_sids[i], static_cast<int>(i)).second;
    check_internal(inserted, "parse_answer: two candidates share the SID " + candidate_sids[i]);
  }
  const int k = static_cast<int>(candidate_sids.size());

  // The think block: everything before the first "</think>" is the reasoning.
  std::string reasoning;
  std::string_view answer = text;
  if (think) {
    const size_t close = text.find(kThinkEnd);
    if (close == std::string_view::npos) {
      return failed(AnswerFailure::Unparseable, "no " + std::string(kThinkEnd) + ": the reasoning is not closed");
    }
    const std::string_view body = text.substr(0, close);
    for (std::string_view token : {kThinkBegin, kImStart, kImEnd}) {
      if (body.find(token) != std::string_view::npos) {
        return failed(AnswerFailure::Unparseable, std::string(token) + " inside the reasoning");
      }
    }
    reasoning = std::string(trim(body));
    answer = text.substr(close + kThinkEnd.size());
  }

  // The ranking: SIDs separated by optional whitespace, then an optional "<|im_end|>".
  std::vector<std::string_view> listed;
  size_t pos = 0;
  while (true) {
    while (pos < answer.size() && is_space(answer[pos])) ++pos;
    if (pos == answer.size()) break;
    if (starts_with(answer, pos, kImEnd)) {
      pos += kImEnd.size();
      while (pos < answer.size() && is_space(answer[pos])) ++pos;
      if (pos != answer.size()) {
        return failed(AnswerFailure::Unparseable, "text after " + std::string(kImEnd) + ": " + excerpt(answer, pos),
                      reasoning);
      }
      break;
    }
    if (starts_with(answer, pos, kSidBegin)) {
      const size_t len = sid_length_at(answer, pos);
      if (len == 0) {
        return failed(AnswerFailure::Unparseable, "malformed SID at " + excerpt(answer, pos, 40), reasoning);
      }
      listed.push_back(answer.substr(pos, len));
      pos += len;
      continue;
    }
    return failed(AnswerFailure::Unparseable,
                  (listed.empty() ? "expected a SID, got " : "unexpected text between SIDs: ") + excerpt(answer, pos),
                  reasoning);
  }

  ParsedAnswer result;
  result.reasoning = std::move(reasoning);
  std::vector<int> order;
  order.reserve(listed.size());
  for (size_t r = 0; r < listed.size(); ++r) {
    const auto it = index.find(listed[r]);
    if (it == index.end()) {
      return failed(AnswerFailure::UnknownItem,
                    "rank " + std::to_string(r + 1) + ": " + std::string(listed[r]) + " is not a candidate",
                    std::move(result.reasoning));
    }
    order.push_back(it->second);
  }
  std::vector<int> first_rank(static_cast<size_t>(k), -1);
  for (size_t r = 0; r < order.size(); ++r) {
    int& seen = first_rank[static_cast<size_t>(order[r])];
    if (seen >= 0) {
      return failed(AnswerFailure::Duplicate,
                    std::string(listed[r]) + " listed at ranks " + std::to_string(seen + 1) + " and " +
                        std::to_string(r + 1),
                    std::move(result.reasoning));
    }
    seen = static_cast<int>(r);
  }
  if (static_cast<int>(order.size()) < k) {
    return failed(AnswerFailure::Missing,
                  std::to_string(order.size()) + " of " + std::to_string(k) + " candidates listed",
                  std::move(result.reasoning));
  }
  result.order = std::move(order);
  return result;
}

std::vector<std::string> cited_sids(std::string_view text) {
  std::vector<std::string> out;
  std::unordered_set<std::string_view> seen;
  size_t pos = text.find(kSidBegin);
  while (pos != std::string_view::npos) {
    const size_t len = sid_length_at(text, pos);
    if (len > 0) {
      const std::string_view sid = text.substr(pos, len);
      if (seen.insert(sid).second) out.emplace_back(sid);
      pos += len;
    } else {
      pos += kSidBegin.size();
    }
    pos = text.find(kSidBegin, pos);
  }
  return out;
}

std::vector<int> cited_candidates(std::string_view text, const CandidateSids& candidate_sids) {
  std::unordered_map<std::string_view, int> index;
  for (size_t i = 0; i < candidate_sids.size(); ++i) index.emplace(candidate_sids[i], static_cast<int>(i));
  std::vector<int> out;
  for (const std::string& sid : cited_sids(text)) {
    const auto it = index.find(sid);
    if (it != index.end()) out.push_back(it->second);
  }
  return out;
}

}  // namespace gr2::prompt
