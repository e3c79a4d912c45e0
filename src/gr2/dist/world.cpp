// World: the torchrun environment, the TCPStore rendezvous and the c10d process group (Gloo or
// NCCL), with every failure turned into a gr2::Error that names the rank and the operation.
#include "gr2/dist/world.h"

#ifdef GR2_HAVE_GLOO
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef GR2_HAVE_NCCL
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "gr2/core/error.h"
#include "gr2/core/log.h"

namespace gr2::dist {
namespace {

// The type that runs collectives: LibTorch 2.x splits a ProcessGroup into Backends (Gloo, NCCL are
// Backends); in 1.13 they are ProcessGroups themselves. Both have the same collective signatures.
#if TORCH_VERSION_MAJOR >= 2
using Collectives = c10d::Backend;
#else
using Collectives = c10d::ProcessGroup;
#endif

int env_int(const char* name, int fallback, int lo, int hi) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < lo || x > hi)
    throw Error(std::string("environment variable ") + name + "='" + v + "': expected an integer in [" +
                std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int>(x);
}

std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000.0));
}

// An exception's message without the C++ backtrace c10::Error appends to what().
std::string message_of(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
  return e.what();
}

bool is_loopback(const std::string& addr) {
  return addr == "localhost" || addr.rfind("127.", 0) == 0 || addr == "::1";
}

}  // namespace

WorldConfig world_config_from_env() {
  WorldConfig c;
  const char* ws = std::getenv("WORLD_SIZE");
  if (!ws || !*ws) return c;
  c.from_env = true;
  c.size = env_int("WORLD_SIZE", 1, 1, 1 << 20);
  c.rank = env_int("RANK", 0, 0, 1 << 20);
  if (c.rank >= c.size)
    throw Error("environment: RANK=" + std::to_string(c.rank) + " is not below WORLD_SIZE=" + std::to_string(c.size));
  c.local_rank = env_int("LOCAL_RANK", c.rank, 0, 1 << 20);
  if (const char* a = std::getenv("MASTER_ADDR"); a && *a) c.master_addr = a;
  c.master_port = env_int("MASTER_PORT", 29500, 1, 65535);
  if (const char* b = std::getenv("GR2_DIST_BACKEND"); b && *b) {
    c.backend = b;
    if (c.backend != "gloo" && c.backend != "nccl")
      throw Error("environment: GR2_DIST_BACKEND='" + c.backend + "': expected gloo or nccl");
  }
  if (const char* t = std::getenv("GR2_DIST_TIMEOUT"); t && *t) {
    char* end = nullptr;
    c.timeout_s = std::strtod(t, &end);
    if (*end != '\0' || !(c.timeout_s > 0))
      throw Error(std::string("environment: GR2_DIST_TIMEOUT='") + t + "': expected seconds > 0");
  }
  return c;
}

struct World::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<Collectives> group;
};

World::World() = default;
World::~World() {
  // A process group whose peer died may block in its destructor (its worker threads wait on the
  // dead sockets): it is left to the process exit instead.
  if (impl_) (void)impl_.release();
}

bool World::active() const { return impl_ && impl_->group; }

std::string World::describe() const {
  return "rank " + std::to_string(config_.rank) + " of " + std::to_string(config_.size);
}

void World::join(const WorldConfig& config, torch::Device device) {
  if (!config.from_env) return;
  config_ = config;
  backend_ = config.backend.empty() ? (device.is_cuda() ? "nccl" : "gloo") : config.backend;
  device_ = backend_ == "nccl" ? device : torch::Device(torch::kCPU);
  const auto timeout = to_ms(config.timeout_s);
  const std::string where = config.master_addr + ":" + std::to_string(config.master_port);
  auto impl = std::make_unique<Impl>();
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(config.master_port);
    so.isServer = config.rank == 0;
    so.numWorkers = static_cast<size_t>(config.size);
    so.waitWorkers = true;
    so.timeout = timeout;
    impl->store = c10::make_intrusive<c10d::TCPStore>(config.master_addr, so);
  } catch (const std::exception& e) {
    throw Error(describe() + ": the rendezvous at " + where + " failed (a rank never joined within " +
                    strprintf("%g", config.timeout_s) + " s, or MASTER_ADDR/MASTER_PORT is wrong): " + message_of(e),
                ErrorKind::Internal);
  }
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>("gr2/pg", impl->store);
  try {
    if (backend_ == "gloo") {
#ifdef GR2_HAVE_GLOO
      auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
      if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
      else if (is_loopback(config.master_addr))
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      else
        opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      impl->group = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, config.rank, config.size, opts);
#else
      throw Error("GR2_DIST_BACKEND gloo: this build of gr2 has no Gloo backend (built without the gloo headers)");
#endif
    } else {
#ifdef GR2_HAVE_NCCL
      auto opts = c10d::ProcessGroupNCCL::Options::create();
      opts->timeout = timeout;
      impl->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, config.rank, config.size, opts);
