// Shared test helpers: temporary directories, error-message assertions, running the CLI.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"

namespace gr2 {

// Where this build's checkout and gr2 executable are, as absolute paths. Defined in a file CMake
// generates into the build directory (gr2_test_paths.cpp), so that no other test object depends on
// the checkout's location and a second clone reuses them from ccache.
extern const char* const kSourceDir;
extern const char* const kCliPath;

// A fresh directory under the system temp dir, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "gr2-test-XXXXXX").string();
    if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path(const std::string& name = "") const { return name.empty() ? path_ : path_ + "/" + name; }
  // Writes `content` to `name` inside the directory and returns its path.
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream out(path(name), std::ios::binary);
    out << content;
    return path(name);
  }

 private:
  std::string path_;
};

// Asserts that `fn` throws gr2::Error whose message contains `fragment`.
inline void expect_error(const std::function<void()>& fn, const std::string& fragment) {
  try {
    fn();
    ADD_FAILURE() << "expected gr2::Error containing \"" << fragment << "\", nothing was thrown";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << fragment;
  }
}

// Result of running the gr2 executable.
struct CliResult {
  int status = -1;
  std::string output;  // stdout and stderr together
};

// Runs `gr2 <args>` (args are passed to the shell as written) and captures its output. `env`
// ("NAME=value ...") is set for that process only.
inline CliResult run_cli(const std::string& args, const std::string& env = "") {
  std::string command = (env.empty() ? "" : "env " + env + " ") + std::string(kCliPath) + " " + args + " 2>&1";
  CliResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return result;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) result.output.append(buf, n);
  int raw = ::pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return result;
}

// Runs a shell command, capturing stdout and stderr together; `status` gets the exit status.
inline std::string run_command(const std::string& command, int& status) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) {
    status = -1;
    return output;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  int raw = ::pclose(pipe);
  status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return output;
}

// Debian's python (numeric reference checks use its python3-torch, the same LibTorch version).
inline const char* kSystemPython = "/usr/bin/python3";

// True when kSystemPython can import torch and numpy.
inline bool python_has_torch_and_numpy() {
  int status = -1;
  run_command(std::string(kSystemPython) + " -c 'import numpy, torch'", status);
  return status == 0;
}

}  // namespace gr2
