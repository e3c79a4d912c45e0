// `gr2 launch`: starts the processes of a data-parallel run on one machine (or this machine's
// share of a multi-machine run), the way torchrun does: each child gets RANK, LOCAL_RANK,
// WORLD_SIZE, MASTER_ADDR, MASTER_PORT and GR2_DIST_TIMEOUT in its environment (dist/world.h reads
// them) and runs the given command; with several ranks per machine also OMP_NUM_THREADS=1 unless
// set (as torchrun: one intra-op thread per rank instead of one per core each). Written here rather than taken from a library because torchrun
// is Python; the processes themselves communicate only through c10d.
#pragma once

#include <string>
#include <vector>

namespace gr2::dist {

struct LaunchOptions {
  int nproc = 1;                          // processes on this machine
  int nnodes = 1;                         // machines in the run
  int node_rank = 0;                      // this machine's index: its ranks are node_rank*nproc + [0, nproc)
  std::string master_addr = "127.0.0.1";  // rank 0's machine
  int master_port = 0;                    // 0: a free port of this machine (single-machine runs only)
  double timeout_s = 300;                 // rendezvous and collective limit; also how long the others
                                          // may take to stop after one rank failed
  std::string backend;                    // "" = by device (GR2_DIST_BACKEND)
  std::vector<std::string> command;       // argv; a first word "gr2" is this executable
};

// A TCP port of this machine that was free a moment ago (bound to port 0 and released).
int free_tcp_port();

// Runs the command in options.nproc child processes and waits for them. Returns 0 when every child
// exited 0; else the status of the first child that failed (128 + N for a child killed by signal N),
// after giving the others timeout_s to exit by themselves (a survivor of a dead rank exits with its
// own error when its next collective fails) and killing those that did not. Prints one line per
// failed child on stderr. Throws Error (exit 2) for bad options (no command, nproc < 1, a
// multi-machine run without master_port).
int launch(const LaunchOptions& options);

}  // namespace gr2::dist
