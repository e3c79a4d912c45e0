// Building the left-padded prefill batch.
#include "gr2/lm/left_padded_batch.h"

#include <algorithm>

#include <torch/torch.h>

#include "gr2/core/error.h"

namespace gr2::lm {

LeftPaddedBatch left_padded_batch(const std::vector<const std::vector<int64_t>*>& prompts, int64_t pad_id,
                                  torch::Device device) {
  const int64_t n = static_cast<int64_t>(prompts.size());
  int64_t P = 0;
  for (const auto* p : prompts) {
    check_internal(!p->empty(), "left_padded_batch: an empty prompt");
    P = std::max<int64_t>(P, static_cast<int64_t>(p->size()));
  }
  std::vector<int64_t> ids(static_cast<size_t>(n * P), pad_id), positions(static_cast<size_t>(n * P), 0);
  std::vector<uint8_t> valid(static_cast<size_t>(n * P), 0);
  LeftPaddedBatch batch;
  for (int64_t b = 0; b < n; ++b) {
    const std::vector<int64_t>& prompt = *prompts[static_cast<size_t>(b)];
    const int64_t len = static_cast<int64_t>(prompt.size()), pad = P - len;
    for (int64_t t = 0; t < len; ++t) {
      const size_t i = static_cast<size_t>(b * P + pad + t);
      ids[i] = prompt[static_cast<size_t>(t)];
      positions[i] = t;
      valid[i] = 1;
    }
    batch.lengths.push_back(len);
  }
  batch.ids = torch::tensor(ids, torch::kLong).to(device).view({n, P});
  batch.positions = torch::tensor(positions, torch::kLong).to(device).view({n, P});
  batch.valid = torch::from_blob(valid.data(), {n, P}, torch::kUInt8).to(device, torch::kBool);
  return batch;
}

}  // namespace gr2::lm
