// The Prometheus exposition of the service's metrics: counters move, histogram buckets are
// cumulative and end with +Inf = _count, label values are escaped.
#include <gtest/gtest.h>

#include "gr2/serve/service_metrics.h"

namespace gr2::serve {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(ServiceMetrics, CountersAndHistogramsInTheTextFormat) {
  ServiceMetrics m;
  m.observe_request("/v1/rerank", 200, 0.004);
  m.observe_request("/v1/rerank", 200, 0.02);
  m.observe_request("/v1/rerank", 400, 0.0001);
  m.observe_batch(3);
  m.add_tokens(120, 11);
  m.count_fallback("timeout");
  m.set_queue_depth(5);
  EXPECT_EQ(m.requests("/v1/rerank", 200), 2u);
  EXPECT_EQ(m.requests("/v1/rerank", 503), 0u);
  EXPECT_EQ(m.fallbacks("timeout"), 1u);
  const std::string t = m.prometheus_text();
  EXPECT_TRUE(has_line(t, "gr2_requests_total{endpoint=\"/v1/rerank\",status=\"200\"} 2")) << t;
  EXPECT_TRUE(has_line(t, "gr2_requests_total{endpoint=\"/v1/rerank\",status=\"400\"} 1"));
  EXPECT_TRUE(has_line(t, "gr2_request_duration_seconds_bucket{endpoint=\"/v1/rerank\",le=\"0.001\"} 1"));
  EXPECT_TRUE(has_line(t, "gr2_request_duration_seconds_bucket{endpoint=\"/v1/rerank\",le=\"0.005\"} 2"));
  EXPECT_TRUE(has_line(t, "gr2_request_duration_seconds_bucket{endpoint=\"/v1/rerank\",le=\"+Inf\"} 3"));
  EXPECT_TRUE(has_line(t, "gr2_request_duration_seconds_count{endpoint=\"/v1/rerank\"} 3"));
  EXPECT_TRUE(has_line(t, "gr2_batch_size_bucket{le=\"2\"} 0"));
  EXPECT_TRUE(has_line(t, "gr2_batch_size_bucket{le=\"4\"} 1"));
  EXPECT_TRUE(has_line(t, "gr2_batch_size_sum 3"));
  EXPECT_TRUE(has_line(t, "gr2_queue_depth 5"));
  EXPECT_TRUE(has_line(t, "gr2_prompt_tokens_total 120"));
  EXPECT_TRUE(has_line(t, "gr2_completion_tokens_total 11"));
  EXPECT_TRUE(has_line(t, "gr2_fallbacks_total{reason=\"timeout\"} 1"));
  EXPECT_TRUE(has_line(t, "gr2_fallbacks_total{reason=\"error\"} 0"));
  EXPECT_TRUE(has_line(t, "# TYPE gr2_request_duration_seconds histogram"));
}

TEST(ServiceMetrics, LabelValuesAreEscaped) {
  ServiceMetrics m;
  m.observe_request("a\"b\\c\nd", 404, 0.1);
  EXPECT_TRUE(has_line(m.prometheus_text(), "gr2_requests_total{endpoint=\"a\\\"b\\\\c\\nd\",status=\"404\"} 1"));
}

}  // namespace
}  // namespace gr2::serve
