// Append-only JSONL log of metrics (one record per step or evaluation), flushed per record so that
// a crash loses at most the record being written.
#pragma once

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "gr2/core/timing.h"

namespace gr2 {

class MetricsLog {
 public:
  // Opens `path` for appending (created if missing). An empty path makes a log that discards.
  explicit MetricsLog(const std::string& path);
  // Writes `record` plus "time_s" (seconds since this log was opened) as one line.
  void log(nlohmann::json record);
  bool enabled() const { return out_.is_open(); }

 private:
  std::ofstream out_;
  Stopwatch clock_;
};

}  // namespace gr2
