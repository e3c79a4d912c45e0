// The service's counters and histograms, exposed in the Prometheus text exposition format (version
// 0.0.4) at GET /metrics. Hand-written: Debian 12 packages no Prometheus client library for C++
// (prometheus-cpp is not in bookworm), and the format for a handful of counters and histograms is a
// few lines of text. Thread-safe: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace gr2::serve {

// A cumulative histogram with fixed upper bounds (Prometheus "le" buckets; +Inf implied).
struct Histogram {
  std::vector<double> bounds;        // ascending upper bounds
  std::vector<uint64_t> counts;      // [bounds.size() + 1]: per bucket (not cumulative); last = +Inf
  double sum = 0;
  uint64_t count = 0;

  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
};

class ServiceMetrics {
 public:
  ServiceMetrics();

  // One finished HTTP request: its route ("/v1/rerank", ...), status code and latency in seconds.
  void observe_request(const std::string& endpoint, int status, double seconds);
  // One model step: the number of requests decoded together in it.
  void observe_batch(int64_t size);
  // Tokens read (prompt) and written (completion) by the model for one request.
  void add_tokens(int64_t prompt_tokens, int64_t completion_tokens);
  // A request answered with the incoming order, by reason ("timeout", "invalid_output", "error").
  void count_fallback(const std::string& reason);
  // Requests waiting for the model now.
  void set_queue_depth(int64_t depth);
  // One new item given a SID from its text; `moved`: its nearest SID was held by another item.
  void count_new_item(bool moved);

  // Counter values for tests: requests with this endpoint and status; fallbacks by reason.
  uint64_t requests(const std::string& endpoint, int status) const;
  uint64_t fallbacks(const std::string& reason) const;
  uint64_t new_items() const;

  // The whole registry in the Prometheus text format, metric names prefixed "gr2_".
  std::string prometheus_text() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;  // by endpoint
  Histogram batch_size_;
  uint64_t prompt_tokens_ = 0, completion_tokens_ = 0;
  std::map<std::string, uint64_t> fallbacks_;
  int64_t queue_depth_ = 0;
  uint64_t new_items_ = 0, new_items_moved_ = 0;
};

}  // namespace gr2::serve
