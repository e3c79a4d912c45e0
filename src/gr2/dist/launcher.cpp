// The one-machine launcher: fork/exec of N ranks with torchrun's environment, then a wait that
// stops the survivors of a failed rank.
#include "gr2/dist/launcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "gr2/core/error.h"
#include "gr2/core/log.h"

extern char** environ;

namespace gr2::dist {
namespace {

std::string self_executable() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) throw Error::internal("gr2 launch: cannot read /proc/self/exe");
  return std::string(buf, static_cast<size_t>(n));
}

int exit_status(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

// The environment of rank `rank`: this process's, with the run's variables replaced.
std::vector<std::string> child_environment(const LaunchOptions& o, int rank, int local_rank, int port) {
  const std::vector<std::pair<std::string, std::string>> set{
      {"RANK", std::to_string(rank)},
      {"LOCAL_RANK", std::to_string(local_rank)},
      {"WORLD_SIZE", std::to_string(o.nproc * o.nnodes)},
      {"LOCAL_WORLD_SIZE", std::to_string(o.nproc)},
      {"MASTER_ADDR", o.master_addr},
      {"MASTER_PORT", std::to_string(port)},
      {"GR2_DIST_TIMEOUT", strprintf("%g", o.timeout_s)}};
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string kv(*e);
    const std::string key = kv.substr(0, kv.find('='));
    bool replaced = key == "GR2_DIST_BACKEND" && !o.backend.empty();
    for (const auto& [k, v] : set) replaced = replaced || key == k;
    if (!replaced) env.push_back(kv);
  }
  for (const auto& [k, v] : set) env.push_back(k + "=" + v);
  if (!o.backend.empty()) env.push_back("GR2_DIST_BACKEND=" + o.backend);
  // As torchrun: several ranks on one machine each default to one intra-op thread, not one per
  // core each (a stage's `threads` still sets its own).
  if (o.nproc > 1 && !std::getenv("OMP_NUM_THREADS")) env.push_back("OMP_NUM_THREADS=1");
  return env;
}

}  // namespace

int free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error::internal("free_tcp_port: socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) throw Error::internal("free_tcp_port: cannot bind a port on 127.0.0.1");
  return ntohs(addr.sin_port);
}

int launch(const LaunchOptions& o) {
  if (o.command.empty()) throw Error("gr2 launch: no command given (expected: gr2 launch --nproc N -- gr2 sft ...)");
  if (o.nproc < 1 || o.nnodes < 1 || o.node_rank < 0 || o.node_rank >= o.nnodes)
    throw Error("gr2 launch: expected --nproc >= 1, --nnodes >= 1 and 0 <= --node-rank < --nnodes");
  if (o.nnodes > 1 && o.master_port == 0)
    throw Error("gr2 launch: a run over several machines needs --master-port (the same on every machine)");
  if (!(o.timeout_s > 0)) throw Error("gr2 launch: --timeout must be > 0 seconds");
  const int port = o.master_port > 0 ? o.master_port : free_tcp_port();
  std::vector<std::string> argv = o.command;
  if (argv.front() == "gr2") argv.front() = self_executable();

  std::fflush(stdout);
  std::fflush(stderr);
  std::vector<pid_t> pids;
  for (int local = 0; local < o.nproc; ++local) {
    const int rank = o.node_rank * o.nproc + local;
    const std::vector<std::string> env = child_environment(o, rank, local, port);
    std::vector<char*> cargv, cenv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    for (const auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
    cenv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw Error::internal("gr2 launch: fork failed");
    if (pid == 0) {
      ::execvpe(cargv[0], cargv.data(), cenv.data());
      std::fprintf(stderr, "gr2 launch: cannot run %s: %s\n", cargv[0], std::strerror(errno));
      ::_exit(127);
    }
    pids.push_back(pid);
  }

  // Wait; after the first failure the others have timeout_s to stop by themselves.
  int result = 0;
  size_t running = pids.size();
  std::vector<bool> done(pids.size(), false);
  auto deadline = std::chrono::steady_clock::time_point::max();
  while (running > 0) {
    bool reaped = false;
    for (size_t i = 0; i < pids.size(); ++i) {
      if (done[i]) continue;
      int status = 0;
      if (::waitpid(pids[i], &status, WNOHANG) != pids[i]) continue;
      done[i] = reaped = true;
      --running;
      const int code = exit_status(status);
      if (code == 0) continue;
      std::fprintf(stderr, "gr2 launch: rank %d exited with status %d\n", o.node_rank * o.nproc + static_cast<int>(i),
                   code);
      if (result == 0) {
        result = code;
        deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000));
      }
    }
    if (running > 0 && std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "gr2 launch: %zu rank(s) still running %g s after a failure: killing them\n", running,
                   o.timeout_s);
      for (size_t i = 0; i < pids.size(); ++i)
        if (!done[i]) ::kill(pids[i], SIGKILL);
      deadline = std::chrono::steady_clock::time_point::max();
    }
    if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return result;
}

}  // namespace gr2::dist
