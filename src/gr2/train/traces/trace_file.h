// The traces file written by `gr2 traces` (TRACES.jsonl, docs/traces.md): one JSON record per
// request with the kept trace and its provenance. It is appended to as traces are made, so a killed
// run can resume: read_trace_file() keeps every complete record and cuts off a torn last line.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "gr2/core/jsonl.h"

namespace gr2::train::traces {

// One attempt of a request, as logged in its record.
struct TraceAttempt {
  int attempt = 0;
  bool valid = false;
  int top1 = -1;          // incoming index of the top item (-1 when invalid)
  int top1_label = 0;     // its label (0 when invalid)
  std::string failure;    // "" when valid
  std::string message;    // what went wrong (first 300 bytes; "" when valid)
  Json info = Json::object();  // invalid attempts: the teacher's provenance (HTTP: the reply text,
                               // finish_reason, status, tries); empty for valid ones

  // True for failures of the transport, not of the teacher's answer: "timeout", "connection",
  // "http_status" (the teacher never answered).
  bool unanswered() const;
};

// One request's record. The SFT stage uses the records with accepted = true: their `order` ranks
// the slate's candidates (incoming indices) and `reasoning` cites items by SID.
struct TraceRecord {
  std::string request_id;
  std::string teacher;            // Teacher::name()
  std::string mode;               // "targeted" or "rejection"
  bool accepted = false;          // the kept trace is valid and puts a positive first
  int attempt = -1;               // the kept attempt (the accepted one, else the last valid one);
                                  // -1 when no attempt was valid
  int attempts = 0;               // attempts made (<= the run's limit)
  double temperature = 0;         // the teacher's sampling temperature
  uint64_t seed = 0;              // the kept attempt's seed (attempt_seed)
  int target = -1;                // targeted mode: the candidate shown to the teacher; else -1
  std::vector<int> order;         // the kept attempt's ranking (incoming indices); empty when none
  std::vector<std::string> ranking;  // the same as item ids
  std::string reasoning;          // the kept attempt's reasoning
  int top1_label = 0;             // label of the kept ranking's top item
  std::vector<TraceAttempt> attempt_log;  // every attempt, in order
  Json info = Json::object();     // the kept attempt's teacher provenance (TeacherTrace::info)

  Json to_json() const;
  // Parses and checks one record; errors name `where` and the field.
  static TraceRecord from_json(const Json& record, const std::string& where);
};

// The complete records of an existing traces file, in file order. A last line that is not
// newline-terminated or not valid JSON (a run killed while writing it) is cut off the file (the
// file is truncated to the end of the last complete record) and counted in `torn_lines`. A damaged
// line before the last one is an Error naming it. A missing file gives no records.
struct TraceFileContents {
  std::vector<TraceRecord> records;
  int64_t torn_lines = 0;
};
TraceFileContents read_trace_file(const std::string& path, bool truncate_torn = true);

// Appends records to a traces file (creating it), one line each; flush() makes them visible to a
// reader (and to a resumed run after a kill).
class TraceAppender {
 public:
  explicit TraceAppender(const std::string& path);
  void write(const TraceRecord& record);
  void flush();  // throws Error when a write failed (disk full, ...)

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace gr2::train::traces
