// `gr2 serve` as a child process for the serve tests: started with arguments, its stdout on a
// pipe (the start-up line announces the port), stopped with SIGTERM or killed at destruction.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_util.h"

namespace gr2::serve::test {

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
      std::vector<char*> argv = {const_cast<char*>(kCliPath), const_cast<char*>("serve")};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::setenv("GR2_QUIET", "1", 1);
      ::execv(kCliPath, argv.data());
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

// The port announced in a start-up line ("... on http://127.0.0.1:PORT ..."), or -1.
inline int announced_port(const std::string& line) {
  std::smatch m;
  return std::regex_search(line, m, std::regex(R"(on http://127\.0\.0\.1:(\d+))")) ? std::stoi(m[1]) : -1;
}

}  // namespace gr2::serve::test
