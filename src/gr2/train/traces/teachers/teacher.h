// The teacher interface of trace generation (`gr2 traces`, docs/traces.md): something that reads a
// re-ranking request, reasons about it and returns a trace = reasoning that cites items by their SID
// spelling ("<|sid_begin|><s_a_1>...<|sid_end|>") + a ranking of the K candidates + provenance.
// Implementations: HeuristicTeacher (the built-in analyst, offline stand-in for a large teacher LLM),
// HttpTeacher (any OpenAI-compatible chat-completions server). Traces become SFT data.
//
// Seeding: the randomness of one attempt comes from attempt_seed(seed, request_id, attempt) only,
// so a trace does not depend on the batch it was computed in, nor on the order of requests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/rank/policy.h"

namespace gr2::prompt {
class PromptRenderer;
}

namespace gr2::train::traces::teachers {

// Targeted: the teacher is shown the target (the positive with the highest label) and must place it
// first and explain why it fits. Rejection: the label is hidden; attempts are sampled until one puts
// a positive first (at most `attempts` of them). Distill: every training slate, with or without a
// positive, gets the teacher's ranking with the label hidden; a valid trace is kept whatever it puts
// first (the student imitates the teacher where no label exists).
enum class TeachMode { Targeted, Rejection, Distill };
std::string teach_mode_name(TeachMode mode);          // "targeted", "rejection", "distill"
TeachMode parse_teach_mode(const std::string& name);  // throws Error for another name

// Bytes of a failed attempt's reply kept in its trace's info["reply"] (for the log, not for training).
constexpr size_t kFailedReplyKeptBytes = 4000;

// One attempt asked of a teacher.
struct TeachRequest {
  const RankRequest* request = nullptr;  // must outlive the call
  int target = -1;   // targeted mode: the candidate (index into request->candidates) to place first
                     // and explain; -1: hidden (rejection mode)
  int attempt = 0;   // 0-based attempt number; with the request id it seeds the attempt
};

// What a teacher returned for one attempt.
struct TeacherTrace {
  bool valid = false;       // order is a permutation of the candidates
  std::vector<int> order;   // order[r] = index into the candidates of the item at rank r; empty when
                            // !valid
  std::string reasoning;    // cites items by SID spelling; may be "" when !valid
  std::string failure;      // when !valid: a parser failure ("unparseable", "unknown_item",
                            // "duplicate", "missing"), a citation check ("no_citation",
                            // "bad_citation") or a transport one ("timeout", "connection",
                            // "http_status", "bad_reply")
  std::string message;      // what went wrong, for the log ("" when valid)
  uint64_t seed = 0;        // attempt_seed(...) of this attempt
  Json info = Json::object();  // teacher-specific provenance (e.g. HTTP tries, latency, token usage)
};

// The candidate targeted mode explains: the one with the highest label, if that label is > 0; among
// equal labels the earliest in the incoming order. -1 when no label is positive.
int target_candidate(const std::vector<int>& labels);

// The citation check of model-written traces (http and checkpoint teachers): the reasoning must cite
// at least one candidate by SID, and every SID it cites must be an item of the prompt (a candidate or
// one of the last renderer.options().max_history history items). Returns true when it passes;
// otherwise fills trace.failure ("no_citation", "bad_citation") and trace.message and returns false.
bool check_citations(const std::string& reasoning, const RankRequest& request, const prompt::PromptRenderer& renderer,
                     TeacherTrace& trace);

// The seed of one attempt at one request: a function of (seed, request_id, attempt) only.
uint64_t attempt_seed(uint64_t seed, const std::string& request_id, int attempt);

class Teacher {
 public:
  virtual ~Teacher() = default;
  // The name recorded with every trace ("heuristic", "http").
  virtual std::string name() const = 0;
  // True when repeating an attempt cannot change the trace (the heuristic at temperature 0):
  // rejection sampling then stops after the first attempt.
  virtual bool deterministic() const { return false; }
  // The teacher's settings, recorded in the run's report (never secrets such as an API key).
  virtual Json describe() const = 0;
  // One attempt. Never throws for a bad reply: the failure is returned in the trace. Throws Error
  // for a malformed request (unknown target, an item without a SID).
  virtual TeacherTrace teach(const TeachRequest& request) = 0;
  // Several attempts; results align with `requests`. The default calls teach() for each; teachers
  // that can work in parallel (HTTP) override it. Each result equals what teach() alone would give.
  virtual std::vector<TeacherTrace> teach_batch(const std::vector<TeachRequest>& requests);
};

}  // namespace gr2::train::traces::teachers
