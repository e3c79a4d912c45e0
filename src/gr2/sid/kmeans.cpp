// k-means++ seeding and Lloyd iterations.
#include "gr2/sid/kmeans.h"

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/core/rng.h"
#include "gr2/sid/quantize.h"

namespace gr2::sid {

at::Tensor sample_rows(const at::Tensor& x, int64_t max_rows, uint64_t seed) {
  const int64_t n = x.size(0);
  if (n <= max_rows) return x;
  std::vector<int64_t> idx(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) idx[static_cast<size_t>(i)] = i;
  Rng rng(seed);
  rng.shuffle(idx);
  idx.resize(static_cast<size_t>(max_rows));
  return x.index_select(0, torch::tensor(idx, torch::kLong).to(x.device()));
}

at::Tensor kmeans_plus_plus(const at::Tensor& x, int64_t k, uint64_t seed) {
  torch::NoGradGuard no_grad;
  check_internal(x.dim() == 2 && x.size(0) > 0 && k > 0, "kmeans_plus_plus: need a non-empty [N, D] matrix");
  const int64_t n = x.size(0);
  Rng rng(seed);
  torch::Tensor centres = torch::empty({k, x.size(1)}, x.options());
  int64_t first = static_cast<int64_t>(rng.below(static_cast<uint64_t>(n)));
  centres[0].copy_(x[first]);
  torch::Tensor min_dist = (x - x[first]).pow(2).sum(1);  // [N]
  int64_t chosen = 1;
  std::vector<double> weights(static_cast<size_t>(n));
  for (; chosen < k; ++chosen) {
    torch::Tensor d = min_dist.to(torch::kCPU, torch::kDouble).contiguous();
    const double* dp = d.data_ptr<double>();
    double total = 0;
    for (int64_t i = 0; i < n; ++i) total += (weights[i] = std::max(0.0, dp[i]));
    if (!(total > 0)) break;  // every point is already a centre
    const int64_t pick = static_cast<int64_t>(rng.categorical(weights));
    centres[chosen].copy_(x[pick]);
    min_dist = torch::minimum(min_dist, (x - x[pick]).pow(2).sum(1));
  }
  if (chosen < k) {
    // Fewer distinct points than centres: copies of random points with small noise, so that codes
    // stay distinct and can drift apart during training.
    double scale = x.pow(2).sum(1).mean().sqrt().item<double>();
    if (!(scale > 0)) scale = 1.0;
    std::vector<float> noise(static_cast<size_t>((k - chosen) * x.size(1)));
    for (auto& v : noise) v = static_cast<float>(rng.normal() * 1e-3 * scale);
    torch::Tensor noise_t = torch::from_blob(noise.data(), {k - chosen, x.size(1)}, torch::kFloat)
                                .to(x.device(), x.scalar_type());
    for (int64_t j = chosen; j < k; ++j) {
      centres[j].copy_(x[static_cast<int64_t>(rng.below(static_cast<uint64_t>(n)))]);
    }
    centres.slice(0, chosen, k).add_(noise_t);
  }
  return centres;
}

KMeansResult kmeans(const at::Tensor& x, int64_t k, int64_t iters, uint64_t seed) {
  torch::NoGradGuard no_grad;
  KMeansResult result;
  result.centroids = kmeans_plus_plus(x, k, seed);
  result.assignment = nearest_code(x, result.centroids);
  const int64_t n = x.size(0);
  for (int64_t it = 0; it < iters; ++it) {
    torch::Tensor sums = torch::zeros_like(result.centroids).index_add_(0, result.assignment, x);
    torch::Tensor counts = torch::bincount(result.assignment, {}, k).to(x.scalar_type());  // [k]
    torch::Tensor nonempty = counts > 0;
    torch::Tensor updated = sums / counts.clamp_min(1).unsqueeze(1);
    result.centroids = torch::where(nonempty.unsqueeze(1), updated, result.centroids);
    // Re-seed empty clusters with the rows farthest from their centroid.
    const int64_t empty = k - nonempty.sum().item<int64_t>();
    if (empty > 0 && n >= k) {
      torch::Tensor dist = (x - result.centroids.index_select(0, result.assignment)).pow(2).sum(1);
      torch::Tensor far = std::get<1>(dist.topk(empty));
      torch::Tensor empty_idx = (~nonempty).nonzero().squeeze(1);
      result.centroids.index_copy_(0, empty_idx, x.index_select(0, far));
    }
    torch::Tensor next = nearest_code(x, result.centroids);
    const bool changed = !next.equal(result.assignment);
    result.assignment = next;
    if (!changed && empty == 0) break;
  }
  result.inertia = (x - result.centroids.index_select(0, result.assignment)).pow(2).sum(1).mean().item<double>();
  return result;
}

}  // namespace gr2::sid
