// KvCache: slot bookkeeping for incremental decoding.
#include "gr2/lm/kv_cache.h"

#include <torch/torch.h>

#include <algorithm>
#include <tuple>
#include <vector>

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

int64_t KvCache::valid_slots() const {
  if (length_ == 0) return 0;
  return valid_.narrow(1, 0, length_).sum(1).max().item<int64_t>();
}

int64_t KvCache::compact() {
  check_internal(step_ == 0, "KvCache::compact: a step is open");
  const torch::Tensor valid = valid_.narrow(1, 0, length_).to(torch::kCPU).contiguous();
  const int64_t rows = valid.size(0);
  const bool* v = valid.data_ptr<bool>();
  int64_t kept = 0;
  for (int64_t b = 0; b < rows; ++b) kept = std::max(kept, static_cast<int64_t>(std::count(v + b * length_, v + (b + 1) * length_, true)));
  if (kept == length_) return 0;
  std::vector<int64_t> index(static_cast<size_t>(rows * kept), 0);
  std::vector<uint8_t> now_valid(static_cast<size_t>(rows * kept), 0);
  for (int64_t b = 0; b < rows; ++b) {
    std::vector<int64_t> slots;
    for (int64_t j = 0; j < length_; ++j)
      if (v[b * length_ + j]) slots.push_back(j);
    const int64_t offset = kept - static_cast<int64_t>(slots.size());
    for (size_t i = 0; i < slots.size(); ++i) {
      index[static_cast<size_t>(b * kept + offset) + i] = slots[i];
      now_valid[static_cast<size_t>(b * kept + offset) + i] = 1;
    }
  }
  const torch::Device device = valid_.device();
  const torch::Tensor idx = torch::tensor(index, torch::kLong).view({rows, 1, kept, 1}).to(device);
  for (auto* tensors : {&keys_, &values_}) {
    for (auto& t : *tensors) {
      const torch::Tensor moved = t.narrow(2, 0, length_).gather(2, idx.expand({rows, t.size(1), kept, t.size(3)}));
      t.narrow(2, 0, kept).copy_(moved);
    }
  }
  valid_.zero_();
  valid_.narrow(1, 0, kept).copy_(torch::tensor(now_valid, torch::kUInt8).view({rows, kept}).to(torch::kBool).to(device));
  const int64_t dropped = length_ - kept;
  length_ = kept;
  return dropped;
}

void KvCache::reserve(int64_t capacity) {
  check_internal(step_ == 0, "KvCache::reserve: a step is open");
  if (capacity <= this->capacity()) return;
  for (auto* tensors : {&keys_, &values_}) {
    for (auto& t : *tensors) {
      torch::Tensor grown = torch::zeros({t.size(0), t.size(1), capacity, t.size(3)}, t.options());
      grown.narrow(2, 0, length_).copy_(t.narrow(2, 0, length_));
      t = std::move(grown);
    }
  }
  torch::Tensor valid = torch::zeros({valid_.size(0), capacity}, valid_.options());
  valid.narrow(1, 0, length_).copy_(valid_.narrow(1, 0, length_));
  valid_ = std::move(valid);
}

std::unique_ptr<KvCache> KvCache::concat(const KvCache& a, const KvCache& b, int64_t capacity) {
  const int64_t length = std::max(a.length_, b.length_);
  check_internal(a.step_ == 0 && b.step_ == 0 && a.keys_.size() == b.keys_.size() && capacity >= length,
                 "KvCache::concat: open step, another layout, or capacity below the length");
  auto out = std::unique_ptr<KvCache>(new KvCache());
  const int64_t rows = a.batch() + b.batch();
  for (size_t l = 0; l < a.keys_.size(); ++l) {
    for (auto [src_a, src_b, dst] : {std::make_tuple(&a.keys_[l], &b.keys_[l], &out->keys_),
                                     std::make_tuple(&a.values_[l], &b.values_[l], &out->values_)}) {
      torch::Tensor t = torch::zeros({rows, src_a->size(1), capacity, src_a->size(3)}, src_a->options());
      t.narrow(0, 0, a.batch()).narrow(2, length - a.length_, a.length_).copy_(src_a->narrow(2, 0, a.length_));
      t.narrow(0, a.batch(), b.batch()).narrow(2, length - b.length_, b.length_).copy_(src_b->narrow(2, 0, b.length_));
      dst->push_back(std::move(t));
    }
  }
  out->valid_ = torch::zeros({rows, capacity}, a.valid_.options());
  out->valid_.narrow(0, 0, a.batch()).narrow(1, length - a.length_, a.length_).copy_(a.valid_.narrow(1, 0, a.length_));
  out->valid_.narrow(0, a.batch(), b.batch())
      .narrow(1, length - b.length_, b.length_)
      .copy_(b.valid_.narrow(1, 0, b.length_));
  out->length_ = length;
  return out;
}

}  // namespace gr2::lm
