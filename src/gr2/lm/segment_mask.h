// Attention masks for packed rows: one row of the batch holds several sequences. Segment 0 is a
// prefix every other segment of the row continues (the prompt shared by the G answers of an RL
// group, computed once instead of G times: the training-side twin of the shared-prefix KV caching
// GR2 lists for serving, arXiv 2602.07774); segments 1, 2, ... each see the prefix and their own
// earlier tokens, never each other; -1 marks padding. Positions restart after the prefix for every segment, so each
// segment's tokens get exactly the rotary positions (and hence the outputs) they would have as a
// separate row `prefix + segment`.
#pragma once

#include <torch/types.h>

namespace gr2::lm {

// segments: [B, T] int64 (0 = shared prefix, s > 0 = continuation s, -1 = padding); within a row
// the prefix comes first and each continuation's tokens are contiguous. Returns allowed [B, 1, T, T]
// bool for ForwardInput::attention_allowed: query t reads key j <= t when segment(j) is 0 or equals
// segment(t); a padding query reads itself only (its output is meaningless, but defined).
torch::Tensor segment_attention_mask(const torch::Tensor& segments);

}  // namespace gr2::lm
