// The process's place in a data-parallel run: its rank, the world size and, when there is more than
// one process (or a launcher asked for one), a c10d process group (ProcessGroupGloo on the CPU,
// ProcessGroupNCCL on CUDA builds that have it) over a TCPStore rendezvous. Everything else in
// gr2/dist (gradient all-reduce, statistics, the config check) goes through World.
//
// The run is described the way torchrun, Slurm wrappers and mpirun-set scripts already do it:
//   WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR, MASTER_PORT   (torchrun's names)
//   GR2_DIST_BACKEND = gloo | nccl    (default: gloo for a CPU device, nccl for CUDA)
//   GR2_DIST_TIMEOUT = seconds        (default 300: rendezvous, and each collective)
// Without WORLD_SIZE the process is alone: size 1, no process group, nothing changes (a plain run
// is bit-identical to one of a gr2 without this layer).
//
// Failure: a rank that never joins makes the others' rendezvous fail after the timeout; a rank that
// dies makes the others' next collective fail (at once when its sockets close, else after the
// timeout). Either way the survivors throw gr2::Error (exit status 1) naming the rank and the
// operation, instead of hanging.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

namespace gr2::dist {

// The run as the environment describes it.
struct WorldConfig {
  int rank = 0;
  int size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string backend;        // "" = by device
  double timeout_s = 300;
  bool from_env = false;      // WORLD_SIZE was set: a process group is made (even for size 1)
};

// Reads the variables above. Throws Error (exit 2) for a malformed or inconsistent value (RANK
// outside [0, WORLD_SIZE), a port outside 1..65535, an unknown backend, a timeout <= 0).
WorldConfig world_config_from_env();

class World {
 public:
  // A world of one process with no process group.
  World();
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Joins the run `config` describes on `device` (the rendezvous waits up to config.timeout_s for
  // every rank). No-op for a config not from the environment. Throws Error when the backend is not
  // in this build or the rendezvous fails.
  void join(const WorldConfig& config, torch::Device device);

  int rank() const { return config_.rank; }
  int size() const { return config_.size; }
  int local_rank() const { return config_.local_rank; }
  // True when a process group exists (collectives communicate).
  bool active() const;
  // Rank 0: the one that writes checkpoints, logs and outputs.
  bool is_main() const { return config_.rank == 0; }
  const std::string& backend() const { return backend_; }
  // Where collective buffers live: the CPU for Gloo, the rank's CUDA device for NCCL.
  torch::Device device() const { return device_; }
  double timeout_s() const { return config_.timeout_s; }
  // "rank 1 of 2" (for messages).
  std::string describe() const;

  // In-place sum over ranks of each tensor (each a dense tensor on the run's device; shapes and
  // dtypes must agree across ranks). No-op when not active. `what` names the operation in errors.
  // Throws Error (exit 1) when a rank has died or the timeout passed.
  void all_reduce_sum(std::vector<torch::Tensor>& tensors, const std::string& what);
  // Overwrites each tensor with rank 0's. No-op when not active. Errors as all_reduce_sum.
  void broadcast_from_main(std::vector<torch::Tensor>& tensors, const std::string& what);
  // Returns when every rank has called it (a one-element all-reduce). No-op when not active.
  void barrier(const std::string& what);
  // Publishes `value` under `key` in the rendezvous store and reads the values every rank published
  // under it (index = rank). Waits up to the timeout for the others. Requires active().
  std::vector<std::string> exchange(const std::string& key, const std::string& value);

 private:
  struct Impl;
  WorldConfig config_;
  std::string backend_;
  torch::Device device_ = torch::kCPU;
  std::unique_ptr<Impl> impl_;
};

// True when this build has the backend `name` ("gloo": built with gloo's headers; "nccl": a CUDA
// LibTorch with NCCL's), i.e. when a run may ask for it.
bool backend_built(const std::string& name);

// The process's world: size 1 until join_world() joined a run.
World& world();
// Joins the run the environment describes on `device`, once per process (later calls return the
// same world; a call with another device type than the first is an Error). On ranks other than 0
// it also quiets output: info messages and progress lines are dropped and stdout is discarded,
// unless GR2_DIST_LOG_ALL_RANKS=1 (then messages carry a "[rank R]" prefix).
World& join_world(torch::Device device);

}  // namespace gr2::dist
