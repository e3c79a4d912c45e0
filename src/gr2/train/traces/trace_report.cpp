// Statistics of a traces file (see trace_report.h).
#include "gr2/train/traces/trace_report.h"

#include <cctype>
#include <cstdio>

#include "gr2/prompt/answer_parser.h"

namespace gr2::train::traces {
namespace {
double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }
std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}
}  // namespace

int64_t approx_token_count(std::string_view text) {
  int64_t n = 0;
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '<') {  // a special or SID token: "<|...|>" or "<s_x_N>"
      const size_t close = text.find('>', i);
      const std::string_view tok = close == std::string_view::npos ? std::string_view() : text.substr(i, close - i + 1);
      if (!tok.empty() && ((tok.size() > 4 && tok[1] == '|' && tok[tok.size() - 2] == '|') ||
                           (tok.size() > 4 && tok[1] == 's' && tok[2] == '_'))) {
        ++n;
        i = close + 1;
        continue;
      }
    }
    if (std::isspace(c)) {
      ++i;
    } else if (std::isalnum(c) || c >= 0x80) {
      ++n;
      while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || static_cast<unsigned char>(text[i]) >= 0x80)) ++i;
    } else {
      ++n;
      ++i;
    }
  }
  return n;
}

TraceReport summarize_traces(const std::vector<TraceRecord>& records, const TokenCounter& count_tokens) {
  TraceReport r;
  r.records = static_cast<int64_t>(records.size());
  int64_t first_ok = 0, attempt_ok = 0, accepted_attempts = 0, incoming_first = 0;
  double chars = 0, tokens = 0, exact = 0, cited = 0, incoming_rank = 0;
  for (const TraceRecord& t : records) {
    r.total_attempts += t.attempts;
    for (const TraceAttempt& a : t.attempt_log) {
      if (!a.valid) {
        ++r.invalid_attempts;
        ++r.failures[a.failure.empty() ? "unknown" : a.failure];
      }
      if (a.valid && a.top1_label > 0) {
        ++attempt_ok;
        if (a.attempt == 0) ++first_ok;
      }
    }
    if (!t.accepted) continue;
    ++r.accepted;
    accepted_attempts += t.attempts;
    if (t.attempt >= 0) {
      if (r.accepted_at.size() <= static_cast<size_t>(t.attempt)) r.accepted_at.resize(static_cast<size_t>(t.attempt) + 1, 0);
      ++r.accepted_at[static_cast<size_t>(t.attempt)];
    }
    chars += static_cast<double>(t.reasoning.size());
    tokens += static_cast<double>(approx_token_count(t.reasoning));
    if (count_tokens) exact += static_cast<double>(count_tokens(t.reasoning));
    cited += static_cast<double>(prompt::cited_sids(t.reasoning).size());
    if (!t.order.empty()) {
      incoming_first += t.order[0] == 0;
      incoming_rank += t.order[0] + 1;
    }
  }
  r.acceptance_rate = ratio(static_cast<double>(r.accepted), static_cast<double>(r.records));
  r.mean_attempts = ratio(static_cast<double>(r.total_attempts), static_cast<double>(r.records));
  r.mean_attempts_accepted = ratio(static_cast<double>(accepted_attempts), static_cast<double>(r.accepted));
  r.first_attempt_top1 = ratio(static_cast<double>(first_ok), static_cast<double>(r.records));
  r.attempt_top1 = ratio(static_cast<double>(attempt_ok), static_cast<double>(r.total_attempts));
  r.mean_reasoning_chars = ratio(chars, static_cast<double>(r.accepted));
  r.mean_reasoning_tokens = ratio(tokens, static_cast<double>(r.accepted));
  if (count_tokens) r.mean_reasoning_tokens_exact = ratio(exact, static_cast<double>(r.accepted));
  r.mean_cited_sids = ratio(cited, static_cast<double>(r.accepted));
  r.top1_incoming_first = ratio(static_cast<double>(incoming_first), static_cast<double>(r.accepted));
  r.mean_top1_incoming_rank = ratio(incoming_rank, static_cast<double>(r.accepted));
  return r;
}

Json TraceReport::to_json() const {
  Json j{{"records", records},
              {"accepted", accepted},
              {"acceptance_rate", acceptance_rate},
              {"mean_attempts", mean_attempts},
              {"mean_attempts_accepted", mean_attempts_accepted},
              {"total_attempts", total_attempts},
              {"invalid_attempts", invalid_attempts},
              {"failures", failures},
              {"first_attempt_top1", first_attempt_top1},
              {"attempt_top1", attempt_top1},
              {"accepted_at_attempt", accepted_at},
              {"mean_reasoning_chars", mean_reasoning_chars},
              {"mean_reasoning_tokens_approx", mean_reasoning_tokens},
              {"mean_cited_sids", mean_cited_sids},
              {"top1_incoming_first", top1_incoming_first},
              {"mean_top1_incoming_rank", mean_top1_incoming_rank}};
  if (mean_reasoning_tokens_exact >= 0) j["mean_reasoning_tokens"] = mean_reasoning_tokens_exact;
  return j;
}

std::string TraceReport::format() const {
  std::string s;
  s += "traces: " + std::to_string(records) + " requests, " + std::to_string(accepted) + " accepted (" +
       fixed(100 * acceptance_rate, 1) + "%), mean attempts " + fixed(mean_attempts, 2) + "\n";
  s += "teacher top-1 on a positive: first attempt " + fixed(100 * first_attempt_top1, 1) + "%, all attempts " +
       fixed(100 * attempt_top1, 1) + "%; invalid attempts " + std::to_string(invalid_attempts);
  for (const auto& [failure, n] : failures) s += ", " + failure + " " + std::to_string(n);
  s += "\n";
  s += "accepted reasoning: " + fixed(mean_reasoning_chars, 0) + " chars, ~" + fixed(mean_reasoning_tokens, 1) +
       " tokens" +
       (mean_reasoning_tokens_exact >= 0 ? " (" + fixed(mean_reasoning_tokens_exact, 1) + " with the vocabulary)" : "") +
       ", " + fixed(mean_cited_sids, 2) + " SIDs cited; top-1 kept from incoming #1: " +
       fixed(100 * top1_incoming_first, 1) + "%\n";
  return s;
}

}  // namespace gr2::train::traces
