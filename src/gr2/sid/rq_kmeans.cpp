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
  x = sample_rows(x, config.kmeans_sample, derive_seed(config.seed, "rq_kmeans/sample"));
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
