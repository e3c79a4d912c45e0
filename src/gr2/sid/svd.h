// Randomized truncated SVD (Halko, Martinsson & Tropp 2011) in LibTorch: A ~= U diag(S) V^T with
// rank k, for sparse (COO) or dense A on any device. Used to reduce TF-IDF and co-occurrence
// matrices to dense item vectors.
#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>

namespace gr2::sid {

struct TruncatedSvd {
  at::Tensor u;  // [N, k] orthonormal columns
  at::Tensor s;  // [k] singular values, descending
  at::Tensor v;  // [V, k] orthonormal columns
};

// Rank-`rank` SVD of `a` [N, V] (sparse COO or dense, float32). `oversample` extra random
// directions and `power_iters` subspace iterations improve accuracy. rank is capped at min(N, V).
// Deterministic for a seed (the random test matrix comes from gr2::Rng).
TruncatedSvd randomized_svd(const at::Tensor& a, int64_t rank, int64_t oversample, int64_t power_iters,
                            uint64_t seed);

}  // namespace gr2::sid
