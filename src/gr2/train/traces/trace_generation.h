// Trace generation (`gr2 traces`, docs/traces.md): asks a teacher to rank and explain the training
// slates (those with a positive, or all of them in distill mode), keeps the traces whose top-1 is a
// positive (any valid trace in distill mode), and appends one record per request to a JSONL file,
// resumably.
//
//   targeted:  each attempt shows the teacher the target (target_candidate(labels): the positive
//              with the highest label); a trace is accepted when it is valid and puts a positive
//              first (the heuristic teacher always does, on its first attempt);
//   rejection: the label is hidden; attempts 0, 1, ... are sampled until one is valid and puts a
//              positive first, at most `attempts` of them. A deterministic teacher gets one attempt.
//   distill:   every slate, with or without a positive; the label is hidden and the first valid
//              trace is kept whatever it puts first (attempts replace only invalid ones).
//
// Slates are processed in file order in batches of `batch`; within a batch the attempts of one
// round go to Teacher::teach_batch together. Records are written in slate order after each batch
// and flushed, so a killed run loses at most one batch and a torn last line; rerunning the same
// command skips the request ids already in the file and reproduces the uninterrupted file (traces
// depend on (seed, request id, attempt) only).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/data/slates.h"
#include "gr2/train/traces/teachers/teacher.h"
#include "gr2/train/traces/trace_report.h"

namespace gr2::train::traces {

struct TraceRunOptions {
  teachers::TeachMode mode = teachers::TeachMode::Rejection;
  int attempts = 4;         // max attempts per request (>= 1)
  int64_t limit = 0;        // only the first `limit` eligible slates (0 = all)
  int batch = 64;           // slates per teach_batch round (>= 1)
  double temperature = 0;   // the teacher's temperature, recorded in every record
  bool show_progress = true;
  TokenCounter count_tokens;       // optional: exact reasoning lengths in the report
  Json run_info = Json::object();  // extra provenance for the report (data, sids, config...)
};

struct TraceRunResult {
  int64_t slates = 0;        // slates read
  int64_t eligible = 0;      // with a positive (every slate in distill mode), after the limit
  int64_t resumed = 0;       // eligible slates already in the file (skipped)
  int64_t made = 0;          // records written by this run
  int64_t unanswered = 0;    // requests the teacher never answered (every attempt failed in
                             // transport: timeout, connection, HTTP status); not written, so the
                             // next run retries them
  std::string first_unanswered;  // "request_id: message" of the first of them
  int64_t torn_lines = 0;    // torn last lines cut off the existing file
  double seconds = 0;        // this run's time
  TraceReport report;        // over every record in the file
  std::string report_path;   // out_path + ".report.json"
};

// Generates the traces of `slates` into `out_path` (appending; see above) and writes the report.
// Throws Error when the file holds records of another teacher, mode or temperature (they must not
// be mixed: delete the file or choose another path), when the teacher answers none of the first
// batch's requests (a server that is down or misconfigured: nothing is written), or on invalid
// options.
TraceRunResult generate_traces(teachers::Teacher& teacher, const std::vector<Slate>& slates, const std::string& out_path,
                               const TraceRunOptions& options);

}  // namespace gr2::train::traces
