// gr2 serve's HTTP layer on loopback: a valid request gets a valid permutation; bad requests get
// JSON 400s naming the field; the bearer token, unknown routes and models, the body limit, the
// deadline fallback and a full queue answer as documented; /metrics moves; /openapi.json
// describes the routes.
#include <gtest/gtest.h>

#include <httplib.h>

#include <set>
#include <thread>

#include <torch/torch.h>

#include "gr2/serve/http/http_server.h"
#include "serve/serve_fixture.h"

namespace gr2::serve {
namespace {

// A service and its HTTP server on a free loopback port, serving on a thread of their own.
class RunningServer {
 public:
  RunningServer(const test::ServedWorld& world, RerankServiceOptions service_options, HttpServerOptions http)
      : service_(world.reranker("think"), service_options, &metrics_) {
    http.port = 0;
    http.access_log = false;
    http.threads = 8;
    server_ = std::make_unique<HttpServer>(&service_, &metrics_, http);
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->serve(); });
  }
  ~RunningServer() {
    server_->stop();
    thread_.join();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    return c;
  }
  const ServiceMetrics& metrics() const { return metrics_; }
  int port() const { return port_; }
  // The count of answered requests with `status` on `endpoint`, once it reaches `expected` (the
  // access logger counts a request just after its response is written) or after 5 s.
  uint64_t requests_when(const std::string& endpoint, int status, uint64_t expected) const {
    for (int i = 0; i < 500 && metrics_.requests(endpoint, status) < expected; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return metrics_.requests(endpoint, status);
  }

 private:
  ServiceMetrics metrics_;
  RerankService service_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::thread thread_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { world_ = new test::ServedWorld(); }
  static void TearDownTestSuite() { delete world_; }
  static test::ServedWorld* world_;

  static Json post(httplib::Client& c, const std::string& body, int expected_status,
                   const httplib::Headers& headers = {}) {
    auto res = c.Post("/v1/rerank", headers, body, "application/json");
    EXPECT_TRUE(res) << "no response";
    if (!res) return Json();
    EXPECT_EQ(res->status, expected_status) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    return Json::parse(res->body);
  }
};
test::ServedWorld* HttpServerTest::world_ = nullptr;

TEST_F(HttpServerTest, AValidRequestGetsAPermutationOfItsCandidates) {
  RunningServer server(*world_, {}, {});
  auto c = server.client();
  const RankRequest r = world_->requests(1)[0];
  Json body = test::ServedWorld::body(r);
  body["top_n"] = 5;
  body["return_reasoning"] = true;
  const Json res = post(c, body.dump(), 200);
  EXPECT_EQ(res["model"], "gr2");
  EXPECT_TRUE(res["fallback"].is_null());
  ASSERT_EQ(res["results"].size(), 5u);
  std::set<int> seen;
  for (const Json& item : res["results"]) {
    const int index = item["index"];
    ASSERT_GE(index, 0);
    ASSERT_LT(index, r.size());
    EXPECT_EQ(item["item_id"], r.candidates[static_cast<size_t>(index)].item_id);
    seen.insert(index);
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_GT(res["usage"]["prompt_tokens"].get<int>(), 0);
  EXPECT_EQ(server.requests_when("/v1/rerank", 200, 1), 1u);
}

TEST_F(HttpServerTest, BadRequestsAreJson400sNamingTheField) {
  RunningServer server(*world_, {}, {});
  auto c = server.client();
  const RankRequest r = world_->requests(1)[0];
  Json unknown = test::ServedWorld::body(r);
  unknown["candidates"][2] = "not-in-catalog";
  Json unknown_with_text = test::ServedWorld::body(r);
  unknown_with_text["candidates"][1] = {{"item_id", "brand-new"}, {"title", "A new lipstick"}};
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "not valid JSON"},
      {R"({"history": []})", "missing field 'candidates'"},
      {unknown.dump(), "candidates[2]: unknown item 'not-in-catalog'"},
      {unknown_with_text.dump(), "candidates[1]: unknown item 'brand-new': not among the served items (those of "
                                 "--data's catalog that have a SID in the checkpoint); start gr2 serve with --sid"},
  };
  for (const auto& [body, expected] : cases) {
    const Json res = post(c, body, 400);
    EXPECT_EQ(res["error"]["code"], 400);
    EXPECT_EQ(res["error"]["type"], "invalid_request");
    EXPECT_NE(res["error"]["message"].get<std::string>().find(expected), std::string::npos) << res;
  }
  EXPECT_EQ(server.requests_when("/v1/rerank", 400, cases.size()), cases.size());

