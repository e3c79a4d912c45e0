// Statistics of a traces file: acceptance, attempts, the teacher's top-1 accuracy, reasoning length
// (printed by `gr2 traces` and saved as TRACES.jsonl.report.json; docs/traces.md defines them).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/train/traces/trace_file.h"

namespace gr2::train::traces {

struct TraceReport {
  int64_t records = 0;                  // requests with a record
  int64_t accepted = 0;                 // records whose kept trace puts a positive first
  double acceptance_rate = 0;           // accepted / records
  double mean_attempts = 0;             // attempts per record
  double mean_attempts_accepted = 0;    // attempts per accepted record
  int64_t total_attempts = 0;
  int64_t invalid_attempts = 0;         // attempts without a valid ranking
  std::map<std::string, int64_t> failures;  // invalid attempts by failure
  double first_attempt_top1 = 0;        // share of records whose attempt 0 put a positive first
                                        // (in rejection mode: the teacher's blind R@1)
  double attempt_top1 = 0;              // share of all attempts that put a positive first
  std::vector<int64_t> accepted_at;     // accepted_at[a] = records accepted at attempt a
  // Over accepted records:
  double mean_reasoning_chars = 0;
  double mean_reasoning_tokens = 0;     // approx_token_count
  double mean_reasoning_tokens_exact = -1;  // with a vocabulary's tokenizer; -1 when not measured
  double mean_cited_sids = 0;           // distinct SIDs cited in the reasoning
  double top1_incoming_first = 0;       // share whose top-1 was already first in the incoming order
  double mean_top1_incoming_rank = 0;   // 1-based incoming rank of the chosen top-1

  Json to_json() const;
  // A few lines for the terminal.
  std::string format() const;
};

// Counts the tokens of a text (e.g. a trained vocabulary's encode(text).size()).
using TokenCounter = std::function<int64_t(std::string_view)>;

// The statistics of `records`; with `count_tokens`, also the exact mean reasoning length.
TraceReport summarize_traces(const std::vector<TraceRecord>& records, const TokenCounter& count_tokens = nullptr);

// An approximate token count of a reasoning text as gr2's vocabulary would see it: one per SID
// level token and per special token ("<|sid_begin|>", "<s_a_3>", ...), plus one per word (a run of
// letters/digits) and per other non-space character. Exact counts need the trained vocabulary.
int64_t approx_token_count(std::string_view text);

}  // namespace gr2::train::traces
