// The batching service: valid permutations, batched answers equal to one-at-a-time answers
// (greedy), the deadline fallback, the bounded queue (503) and a clean stop.
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <numeric>
#include <thread>

#include <torch/torch.h>

#include "gr2/serve/api_error.h"
#include "gr2/serve/rerank_service.h"
#include "serve/serve_fixture.h"

namespace gr2::serve {
namespace {

class RerankServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { world_ = new test::ServedWorld(); }
  static void TearDownTestSuite() { delete world_; }
  static test::ServedWorld* world_;
};
test::ServedWorld* RerankServiceTest::world_ = nullptr;

TEST_F(RerankServiceTest, AnswersAreValidPermutationsWithTokenCounts) {
  ServiceMetrics metrics;
  RerankService service(world_->reranker(), {}, &metrics);
  for (const RankRequest& r : world_->requests(3)) {
    const RerankOutcome o = service.rerank(r, 60000);
    EXPECT_TRUE(is_permutation_of(o.order, r.size()));
    EXPECT_EQ(o.fallback, "");
    EXPECT_GT(o.prompt_tokens, 0);
    EXPECT_GT(o.completion_tokens, 0);
  }
  EXPECT_TRUE(service.knows_item(world_->requests(1)[0].candidates[0].item_id));
  EXPECT_FALSE(service.knows_item("no-such-item"));
  EXPECT_NE(metrics.prometheus_text().find("gr2_batch_size_count 3"), std::string::npos);
}

TEST_F(RerankServiceTest, ConcurrentRequestsGetTheAnswersOfOneAtATime) {
  const std::vector<RankRequest> requests = world_->requests(12);
  ServiceMetrics alone_metrics;
  std::vector<std::vector<int>> alone;
  {
    RerankService service(world_->reranker(), {}, &alone_metrics);
    for (const RankRequest& r : requests) alone.push_back(service.rerank(r, 60000).order);
  }
  for (const bool continuous : {false, true}) {
    ServiceMetrics metrics;
    RerankServiceOptions o;
    o.max_batch = 8;
    o.batch_wait_ms = 20;  // let the concurrent callers gather into shared batches
    o.continuous = continuous;
    RerankService service(world_->reranker(), o, &metrics);
    std::vector<std::future<RerankOutcome>> answers;
    for (size_t i = 0; i < requests.size(); ++i) {
      answers.push_back(std::async(std::launch::async, [&service, r = requests[i], i] {
        std::this_thread::sleep_for(std::chrono::milliseconds(3 * i));  // staggered: later ones join mid-decode
        return service.rerank(r, 60000);
      }));
    }
    for (size_t i = 0; i < requests.size(); ++i) {
      const RerankOutcome out = answers[i].get();
      EXPECT_EQ(out.fallback, "");
      EXPECT_EQ(out.order, alone[i]) << "request " << i << (continuous ? " (continuous)" : "");
    }
    // Decode steps were shared: more than one request per step on average.
    const std::string text = metrics.prometheus_text();
    const size_t sum = text.find("gr2_batch_size_sum "), count = text.find("gr2_batch_size_count ");
    ASSERT_NE(sum, std::string::npos);
    ASSERT_NE(count, std::string::npos);
    EXPECT_GT(std::stod(text.substr(sum + 19)), 1.5 * std::stod(text.substr(count + 21))) << text;
  }
}

TEST_F(RerankServiceTest, ThePrefixCacheGivesTheAnswersOfAFullPrefill) {
  const std::vector<RankRequest> requests = world_->requests(8);
  const auto reranker = world_->reranker("think");
  for (const RankRequest& r : requests) {  // the cached turn is a prefix of every prompt
    const std::vector<int64_t> turn = reranker->system_turn_tokens(r.size()), prompt = reranker->prompt_tokens(r);
    ASSERT_LT(turn.size(), prompt.size());
    EXPECT_TRUE(std::equal(turn.begin(), turn.end(), prompt.begin()));
  }
  std::vector<std::vector<int>> orders[2];
  for (const bool cached : {false, true}) {
    ServiceMetrics metrics;
    RerankServiceOptions o;
    o.prefix_cache = cached;
    RerankService service(world_->reranker("think"), o, &metrics);
    for (const RankRequest& r : requests) orders[cached].push_back(service.rerank(r, 60000).order);
  }
  EXPECT_EQ(orders[0], orders[1]);
}

TEST_F(RerankServiceTest, APassedDeadlineAnswersTheIncomingOrder) {
  ServiceMetrics metrics;
  RerankService service(world_->reranker("think"), {}, &metrics);
  const RankRequest r = world_->requests(1)[0];
  const RerankOutcome o = service.rerank(r, 0.001);  // 1 microsecond: the model cannot be done
  std::vector<int> incoming(static_cast<size_t>(r.size()));
  std::iota(incoming.begin(), incoming.end(), 0);
  EXPECT_EQ(o.order, incoming);
  EXPECT_EQ(o.fallback, "timeout");
  EXPECT_EQ(metrics.fallbacks("timeout"), 1u);
  EXPECT_EQ(service.rerank(r, 60000).fallback, "");  // the service goes on
}

TEST_F(RerankServiceTest, AFullQueueRefusesWith503) {
  ServiceMetrics metrics;
  RerankServiceOptions o;
  o.max_queue = 0;
  RerankService service(world_->reranker(), o, &metrics);
  try {
    service.rerank(world_->requests(1)[0], 1000);
    FAIL() << "expected 503";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 503);
    EXPECT_EQ(e.type(), "overloaded");
  }
}

TEST_F(RerankServiceTest, StopAnswersQueuedRequestsThenRefuses) {
  ServiceMetrics metrics;
  RerankServiceOptions o;
  o.max_batch = 1;
  RerankService service(world_->reranker("think"), o, &metrics);
  std::vector<std::future<RerankOutcome>> answers;
  for (const RankRequest& r : world_->requests(4))
    answers.push_back(std::async(std::launch::async, [&service, r] { return service.rerank(r, 60000); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  service.stop();
  for (auto& a : answers) {
    // Each was answered by the model, or refused if it arrived after stop().
    try {
      EXPECT_EQ(a.get().fallback, "");
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status(), 503);
    }
  }
  EXPECT_THROW(service.rerank(world_->requests(1)[0], 1000), ApiError);
}

TEST(RerankServiceOptionsTest, InvalidOptionsAreRefused) {
  RerankServiceOptions o;
  o.max_batch = 0;
  EXPECT_THROW(o.validate(), Error);
  o = {};
  o.default_timeout_ms = 0;
  EXPECT_THROW(o.validate(), Error);
}

}  // namespace
}  // namespace gr2::serve
