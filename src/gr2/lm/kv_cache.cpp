// KvCache: slot bookkeeping for incremental decoding.
#include "gr2/lm/kv_cache.h"

#include <torch/torch.h>

#include "gr2/core/error.h"

namespace gr2::lm {

KvCache::KvCache(const ModelConfig& config, int64_t batch, int64_t capacity, torch::Device device,
                 torch::ScalarType dtype) {
  const auto options = torch::TensorOptions().dtype(dtype).device(device);
  for (int64_t l = 0; l < config.num_hidden_layers; ++l) {
    keys_.push_back(torch::zeros({batch, config.num_key_value_heads, capacity, config.head_dim}, options));
    values_.push_back(torch::zeros({batch, config.num_key_value_heads, capacity, config.head_dim}, options));
  }
  valid_ = torch::zeros({batch, capacity}, torch::TensorOptions().dtype(torch::kBool).device(device));
}

torch::Tensor KvCache::begin_step(const torch::Tensor& token_valid) {
  const int64_t t = token_valid.size(1);
  if (token_valid.size(0) != batch())
    throw Error::internal("KvCache: step for " + std::to_string(token_valid.size(0)) + " rows, cache has " +
                          std::to_string(batch()));
  if (length_ + t > capacity())
    throw Error("KV cache full: " + std::to_string(length_) + " + " + std::to_string(t) + " tokens exceed capacity " +
                std::to_string(capacity()) + " (raise the generation length limit)");
  valid_.narrow(1, length_, t).copy_(token_valid);
  step_ = t;
  return valid_.narrow(1, 0, length_ + t);
}

std::pair<torch::Tensor, torch::Tensor> KvCache::append(int64_t layer, const torch::Tensor& k, const torch::Tensor& v) {
  auto& kc = keys_.at(static_cast<size_t>(layer));
  auto& vc = values_.at(static_cast<size_t>(layer));
  kc.narrow(2, length_, step_).copy_(k);
  vc.narrow(2, length_, step_).copy_(v);
  return {kc.narrow(2, 0, length_ + step_), vc.narrow(2, 0, length_ + step_)};
}

void KvCache::end_step() {
  length_ += step_;
  step_ = 0;
}

void KvCache::select_rows(const torch::Tensor& rows) {
  const auto idx = rows.to(valid_.device(), torch::kLong);
  for (auto& k : keys_) k = k.index_select(0, idx);
  for (auto& v : values_) v = v.index_select(0, idx);
  valid_ = valid_.index_select(0, idx);
}

void KvCache::load_prefix(const KvCache& source) {
  const int64_t p = source.length();
  check_internal(length_ == 0 && step_ == 0, "KvCache::load_prefix: the cache already holds tokens");
  check_internal(source.batch() == 1 && source.keys_.size() == keys_.size() && p <= capacity(),
                 "KvCache::load_prefix: the source must be one row of the same layout, within capacity");
  for (size_t l = 0; l < keys_.size(); ++l) {
    keys_[l].narrow(2, 0, p).copy_(source.keys_[l].narrow(2, 0, p).expand({batch(), -1, -1, -1}));
    values_[l].narrow(2, 0, p).copy_(source.values_[l].narrow(2, 0, p).expand({batch(), -1, -1, -1}));
  }
  valid_.narrow(1, 0, p).fill_(true);
  length_ = p;
}

}  // namespace gr2::lm
