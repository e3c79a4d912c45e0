// Prometheus counters and histograms of the service (see service_metrics.h).
#include "gr2/serve/service_metrics.h"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace gr2::serve {
namespace {

// Request latency buckets in seconds: 1 ms to 30 s.
const std::vector<double> kLatencyBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                            0.25,  0.5,    1,     2.5,  5,     10,   30};
const std::vector<double> kBatchBounds = {1, 2, 4, 8, 16, 32, 64, 128};

// A label value with \, " and newline escaped (exposition format).
std::string label(const std::string& value) {
  std::string out;
  for (char ch : value) {
    if (ch == '\\' || ch == '"') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out;
}

// The shortest text that reads back as `v` (0.005, not 0.0050000000000000001).
std::string number(double v) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, result.ptr);
}

void write_histogram(std::ostringstream& out, const std::string& name, const std::string& labels,
                     const Histogram& h) {
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.bounds.size(); ++i) {
    cumulative += h.counts[i];
    out << name << "_bucket{" << labels << sep << "le=\"" << number(h.bounds[i]) << "\"} " << cumulative << "\n";
  }
  cumulative += h.counts.back();
  out << name << "_bucket{" << labels << sep << "le=\"+Inf\"} " << cumulative << "\n";
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out << name << "_sum" << braces << " " << number(h.sum) << "\n";
  out << name << "_count" << braces << " " << h.count << "\n";
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds(std::move(upper_bounds)), counts(bounds.size() + 1, 0) {}

void Histogram::observe(double value) {
  const auto it = std::lower_bound(bounds.begin(), bounds.end(), value);
  ++counts[static_cast<size_t>(it - bounds.begin())];
  sum += value;
  ++count;
}

ServiceMetrics::ServiceMetrics() : batch_size_(kBatchBounds) {}

void ServiceMetrics::observe_request(const std::string& endpoint, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{endpoint, status}];
  latency_.try_emplace(endpoint, kLatencyBounds).first->second.observe(seconds);
}

void ServiceMetrics::observe_batch(int64_t size) {
  std::lock_guard<std::mutex> lock(mutex_);
  batch_size_.observe(static_cast<double>(size));
}

void ServiceMetrics::add_tokens(int64_t prompt_tokens, int64_t completion_tokens) {
  std::lock_guard<std::mutex> lock(mutex_);
  prompt_tokens_ += static_cast<uint64_t>(prompt_tokens);
  completion_tokens_ += static_cast<uint64_t>(completion_tokens);
}

void ServiceMetrics::count_fallback(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++fallbacks_[reason];
}

void ServiceMetrics::set_queue_depth(int64_t depth) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_depth_ = depth;
}

void ServiceMetrics::count_new_item(bool moved) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++new_items_;
  if (moved) ++new_items_moved_;
}

uint64_t ServiceMetrics::new_items() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return new_items_;
}

uint64_t ServiceMetrics::requests(const std::string& endpoint, int status) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = requests_.find({endpoint, status});
  return it == requests_.end() ? 0 : it->second;
}

uint64_t ServiceMetrics::fallbacks(const std::string& reason) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = fallbacks_.find(reason);
  return it == fallbacks_.end() ? 0 : it->second;
}

std::string ServiceMetrics::prometheus_text() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::ostringstream out;
  out << "# HELP gr2_requests_total HTTP requests answered, by endpoint and status code.\n"
         "# TYPE gr2_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    out << "gr2_requests_total{endpoint=\"" << label(key.first) << "\",status=\"" << key.second << "\"} " << n << "\n";
  out << "# HELP gr2_request_duration_seconds Time from request received to response written, by endpoint.\n"
         "# TYPE gr2_request_duration_seconds histogram\n";
  for (const auto& [endpoint, h] : latency_)
    write_histogram(out, "gr2_request_duration_seconds", "endpoint=\"" + label(endpoint) + "\"", h);
  out << "# HELP gr2_batch_size Requests decoded together in one model step (continuous batching).\n"
         "# TYPE gr2_batch_size histogram\n";
  write_histogram(out, "gr2_batch_size", "", batch_size_);
  out << "# HELP gr2_queue_depth Requests waiting for the model.\n# TYPE gr2_queue_depth gauge\n"
      << "gr2_queue_depth " << queue_depth_ << "\n";
  out << "# HELP gr2_prompt_tokens_total Prompt tokens read by the model.\n# TYPE gr2_prompt_tokens_total counter\n"
      << "gr2_prompt_tokens_total " << prompt_tokens_ << "\n";
  out << "# HELP gr2_completion_tokens_total Tokens generated by the model.\n"
         "# TYPE gr2_completion_tokens_total counter\n"
      << "gr2_completion_tokens_total " << completion_tokens_ << "\n";
  out << "# HELP gr2_fallbacks_total Requests answered with the incoming order, by reason.\n"
         "# TYPE gr2_fallbacks_total counter\n";
  for (const char* reason : {"timeout", "invalid_output", "error"}) {
    const auto it = fallbacks_.find(reason);
    out << "gr2_fallbacks_total{reason=\"" << reason << "\"} " << (it == fallbacks_.end() ? 0 : it->second) << "\n";
  }
  out << "# HELP gr2_new_items_total Items unknown to the served catalog given a SID from their text.\n"
         "# TYPE gr2_new_items_total counter\n"
      << "gr2_new_items_total " << new_items_ << "\n";
  out << "# HELP gr2_new_items_moved_total New items whose nearest SID another item held (moved to the nearest free one).\n"
         "# TYPE gr2_new_items_moved_total counter\n"
      << "gr2_new_items_moved_total " << new_items_moved_ << "\n";
  return out.str();
}

}  // namespace gr2::serve
