// Append-only JSONL metrics log.
#include "gr2/core/metrics_log.h"

#include <cerrno>
#include <cstring>

#include "gr2/core/error.h"

namespace gr2 {

MetricsLog::MetricsLog(const std::string& path) {
  if (path.empty()) return;
  out_.open(path, std::ios::app);
  if (!out_) throw Error(path + ": cannot open metrics log (" + std::strerror(errno) + ")");
}

void MetricsLog::log(nlohmann::json record) {
  if (!out_.is_open()) return;
  record["time_s"] = clock_.seconds();
  out_ << record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  out_.flush();
}

}  // namespace gr2
