// `gr2 serve` as a process: it prints the port it bound, answers /v1/rerank on loopback, refuses a
// bad option with exit 2, and on SIGTERM finishes and exits 0.
#include <gtest/gtest.h>

#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <regex>

#include "serve/serve_fixture.h"
#include "test_util.h"

namespace gr2::serve {
namespace {

// A child process running `gr2 serve ARGS` with its stdout on a pipe.
class ServeProcess {
 public:
  explicit ServeProcess(const std::vector<std::string>& args) {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      std::vector<char*> argv = {const_cast<char*>(GR2_CLI_PATH), const_cast<char*>("serve")};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::setenv("GR2_QUIET", "1", 1);
      ::execv(GR2_CLI_PATH, argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = ::fdopen(fds[0], "r");
  }
  ~ServeProcess() {
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ != nullptr) ::fclose(out_);
  }
  // The first line the server prints (its start-up line).
  std::string first_line() {
    char buffer[1024];
    return std::fgets(buffer, sizeof buffer, out_) != nullptr ? std::string(buffer) : std::string();
  }
  // Sends SIGTERM and returns the exit status (-1 if it did not exit normally).
  int terminate() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    waited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  bool waited_ = false;
};

TEST(ServeCommand, ServesOnTheAnnouncedPortAndStopsOnSigterm) {
  const test::ServedWorld world;
  ServeProcess server({"--model", world.checkpoint("direct"), "--data", world.world().root, "--port", "0",
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
