// Nearest-code search and residual quantization (RQ) math shared by RQ-VAE, RQ-KMeans and
// assignment: z_k = argmin_j ||r_k - e_j^(k)||^2, r_{k+1} = r_k - e_{z_k}, reconstruction = sum_k e_{z_k}.
// Device-agnostic: everything runs on the tensors' device; work is chunked to bound memory.
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

namespace gr2::sid {

// Squared Euclidean distances [N, C] between rows of `x` [N, D] and `codebook` [C, D].
at::Tensor squared_distances(const at::Tensor& x, const at::Tensor& codebook);

// Index of the nearest code for each row of `x` [N, D] -> [N] int64. Processes `chunk` rows at a
// time (one GEMM each), so memory is O(chunk * C). Ties go to the lowest index.
at::Tensor nearest_code(const at::Tensor& x, const at::Tensor& codebook, int64_t chunk = 16384);

// Residual quantization of `x` [N, D] with codebooks[k] [C_k, D] -> codes [N, L] int64.
// If `residual_out` is given it receives the final residual [N, D] (x minus the reconstruction).
at::Tensor residual_encode(const at::Tensor& x, const std::vector<at::Tensor>& codebooks,
                           at::Tensor* residual_out = nullptr, int64_t chunk = 16384);

// Sum of the chosen codewords: codes [N, L] -> [N, D].
at::Tensor residual_decode(const at::Tensor& codes, const std::vector<at::Tensor>& codebooks);

// The textbook loop (for every item, level and code: accumulate the squared distance in scalar
// C++), on CPU float32 data. Same result as residual_encode; used as the benchmark baseline and as
// a cross-check in tests. x [N, D], codebooks [C, D] contiguous CPU float.
at::Tensor residual_encode_naive(const at::Tensor& x, const std::vector<at::Tensor>& codebooks);

}  // namespace gr2::sid
