// Progress line (terminal) or periodic log lines (pipes and files).
#include "gr2/core/progress.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace gr2 {

Progress::Progress(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total) {
  tty_ = ::isatty(STDERR_FILENO) != 0;
  const char* q = std::getenv("GR2_QUIET");
  quiet_ = q && std::string(q) == "1";
}

Progress::~Progress() {
  if (!finished_ && tty_ && !quiet_ && last_print_ > -1e9) std::cerr << "\n";
}

std::string Progress::format_duration(double s) {
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%dh%02dm", int(s / 3600), int(s / 60) % 60);
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%dm%02ds", int(s / 60), int(s) % 60);
  else std::snprintf(buf, sizeof buf, "%.1fs", s);
  return buf;
}

std::string Progress::render(int64_t done,
                             const std::vector<std::pair<std::string, double>>& metrics) const {
  double elapsed = clock_.seconds();
  double rate = elapsed > 0 ? done / elapsed : 0;
  std::ostringstream line;
  line << label_ << ": " << done;
  if (total_ > 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, "%.0f%%", 100.0 * done / total_);
    line << "/" << total_ << " " << unit_ << " (" << pct << ")";
  } else {
    line << " " << unit_;
  }
  char r[32];
  std::snprintf(r, sizeof r, "%.3g", rate);
  line << " | " << r << " " << unit_ << "/s";
  if (total_ > 0 && rate > 0 && done < total_) line << " | ETA " << format_duration((total_ - done) / rate);
  line << " | " << format_duration(elapsed);
  for (const auto& [name, value] : metrics) {
    char v[32];
    std::snprintf(v, sizeof v, "%.4g", value);
    line << " | " << name << " " << v;
  }
  return line.str();
}

void Progress::update(int64_t done, const std::vector<std::pair<std::string, double>>& metrics) {
  done_ = done;
  if (quiet_) return;
  double now = clock_.seconds();
  double interval = tty_ ? 0.1 : 10.0;
  if (now - last_print_ < interval) return;
  last_print_ = now;
  if (tty_) std::cerr << "\r\033[K" << render(done, metrics) << std::flush;
  else std::cerr << render(done, metrics) << std::endl;
}

void Progress::finish(const std::vector<std::pair<std::string, double>>& metrics) {
  if (finished_) return;
  finished_ = true;
  if (quiet_) return;
  if (total_ > 0 && done_ < total_) done_ = total_;
  if (tty_) std::cerr << "\r\033[K";
  std::cerr << render(done_, metrics) << std::endl;
}

}  // namespace gr2
