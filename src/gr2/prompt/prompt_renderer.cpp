// The chat-template renderer of prompts and answers (layout in prompt_renderer.h, docs/prompt.md).
#include "gr2/prompt/prompt_renderer.h"

#include <algorithm>

#include "gr2/core/error.h"
#include "gr2/prompt/tokens.h"

namespace gr2::prompt {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string trimmed(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

std::string sanitize_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    if (c == '<') c = '(';
    if (c == '>') c = ')';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string shorten_title(std::string_view title, int max_chars) {
  if (max_chars <= 0) return "";
  const size_t limit = static_cast<size_t>(max_chars);
  if (title.size() <= limit) return std::string(title);
  size_t cut = title.rfind(' ', limit);  // a space at `limit` keeps the first `limit` bytes whole
  if (cut == std::string_view::npos || cut == 0) {
    cut = limit;  // one long word: cut inside it, at a UTF-8 character boundary
    while (cut > 0 && (static_cast<unsigned char>(title[cut]) & 0xC0) == 0x80) --cut;
  }
  std::string out(title.substr(0, cut));
  while (!out.empty() && std::string_view(" ,;:-/&(").find(out.back()) != std::string_view::npos) out.pop_back();
  return out;
}

PromptRenderer::PromptRenderer(const Catalog& catalog, const sid::SidTable& sids, PromptOptions options)
    : catalog_(&catalog), sids_(&sids), options_(options) {
  require(options_.max_history >= 0, "prompt: max_history must be >= 0, got " + std::to_string(options_.max_history));
  require(options_.title_chars >= 0, "prompt: title_chars must be >= 0, got " + std::to_string(options_.title_chars));
  require(sids.levels >= 1 && sids.levels <= 26,
          "prompt: the SID table must have 1 to 26 levels, got " + std::to_string(sids.levels));
  sid_row_.reserve(static_cast<size_t>(sids.size()));
  for (int64_t i = 0; i < sids.size(); ++i) sid_row_.emplace(sids.ids[static_cast<size_t>(i)], i);
}

void PromptRenderer::refresh_sids() {
  for (auto i = static_cast<int64_t>(sid_row_.size()); i < sids_->size(); ++i) {
    require(sid_row_.emplace(sids_->ids[static_cast<size_t>(i)], i).second,
            "prompt: item '" + sids_->ids[static_cast<size_t>(i)] + "' appended to the SID table twice");
  }
}

std::string PromptRenderer::item_sid(const std::string& item_id) const {
  const auto it = sid_row_.find(item_id);
  require(it != sid_row_.end(),
          "prompt: item '" + item_id + "' has no SID (the SID table does not cover the items of the slates)");
  return sid::sid_to_tokens(sids_->sid(it->second), sids_->levels);
}

std::string PromptRenderer::item_line(const std::string& item_id) const {
  std::string line = item_sid(item_id);
  const Item& item = catalog_->at(catalog_->index_of(item_id, "prompt"));
  const std::string title = shorten_title(sanitize_text(item.title), options_.title_chars);
  if (!title.empty()) line += " " + title;
  if (options_.show_category && !item.category.empty()) {
    const std::string leaf = sanitize_text(item.category.back());
    if (!leaf.empty()) line += " | " + leaf;
  }
  if (options_.show_brand && !item.brand.empty()) {
    const std::string brand = sanitize_text(item.brand);
    if (!brand.empty()) line += " | brand " + brand;
  }
  return line;
}

std::string PromptRenderer::task_line(int k) const {
  const std::string n = std::to_string(k);
  if (options_.think) {
    return "Re-rank the " + n + " candidates for this user: reason in " + std::string(kThinkBegin) + " " +
           std::string(kThinkEnd) + ", citing items by SID, then list all " + n + " candidate SIDs, best first.";
  }
  return "Re-rank the " + n + " candidates for this user: list all " + n + " candidate SIDs, best first.";
}

std::string PromptRenderer::user_content(const RankRequest& request) const {
  std::string out;
  out.reserve(64 + 64 * (request.history.size() + request.candidates.size()));
  const size_t n_history = std::min(request.history.size(), static_cast<size_t>(options_.max_history));
  if (n_history == 0) {
    out += "History: none\n";
  } else {
    out += "History (oldest first):\n";
    const size_t first = request.history.size() - n_history;  // keep the newest
    for (size_t i = 0; i < n_history; ++i) {
      out += std::to_string(i + 1) + ". " + item_line(request.history[first + i]) + "\n";
    }
  }
  out += "Candidates:\n";
  for (size_t i = 0; i < request.candidates.size(); ++i) {
    out += std::to_string(i + 1) + ". " + item_line(request.candidates[i].item_id);
    if (i + 1 < request.candidates.size()) out += "\n";
  }
  return out;
}

std::vector<ChatMessage> PromptRenderer::messages(const RankRequest& request) const {
  return {ChatMessage{"system", task_line(request.size())}, ChatMessage{"user", user_content(request)}};
}

std::string PromptRenderer::render_prompt(const RankRequest& request) const {
  std::string out;
  out.reserve(256 + 64 * (request.history.size() + request.candidates.size()));
  for (const ChatMessage& m : messages(request)) {
    out += kImStart;
    out += m.role + "\n" + m.content;
    out += kImEnd;
    out += "\n";
  }
  out += kImStart;
  out += "assistant\n";
  if (options_.think) {
    out += kThinkBegin;
    out += "\n";
  }
  return out;
}

void PromptRenderer::render_assistant(const RankRequest& request, const std::vector<int>& order,
                                      const std::string& reasoning, RenderedExample& ex) const {
  check_internal(is_permutation_of(order, request.size()),
                 "render_answer: the order is not a permutation of the request's " +
                     std::to_string(request.size()) + " candidates");
  ex.reasoning_part.clear();
  ex.answer_part.clear();
  if (options_.think) {
    for (std::string_view token : {kImStart, kImEnd, kThinkBegin, kThinkEnd}) {
      require(reasoning.find(token) == std::string::npos,
              "prompt: the reasoning of request '" + request.request_id + "' contains the token " +
                  std::string(token));
    }
    ex.reasoning_part = trimmed(reasoning) + "\n" + std::string(kThinkEnd) + "\n";
  }
  for (int i : order) ex.answer_part += item_sid(request.candidates[static_cast<size_t>(i)].item_id);
  ex.answer_part += kImEnd;
}

RenderedExample PromptRenderer::render_example(const RankRequest& request, const std::vector<int>& order,
                                               const std::string& reasoning) const {
  RenderedExample ex;
  render_assistant(request, order, reasoning, ex);
  ex.prompt = render_prompt(request);
  return ex;
}

std::string PromptRenderer::render_answer(const RankRequest& request, const std::vector<int>& order,
                                          const std::string& reasoning) const {
  RenderedExample ex;
  render_assistant(request, order, reasoning, ex);
  return ex.assistant();
}

CandidateSids PromptRenderer::candidate_sids(const RankRequest& request) const {
  CandidateSids out;
  out.reserve(request.candidates.size());
  for (const Candidate& c : request.candidates) out.push_back(item_sid(c.item_id));
  return out;
}

ParsedAnswer PromptRenderer::parse(std::string_view assistant_text, const RankRequest& request) const {
  return parse_answer(assistant_text, candidate_sids(request), options_.think);
}

}  // namespace gr2::prompt
