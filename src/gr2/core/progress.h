// Progress reporting for long work: on a terminal a single line redrawn in place (step/total, rate,
// ETA, metrics); otherwise a plain log line every few seconds, so logs stay readable.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "gr2/core/timing.h"

namespace gr2 {

class Progress {
 public:
  // `total` <= 0 means unknown. `unit` names what is counted ("items", "steps").
  // Writes to stderr; quiet when the environment variable GR2_QUIET is set to 1.
  Progress(std::string label, int64_t total, std::string unit = "steps");
  ~Progress();

  // Reports that `done` units are complete; cheap to call often (output is throttled).
  void update(int64_t done, const std::vector<std::pair<std::string, double>>& metrics = {});
  // Prints the final line (total time and rate).
  void finish(const std::vector<std::pair<std::string, double>>& metrics = {});

  // Formats seconds as "1h02m", "3m05s" or "4.2s".
  static std::string format_duration(double seconds);

 private:
  std::string render(int64_t done, const std::vector<std::pair<std::string, double>>& metrics) const;
  std::string label_;
  std::string unit_;
  int64_t total_;
  int64_t done_ = 0;
  bool tty_;
  bool quiet_;
  bool finished_ = false;
  Stopwatch clock_;
  double last_print_ = -1e9;
};

}  // namespace gr2
