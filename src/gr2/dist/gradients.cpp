// Bucketed gradient all-reduce, parameter broadcast and scalar sums over the World's process group.
#include "gr2/dist/gradients.h"

#include <torch/torch.h>

namespace gr2::dist {
namespace {

// Consecutive runs of tensors with the same dtype and device, each at most ~bucket_bytes (a larger
// tensor is a bucket of its own).
std::vector<std::vector<torch::Tensor>> buckets_of(const std::vector<torch::Tensor>& tensors, int64_t bucket_bytes) {
  std::vector<std::vector<torch::Tensor>> out;
  int64_t bytes = 0;
  for (const auto& t : tensors) {
    const int64_t b = t.numel() * static_cast<int64_t>(t.element_size());
    const bool fits = !out.empty() && out.back().front().scalar_type() == t.scalar_type() &&
                      out.back().front().device() == t.device() && bytes + b <= bucket_bytes;
    if (!fits) {
      out.emplace_back();
      bytes = 0;
    }
    out.back().push_back(t);
    bytes += b;
  }
  return out;
}

}  // namespace

void all_reduce_gradients(World& world, const std::vector<torch::Tensor>& params, double scale, int64_t bucket_bytes) {
  if (!world.active()) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  for (const auto& p : params) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  const auto buckets = buckets_of(grads, bucket_bytes);
  std::vector<torch::Tensor> flat;
  for (const auto& b : buckets) {
    std::vector<torch::Tensor> parts;
    for (const auto& g : b) parts.push_back(g.reshape({-1}));
    flat.push_back(torch::cat(parts).to(world.device()));
  }
  world.all_reduce_sum(flat, "the all-reduce of gradients");
  for (size_t i = 0; i < buckets.size(); ++i) {
    torch::Tensor f = flat[i].to(buckets[i].front().device());
    if (scale != 1.0) f.mul_(scale);
    int64_t offset = 0;
    for (const auto& g : buckets[i]) {
      g.copy_(f.narrow(0, offset, g.numel()).view_as(g));
      offset += g.numel();
    }
  }
}

void broadcast_parameters(World& world, const std::vector<torch::Tensor>& params) {
  if (!world.active()) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> copies;
  for (const auto& p : params) copies.push_back(p.detach().to(world.device(), false, true).contiguous());
  world.broadcast_from_main(copies, "the broadcast of the initial parameters");
  for (size_t i = 0; i < params.size(); ++i) params[i].detach().copy_(copies[i]);
}

std::vector<double> sum_over_ranks(World& world, const std::vector<double>& values, const std::string& what) {
  if (!world.active() || values.empty()) return values;
  std::vector<torch::Tensor> t{torch::tensor(values, torch::kFloat64).to(world.device())};
  world.all_reduce_sum(t, what);
  const torch::Tensor cpu = t[0].cpu();
  return std::vector<double>(cpu.data_ptr<double>(), cpu.data_ptr<double>() + cpu.numel());
}

}  // namespace gr2::dist