#else
      throw Error("GR2_DIST_BACKEND nccl: this build of gr2 has no NCCL backend (needs a CUDA LibTorch with NCCL); "
                  "use gloo");
#endif
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(describe() + ": the rendezvous at " + where + " failed while making the " + backend_ +
                    " process group (a rank never joined within " + strprintf("%g", config.timeout_s) +
                    " s, or MASTER_ADDR/MASTER_PORT is wrong): " + message_of(e),
                ErrorKind::Internal);
  }
  impl_ = std::move(impl);
}

namespace {

[[noreturn]] void collective_failed(const World& w, const std::string& what, const std::exception& e) {
  throw Error(w.describe() + ": " + what + " failed (another rank died, never reached it, or " +
                  strprintf("%g", w.timeout_s()) + " s passed; GR2_DIST_TIMEOUT sets the limit): " + message_of(e),
              ErrorKind::Internal);
}

}  // namespace

void World::all_reduce_sum(std::vector<torch::Tensor>& tensors, const std::string& what) {
  if (!active()) return;
  try {
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::SUM;
    o.timeout = to_ms(config_.timeout_s);
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    std::vector<std::vector<torch::Tensor>> one(tensors.size());
    for (size_t i = 0; i < tensors.size(); ++i) {
      one[i] = {tensors[i]};  // Gloo reads several tensors as copies of one buffer: one call each
      works.push_back(impl_->group->allreduce(one[i], o));
    }
    for (auto& w : works) w->wait(o.timeout);
  } catch (const std::exception& e) {
    collective_failed(*this, what, e);
  }
}

void World::broadcast_from_main(std::vector<torch::Tensor>& tensors, const std::string& what) {
  if (!active()) return;
  try {
    c10d::BroadcastOptions o;
    o.rootRank = 0;
    o.rootTensor = 0;
    o.timeout = to_ms(config_.timeout_s);
    for (auto& t : tensors) {
      std::vector<torch::Tensor> one{t};
      impl_->group->broadcast(one, o)->wait(o.timeout);
    }
  } catch (const std::exception& e) {
    collective_failed(*this, what, e);
  }
}

void World::barrier(const std::string& what) {
  if (!active()) return;
  std::vector<torch::Tensor> one{torch::zeros({1}, torch::TensorOptions().device(device_))};
  all_reduce_sum(one, what);
}

std::vector<std::string> World::exchange(const std::string& key, const std::string& value) {
  if (!active()) throw Error::internal("dist::World::exchange without a process group");
  std::vector<std::string> out(static_cast<size_t>(config_.size));
  try {
    const std::string base = "gr2/exchange/" + key + "/";
    impl_->store->set(base + std::to_string(config_.rank), std::vector<uint8_t>(value.begin(), value.end()));
    for (int r = 0; r < config_.size; ++r) {
      const auto bytes = impl_->store->get(base + std::to_string(r));  // waits up to the store's timeout
      out[static_cast<size_t>(r)].assign(bytes.begin(), bytes.end());
    }
  } catch (const std::exception& e) {
    collective_failed(*this, "the exchange of " + key, e);
  }
  return out;
}

bool backend_built(const std::string& name) {
#ifdef GR2_HAVE_GLOO
  if (name == "gloo") return true;
#endif
#ifdef GR2_HAVE_NCCL
  if (name == "nccl") return true;
#endif
  return false;
}

World& world() {
  static World* w = new World();  // never destroyed: see ~World
  return *w;
}

World& join_world(torch::Device device) {
  static std::mutex mutex;
  static bool joined = false;
  static torch::DeviceType joined_type = torch::kCPU;
  std::lock_guard<std::mutex> lock(mutex);
  World& w = world();
  if (joined) {
    if (w.active() && device.type() != joined_type)
      throw Error(w.describe() + ": the process group was made for " + c10::DeviceTypeName(joined_type) +
                  " tensors; a later stage asked for " + c10::DeviceTypeName(device.type()));
    return w;
  }
  const WorldConfig config = world_config_from_env();
  w.join(config, device);
  joined = true;
  joined_type = device.type();
  if (w.active() && !w.is_main()) {
    const char* all = std::getenv("GR2_DIST_LOG_ALL_RANKS");
    if (all && std::string(all) == "1") {
      const std::string prefix = "[" + w.describe() + "] ";
      set_log_sink([prefix](LogLevel level, const std::string& m) { stderr_log_sink(level, prefix + m); });
    } else {
      set_log_sink([](LogLevel level, const std::string& m) {
        if (level != LogLevel::Info) stderr_log_sink(level, m);
      });
      setenv("GR2_QUIET", "1", 1);  // Progress lines
      if (!std::freopen("/dev/null", "w", stdout)) log_warning("could not discard stdout on a rank other than 0");
    }
  }
  return w;
}

}  // namespace gr2::dist
