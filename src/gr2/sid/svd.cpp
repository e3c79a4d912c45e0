// Randomized truncated SVD.
#include "gr2/sid/svd.h"

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/core/rng.h"

namespace gr2::sid {

TruncatedSvd randomized_svd(const at::Tensor& a, int64_t rank, int64_t oversample, int64_t power_iters,
                            uint64_t seed) {
  torch::NoGradGuard no_grad;
  check_internal(a.dim() == 2, "randomized_svd: A must be 2-d");
  const int64_t n = a.size(0), v = a.size(1);
  rank = std::min({rank, n, v});
  check_internal(rank > 0, "randomized_svd: rank must be positive");
  const int64_t width = std::min({rank + oversample, n, v});
  torch::Tensor at = a.is_sparse() ? a.t().coalesce() : a.t();
  auto mm = [](const torch::Tensor& m, const torch::Tensor& dense) { return torch::mm(m, dense); };
  // Gaussian test matrix [V, width] from the portable generator.
  Rng rng(seed);
  std::vector<float> omega(static_cast<size_t>(v * width));
  for (auto& x : omega) x = static_cast<float>(rng.normal());
  torch::Tensor q = torch::from_blob(omega.data(), {v, width}, torch::kFloat).to(a.device());
  q = std::get<0>(torch::linalg_qr(mm(a, q)));  // [N, width]
  for (int64_t i = 0; i < power_iters; ++i) {
    torch::Tensor z = std::get<0>(torch::linalg_qr(mm(at, q)));  // [V, width]
    q = std::get<0>(torch::linalg_qr(mm(a, z)));                 // [N, width]
  }
  torch::Tensor b = mm(at, q).t();  // [width, V] = Q^T A
  auto [ub, s, vh] = torch::linalg_svd(b, /*full_matrices=*/false);
  TruncatedSvd out;
  out.u = torch::mm(q, ub.slice(1, 0, rank));
  out.s = s.slice(0, 0, rank);
  out.v = vh.slice(0, 0, rank).t();
  return out;
}

}  // namespace gr2::sid