  Json other_model = test::ServedWorld::body(r);
  other_model["model"] = "gpt-x";
  EXPECT_EQ(post(c, other_model.dump(), 404)["error"]["type"], "model_not_found");
}

TEST_F(HttpServerTest, RoutesBodyLimitAndBearerToken) {
  HttpServerOptions http;
  http.api_key = "s3cret";
  http.limits.max_body_bytes = 2000;
  RunningServer server(*world_, {}, http);
  auto c = server.client();
  const std::string body = test::ServedWorld::body(world_->requests(1)[0]).dump();
  EXPECT_EQ(post(c, body, 401)["error"]["type"], "unauthorized");
  EXPECT_EQ(post(c, body, 401, {{"Authorization", "Bearer wrong!"}})["error"]["type"], "unauthorized");
  const httplib::Headers auth = {{"Authorization", "Bearer s3cret"}};
  EXPECT_TRUE(post(c, body, 200, auth)["fallback"].is_null());
  EXPECT_EQ(post(c, std::string(3000, ' '), 413, auth)["error"]["type"], "body_too_large");
  EXPECT_TRUE(post(c, body, 200, {{"Authorization", "bearer s3cret"}})["fallback"].is_null());  // scheme: any case
  // curl -d's default content type: httplib caps form bodies at 8192 bytes, and the message says so.
  auto form = c.Post("/v1/rerank", auth, std::string(2500, ' '), "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 413);
  EXPECT_NE(form->body.find("Content-Type: application/json"), std::string::npos) << form->body;

  auto health = c.Get("/healthz");  // open without the token (load balancers' probes)
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto missing = c.Get("/v2/nothing", auth);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(Json::parse(missing->body)["error"]["type"], "not_found");

  ASSERT_EQ(server.requests_when("/v1/rerank", 401, 2), 2u);
  ASSERT_EQ(server.requests_when("/v1/rerank", 200, 2), 2u);
  auto put = c.Put("/v1/rerank", auth, body, "application/json");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 405);
  EXPECT_EQ(put->get_header_value("Allow"), "POST");
  auto post_health = c.Post("/healthz", auth, "{}", "application/json");
  ASSERT_TRUE(post_health);
  EXPECT_EQ(post_health->status, 405);
  EXPECT_EQ(post_health->get_header_value("Allow"), "GET, HEAD");

  auto metrics = c.Get("/metrics", auth);
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("gr2_requests_total{endpoint=\"/v1/rerank\",status=\"200\"} 2"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("gr2_requests_total{endpoint=\"/v1/rerank\",status=\"401\"} 2"), std::string::npos);

  auto spec = c.Get("/openapi.json", auth);
  ASSERT_TRUE(spec);
  const Json doc = Json::parse(spec->body);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  for (const char* path : {"/v1/rerank", "/healthz", "/metrics", "/openapi.json"})
    EXPECT_TRUE(doc["paths"].contains(path)) << path;
}

TEST_F(HttpServerTest, ASecondServerCannotTakeAPortInUse) {
  // httplib's default SO_REUSEPORT let two servers share a port, the kernel splitting requests.
  RunningServer first(*world_, {}, {});
  ServiceMetrics metrics;
  RerankService service(world_->reranker("direct"), {}, &metrics);
  HttpServerOptions http;
  http.port = first.port();
  HttpServer second(&service, &metrics, http);
  EXPECT_THROW(second.bind(), Error);
}

TEST_F(HttpServerTest, DeadlineFallbackAndFullQueue) {
  {
    RunningServer server(*world_, {}, {});
    auto c = server.client();
    Json body = test::ServedWorld::body(world_->requests(1)[0]);
    body["timeout_ms"] = 0.001;
    const Json res = post(c, body.dump(), 200);
    EXPECT_EQ(res["fallback"], "timeout");
    for (size_t r = 0; r < res["results"].size(); ++r) EXPECT_EQ(res["results"][r]["index"], r);  // incoming
  }
  RerankServiceOptions full;
  full.max_queue = 0;
  RunningServer server(*world_, full, {});
  auto c = server.client();
  auto res = c.Post("/v1/rerank", test::ServedWorld::body(world_->requests(1)[0]).dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->get_header_value("Retry-After"), "1");
  EXPECT_EQ(Json::parse(res->body)["error"]["type"], "overloaded");
}

}  // namespace
}  // namespace gr2::serve
