// `gr2 launch`: runs a gr2 training command data-parallel in N processes (dist/launcher.h).
// Argument parsing only.
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "gr2/cli/command.h"
#include "gr2/dist/launcher.h"

namespace gr2::cli {
namespace {

void add_launch_command(CLI::App& app) {
  auto o = std::make_shared<dist::LaunchOptions>();
  auto* cmd = app.add_subcommand(
      "launch",
      "Runs a training command data-parallel in N processes on this machine, torchrun-style: each gets\n"
      "RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT; every rank reads its shard of each\n"
      "batch and gradients are summed over ranks (c10d: Gloo on CPU, NCCL on CUDA). Rank 0 writes\n"
      "checkpoints, logs and outputs. Exits with the first failed rank's status. See docs/distributed.md.\n"
      "Example: gr2 launch --nproc 2 -- gr2 sft --init work/midtrain --data work/data --traces t.jsonl --out work/sft");
  cmd->add_option("--nproc", o->nproc, "Processes (ranks) on this machine")->required()->check(CLI::Range(1, 4096));
  cmd->add_option("--nnodes", o->nnodes, "Machines in the run")->capture_default_str()->check(CLI::Range(1, 65536));
  cmd->add_option("--node-rank", o->node_rank, "This machine's index in [0, nnodes)")->capture_default_str();
  cmd->add_option("--master-addr", o->master_addr, "Address of rank 0's machine")->capture_default_str();
  cmd->add_option("--master-port", o->master_port, "Port of the rendezvous on rank 0's machine (0: a free one)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--timeout", o->timeout_s,
                  "Seconds a rank waits for the others (rendezvous, each collective) before failing")
      ->capture_default_str();
  cmd->add_option("--backend", o->backend, "gloo or nccl (default: by device)")->check(CLI::IsMember({"gloo", "nccl"}));
  cmd->add_option("command", o->command, "The command each rank runs, after --")->required();
  cmd->callback([o] {
    const int status = dist::launch(*o);
    if (status != 0) std::exit(status);
  });
}

}  // namespace
GR2_REGISTER_COMMAND(92, add_launch_command);
}  // namespace gr2::cli
