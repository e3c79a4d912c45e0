// `gr2 serve` as a process: it prints the port it bound, answers /v1/rerank on loopback, refuses a
// bad option with exit 2, and on SIGTERM finishes and exits 0.
#include <gtest/gtest.h>

#include <httplib.h>

#include <regex>

#include "serve/serve_fixture.h"
#include "serve/serve_process.h"
#include "test_util.h"

namespace gr2::serve {
namespace {

TEST(ServeCommand, ServesOnTheAnnouncedPortAndStopsOnSigterm) {
  const test::ServedWorld world;
  test::ServeProcess server({"--model", world.checkpoint("direct"), "--data", world.world().root, "--port", "0",
                       "--device", "cpu", "--no-access-log"});
  const std::string line = server.first_line();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(line, m, std::regex(R"(direct \(direct answer\) on http://127\.0\.0\.1:(\d+))")))
      << line;
  httplib::Client client("127.0.0.1", std::stoi(m[1]));
  client.set_read_timeout(60, 0);
  const RankRequest r = world.requests(1)[0];
  auto res = client.Post("/v1/rerank", test::ServedWorld::body(r).dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  const Json body = Json::parse(res->body);
  EXPECT_EQ(body["model"], "direct");
  EXPECT_EQ(body["results"].size(), static_cast<size_t>(r.size()));
  EXPECT_EQ(server.terminate(), 0);
}

TEST(ServeCommand, BadOptionsExitWith2) {
  const CliResult missing = run_cli("serve --model /nonexistent/dir --data /nonexistent");
  EXPECT_EQ(missing.status, 2) << missing.output;
  const CliResult key = run_cli("serve --model . --data . --api-key-env GR2_TEST_UNSET_KEY");
  EXPECT_EQ(key.status, 2) << key.output;
  EXPECT_NE(key.output.find("GR2_TEST_UNSET_KEY"), std::string::npos) << key.output;
}

}  // namespace
}  // namespace gr2::serve
