// schemathesis (PyPI; the API-test environment of scripts/reference_env.sh api, found through
// GR2_API_TEST_PYTHON) fuzzes gr2 serve on loopback from its own /openapi.json: requests generated
// from the schemas, valid and invalid. Every response must match the documented schema, status code
// and content type, and the server must answer no 5xx. Excluded checks: positive_data_acceptance (a
// schema-valid /v1/rerank body may still name items the catalog lacks, a documented 400 that a
// schema cannot express) and unsupported_method (cpp-httplib 0.11 refuses a request line with a
// method it does not know, such as QUERY, as 400 before any route is chosen; methods it knows get
// 405 with Allow on every route, tested in http_server_test.cpp). The server accepts new items
// (gr2 serve --sid), so generated candidates with text reach the new-item path (random text mostly
// shares no word with the catalog: a 400). Skips when the environment is absent.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "gr2/serve/http/http_server.h"
#include "gr2/sid/sid_assigner.h"
#include "serve/serve_fixture.h"
#include "test_util.h"

namespace gr2::serve {
namespace {

TEST(Schemathesis, EveryResponseMatchesTheOpenApiDocumentAndNoneIs5xx) {
  const char* python = std::getenv("GR2_API_TEST_PYTHON");
  if (python == nullptr || *python == '\0')
    GTEST_SKIP() << "the API-test environment is absent: `make test` creates it (scripts/reference_env.sh api) "
                    "and sets GR2_API_TEST_PYTHON to its python (schemathesis)";
  const test::ServedWorld world;
  const TempDir tmp;
  // The server accepts new items (--sid): generated candidate objects with text take that path.
  test::write_sid_tokenizer_dir(world, tmp.path("sid"));
  Catalog catalog = world.world().catalog;
  auto reranker = LmReranker::load(world.checkpoint("direct"), catalog, torch::kCPU);
  NewItemSupport new_items;
  new_items.catalog = &catalog;
  new_items.assigner = sid::SidAssigner::load(tmp.path("sid"), "", reranker->sids(), 16);
  ServiceMetrics metrics;
  RerankService service(std::move(reranker), {}, &metrics, std::move(new_items));
  HttpServerOptions http;
  http.port = 0;
  http.access_log = false;
  http.threads = 8;
  http.limits.max_candidates = 20;  // small limits keep generated requests fast on the tiny model
  http.limits.max_history = 20;
  http.completion_limits.max_tokens = 16;
  http.completion_limits.max_n = 2;
  http.completion_limits.max_prompt_chars = 2000;
  HttpServer server(&service, &metrics, http);
  const int port = server.bind();
  std::thread serving([&] { server.serve(); });

  const std::string bin = std::string(python).substr(0, std::string(python).rfind('/'));
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/openapi.json";
  int status = -1;
  const std::string output = run_command(
      "cd " + tmp.path() + " && " + bin + "/schemathesis run " + url +
          " --checks all --exclude-checks positive_data_acceptance,unsupported_method --max-examples 100 --seed 7"
          " --workers 1 --request-timeout 60 --suppress-health-check all --no-color --output-truncate false --output-sanitize false",
      status);
  server.stop();
  serving.join();
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(metrics.prometheus_text().find("status=\"5"), std::string::npos) << metrics.prometheus_text();
  EXPECT_GT(metrics.requests("/v1/rerank", 400), 0u) << "schemathesis sent no invalid /v1/rerank body";
}

}  // namespace
}  // namespace gr2::serve
