// k-means with k-means++ seeding (Arthur & Vassilvitskii 2007) and Lloyd iterations, in LibTorch
// on any device. Seeds every RQ-VAE codebook level and is the whole of RQ-KMeans.
#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>

namespace gr2::sid {

// k-means++ seeding: `k` rows of `x` [N, D], the first uniformly, each next one with probability
// proportional to its squared distance to the nearest already chosen. When N < k, or when fewer
// than k distinct points exist, the remaining centres are chosen points plus small seeded noise.
// Returns [k, D]. Deterministic for a seed.
// At most `max_rows` rows of `x` [N, d], chosen uniformly without replacement (seeded); `x` itself
// when N <= max_rows. Used to fit codebooks on a sample of a large catalog.
at::Tensor sample_rows(const at::Tensor& x, int64_t max_rows, uint64_t seed);

at::Tensor kmeans_plus_plus(const at::Tensor& x, int64_t k, uint64_t seed);

struct KMeansResult {
  at::Tensor centroids;   // [k, D]
  at::Tensor assignment;  // [N] int64, nearest centroid of each row of x
  double inertia = 0;     // mean squared distance of a row to its centroid
};

// k-means++ then `iters` Lloyd steps (stops early when no assignment changes). An empty cluster is
// re-seeded with the row farthest from its centroid, so every centroid keeps at least one point
// whenever N >= k.
KMeansResult kmeans(const at::Tensor& x, int64_t k, int64_t iters, uint64_t seed);

}  // namespace gr2::sid
