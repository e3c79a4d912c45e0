// Nearest-code search and residual quantization.
#include "gr2/sid/quantize.h"

#include <torch/torch.h>

#include <limits>

#include "gr2/core/error.h"

namespace gr2::sid {

at::Tensor squared_distances(const at::Tensor& x, const at::Tensor& codebook) {
  // ||x||^2 - 2 x.e + ||e||^2, clamped at 0 against rounding.
  torch::Tensor x_sq = x.pow(2).sum(1, /*keepdim=*/true);        // [N, 1]
  torch::Tensor e_sq = codebook.pow(2).sum(1).unsqueeze(0);     // [1, C]
  return torch::addmm(e_sq, x, codebook.t(), /*beta=*/1, /*alpha=*/-2).add_(x_sq).clamp_min_(0);
}

at::Tensor nearest_code(const at::Tensor& x, const at::Tensor& codebook, int64_t chunk) {
  check_internal(x.dim() == 2 && codebook.dim() == 2 && x.size(1) == codebook.size(1),
                 "nearest_code: shape mismatch");
  torch::NoGradGuard no_grad;
  const int64_t n = x.size(0);
  torch::Tensor e_sq = codebook.pow(2).sum(1).unsqueeze(0);  // [1, C]
  torch::Tensor et = codebook.t().contiguous();               // [D, C]
  torch::Tensor out = torch::empty({n}, torch::TensorOptions().dtype(torch::kLong).device(x.device()));
  for (int64_t begin = 0; begin < n; begin += chunk) {
    const int64_t end = std::min(n, begin + chunk);
    // argmin_j ||e_j||^2 - 2 x.e_j (||x||^2 is the same for every j)
    torch::Tensor scores = torch::addmm(e_sq, x.slice(0, begin, end), et, 1, -2);
    out.slice(0, begin, end).copy_(scores.argmin(1));
  }
  return out;
}

at::Tensor residual_encode(const at::Tensor& x, const std::vector<at::Tensor>& codebooks,
                           at::Tensor* residual_out, int64_t chunk) {
  torch::NoGradGuard no_grad;
  const int64_t n = x.size(0);
  const int64_t levels = static_cast<int64_t>(codebooks.size());
  torch::Tensor codes = torch::empty({n, levels}, torch::TensorOptions().dtype(torch::kLong).device(x.device()));
  torch::Tensor final_residual;
  if (residual_out) final_residual = torch::empty_like(x);
  std::vector<torch::Tensor> e_sq, et;
  for (const auto& cb : codebooks) {
    e_sq.push_back(cb.pow(2).sum(1).unsqueeze(0));
    et.push_back(cb.t().contiguous());
  }
  for (int64_t begin = 0; begin < n; begin += chunk) {
    const int64_t end = std::min(n, begin + chunk);
    torch::Tensor r = x.slice(0, begin, end).clone();
    for (int64_t k = 0; k < levels; ++k) {
      torch::Tensor idx = torch::addmm(e_sq[k], r, et[k], 1, -2).argmin(1);
      codes.slice(0, begin, end).select(1, k).copy_(idx);
      r.sub_(codebooks[k].index_select(0, idx));
    }
    if (residual_out) final_residual.slice(0, begin, end).copy_(r);
  }
  if (residual_out) *residual_out = final_residual;
  return codes;
}

at::Tensor residual_decode(const at::Tensor& codes, const std::vector<at::Tensor>& codebooks) {
  check_internal(codes.dim() == 2 && codes.size(1) == static_cast<int64_t>(codebooks.size()),
                 "residual_decode: codes must be [N, L] with one column per codebook");
  torch::Tensor out = torch::zeros({codes.size(0), codebooks[0].size(1)}, codebooks[0].options());
  for (size_t k = 0; k < codebooks.size(); ++k) {
    out.add_(codebooks[k].index_select(0, codes.select(1, static_cast<int64_t>(k))));
  }
  return out;
}

at::Tensor residual_encode_naive(const at::Tensor& x_in, const std::vector<at::Tensor>& codebooks) {
  torch::Tensor x = x_in.to(torch::kCPU, torch::kFloat32).contiguous();
  const int64_t n = x.size(0), d = x.size(1);
  const int64_t levels = static_cast<int64_t>(codebooks.size());
  std::vector<torch::Tensor> cbs;
  for (const auto& cb : codebooks) cbs.push_back(cb.to(torch::kCPU, torch::kFloat32).contiguous());
  torch::Tensor codes = torch::empty({n, levels}, torch::kLong);
  int64_t* out = codes.data_ptr<int64_t>();
  std::vector<float> r(static_cast<size_t>(d));
  const float* xs = x.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    std::copy(xs + i * d, xs + (i + 1) * d, r.begin());
    for (int64_t k = 0; k < levels; ++k) {
      const float* e = cbs[k].data_ptr<float>();
      const int64_t c = cbs[k].size(0);
      float best = std::numeric_limits<float>::infinity();
      int64_t best_j = 0;
      for (int64_t j = 0; j < c; ++j) {
        float dist = 0;
        for (int64_t t = 0; t < d; ++t) {
          const float diff = r[t] - e[j * d + t];
          dist += diff * diff;
        }
        if (dist < best) {
          best = dist;
          best_j = j;
        }
      }
      out[i * levels + k] = best_j;
      for (int64_t t = 0; t < d; ++t) r[t] -= e[best_j * d + t];
    }
  }
  return codes;
}

}  // namespace gr2::sid
