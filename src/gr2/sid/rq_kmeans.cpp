// RQ-KMeans fitting.
#include "gr2/sid/rq_kmeans.h"

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/core/rng.h"
#include "gr2/sid/kmeans.h"

namespace gr2::sid {

SidModel fit_rq_kmeans(const at::Tensor& x_in, const SidConfig& config, const c10::Device& device) {
  torch::NoGradGuard no_grad;
  require(x_in.dim() == 2 && x_in.size(0) > 0, "RQ-KMeans needs a non-empty [N, d] embedding matrix");
  torch::Tensor x = x_in.to(device, torch::kFloat32);
  const int64_t n = x.size(0);
  if (n > config.kmeans_sample) {
    std::vector<int64_t> idx(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) idx[static_cast<size_t>(i)] = i;
    Rng rng(derive_seed(config.seed, "rq_kmeans/sample"));
    rng.shuffle(idx);
    idx.resize(static_cast<size_t>(config.kmeans_sample));
    x = x.index_select(0, torch::tensor(idx, torch::kLong).to(device));
  }
  SidModel model;
  model.method = "rq_kmeans";
  model.input_dim = x.size(1);
  model.levels = config.levels;
  model.codes = config.codes;
  model.random_last_level = config.random_last_level;
  model.seed = config.seed;
  torch::Tensor r = x;
  for (int64_t k = 0; k < config.levels; ++k) {
    KMeansResult km = kmeans(r, config.codes, config.kmeans_iters,
                             derive_seed(config.seed, "rq_kmeans/level-" + std::to_string(k)));
    model.codebooks.push_back(km.centroids);
    r = r - km.centroids.index_select(0, km.assignment);
  }
  return model;
}

}  // namespace gr2::sid
