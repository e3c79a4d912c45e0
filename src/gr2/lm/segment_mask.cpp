// segment_attention_mask: causal & (prefix key | same segment) & real key, or the query itself.
#include "gr2/lm/segment_mask.h"

#include <torch/torch.h>

#include "gr2/core/error.h"

namespace gr2::lm {

torch::Tensor segment_attention_mask(const torch::Tensor& segments) {
  if (segments.dim() != 2) throw Error::internal("segment_attention_mask: segments must be [B, T]");
  const int64_t T = segments.size(1);
  const auto options = torch::TensorOptions().dtype(torch::kBool).device(segments.device());
  auto query = segments.unsqueeze(2);  // [B, T, 1]
  auto key = segments.unsqueeze(1);    // [B, 1, T]
  auto causal = torch::ones({T, T}, options).tril().unsqueeze(0);
  auto visible = (key == 0) | (key == query);
  auto allowed = (causal & visible & (key >= 0)) | torch::eye(T, options).unsqueeze(0);
  return allowed.unsqueeze(1);
}

}  // namespace gr2::lm
