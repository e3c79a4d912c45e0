// Prompts of different lengths as one batch for a prefill: left-padded, so every row's last real
// token is in the last column (where the next token is predicted) and rows stay aligned for the
// decode steps after it. Positions restart at 0 on each row's first real token; padding is masked.
// Used by generation and beam search.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace gr2::lm {

struct LeftPaddedBatch {
  torch::Tensor ids;        // [n, P] int64, pad_id left of each prompt; P = the longest prompt
  torch::Tensor positions;  // [n, P] int64 RoPE positions (0 on padding)
  torch::Tensor valid;      // [n, P] bool, false on padding
  std::vector<int64_t> lengths;  // [n] prompt lengths (the position of each row's next token)
};

// The batch of `prompts` (each non-empty) on `device`. Throws Error::internal for an empty prompt.
LeftPaddedBatch left_padded_batch(const std::vector<const std::vector<int64_t>*>& prompts, int64_t pad_id,
                                  torch::Device device);

}  // namespace gr2::lm
