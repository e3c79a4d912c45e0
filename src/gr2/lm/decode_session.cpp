// DecodeSession: rows join a running decode between steps (see decode_session.h).
#include "gr2/lm/decode_session.h"

#include <algorithm>
#include <limits>

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/lm/constraint_mask.h"
#include "gr2/lm/eval_mode.h"

namespace gr2::lm {

DecodeSession::DecodeSession(Qwen3LmImpl& model, GenerationOptions options)
    : model_(model), options_(std::move(options)), sampler_(options_.sampling, model.model->embed_tokens->weight.device()) {
  options_.validate();
  options_.use_cache = true;
  options_.prefix = nullptr;
  options_.cancel = nullptr;
  require(options_.pad_id < model_.config().vocab_size, "decode session: pad_id is outside the vocabulary");
}

DecodeSession::~DecodeSession() = default;

std::vector<int64_t> DecodeSession::add(std::vector<GenerationRequest> requests,
                                        std::shared_ptr<const PrefixKv> prefix) {
  torch::NoGradGuard no_grad;
  EvalModeGuard eval_mode(model_);
  const torch::Tensor& weight = model_.model->embed_tokens->weight;
  const size_t n = requests.size();
  std::vector<detail::Row> rows(n);
  std::vector<GenerationResult> results(n);
  GenerationStats stats;
  const std::vector<int64_t> active =
      detail::prepare_rows(requests, options_, model_.config().vocab_size, rows, results, stats);  // may throw
  std::vector<int64_t> ids;
  for (size_t i = 0; i < n; ++i) ids.push_back(next_id_++);
  std::vector<bool> is_active(n, false);
  for (int64_t a : active) is_active[static_cast<size_t>(a)] = true;
  for (size_t i = 0; i < n; ++i)
    if (!is_active[i]) finished_.emplace_back(ids[i], std::move(results[i]));
  if (active.empty()) return ids;

  GenerationOptions with_prefix = options_;
  with_prefix.prefix = std::move(prefix);
  detail::Prefill pre = detail::prefill(model_, requests, active, rows, with_prefix, weight.scalar_type(), stats);
  if (rows_.empty()) {
    cache_ = std::move(pre.cache);
    logits_ = pre.logits;
    step_pos_ = pre.step_pos;
  } else {
    // Room for the longer of the two lengths plus what any row may still feed (a row feeds at most
    // limit - 1 tokens in all); step() grows the cache when padded steps need more.
    int64_t need = 0;
    for (const Running& r : rows_) {
      const auto fed = static_cast<int64_t>(r.result.tokens.size() - r.pending.size());
      need = std::max(need, r.row.limit - 1 - fed);
    }
    for (int64_t a : active) need = std::max(need, rows[static_cast<size_t>(a)].limit - 1);
    cache_ = KvCache::concat(*cache_, *pre.cache, std::max(cache_->length(), pre.cache->length()) + need);
    logits_ = torch::cat({logits_, pre.logits}, 0);
    step_pos_ = torch::cat({step_pos_, pre.step_pos}, 0);
  }
  for (int64_t a : active) {
    Running r;
    r.id = ids[static_cast<size_t>(a)];
    r.request = std::move(requests[static_cast<size_t>(a)]);
    r.row = rows[static_cast<size_t>(a)];  // its constraint pointer stays valid: the object is the request's
    r.result = std::move(results[static_cast<size_t>(a)]);
    rows_.push_back(std::move(r));
  }
  return ids;
}

std::vector<std::pair<int64_t, GenerationResult>> DecodeSession::step() {
  std::vector<std::pair<int64_t, GenerationResult>> out = std::move(finished_);
  finished_.clear();
  if (rows_.empty()) return out;
  torch::NoGradGuard no_grad;
  EvalModeGuard eval_mode(model_);
  const torch::Device device = logits_.device();
  std::vector<const LogitConstraint*> constraints;
  bool any_constraint = false;
  for (const Running& r : rows_) {
    constraints.push_back(r.row.constraint);
    any_constraint |= r.row.constraint != nullptr;
  }
  if (any_constraint) mask_logits(logits_, constraints);
  const SampledTokens s = sampler_.sample(logits_);
  const torch::Tensor tokens_cpu = s.tokens.to(torch::kCPU), log_probs_cpu = s.log_probs.to(torch::kCPU);
  const int64_t* tok = tokens_cpu.data_ptr<int64_t>();
  const float* lp = log_probs_cpu.data_ptr<float>();
  std::vector<int64_t> keep;
  for (size_t b = 0; b < rows_.size(); ++b) {
    Running& r = rows_[b];
    bool going = true;
    if (r.pending.empty()) {  // the row decides (every step without jump_forward)
      going = detail::append_token(r.row, r.result, r.pending, tok[b], lp[b]);
      for (int64_t t = 0; going && options_.jump_forward && (t = detail::forced_token(r.row.constraint)) >= 0;)
        going = detail::append_token(r.row, r.result, r.pending, t, 0.0f);
    }
    if (going) {
      keep.push_back(static_cast<int64_t>(b));
    } else {
      out.emplace_back(r.id, std::move(r.result));
    }
  }
  if (keep.size() != rows_.size()) keep_rows(keep);
  if (rows_.empty()) return out;
  // Every row feeds its whole queue (a decided token, or it and the forced run after it): rows at
  // different points of their answers do not hold each other back. Shorter queues are padded
  // (invalid slots, never attended to); each row's next logits come from its last real token.
  const auto m = static_cast<int64_t>(rows_.size());
  int64_t width = 0;
  for (const Running& r : rows_) width = std::max(width, static_cast<int64_t>(r.pending.size()));
  std::vector<int64_t> ids(static_cast<size_t>(m * width), options_.pad_id), last(static_cast<size_t>(m));
  std::vector<uint8_t> real(static_cast<size_t>(m * width), 0);
  std::vector<int64_t> fed(static_cast<size_t>(m));
  for (int64_t b = 0; b < m; ++b) {
    Running& r = rows_[static_cast<size_t>(b)];
    const auto n = static_cast<int64_t>(r.pending.size());
    for (int64_t j = 0; j < n; ++j) {
      ids[static_cast<size_t>(b * width + j)] = r.pending[static_cast<size_t>(j)];
      real[static_cast<size_t>(b * width + j)] = 1;
    }
    last[static_cast<size_t>(b)] = n - 1;
    fed[static_cast<size_t>(b)] = n;
    r.pending.clear();
  }
  // Padding and the slots of rows that left accumulate in a session that never drains: compact
  // when over half of the filled slots are invalid for every row, else grow geometrically.
  if (cache_->length() - cache_->valid_slots() > 32) cache_->compact();
  if (cache_->length() + width > cache_->capacity())
    cache_->reserve(std::max(2 * cache_->capacity(), cache_->length() + width));
  const torch::Tensor input = detail::long_tensor(ids, device).view({m, width});
  const torch::Tensor valid =
      torch::from_blob(real.data(), {m, width}, torch::kUInt8).to(torch::kBool).to(device);
  const torch::Tensor input_pos = step_pos_.view({m, 1}) + torch::arange(width, step_pos_.options()).view({1, width});
  const torch::Tensor hidden = model_.forward_hidden({input, input_pos, valid, cache_.get()});  // [m, width, D]
  const torch::Tensor at = detail::long_tensor(last, device).view({m, 1, 1}).expand({m, 1, hidden.size(2)});
  logits_ = model_.logits(hidden.gather(1, at).squeeze(1)).to(torch::kFloat);
  step_pos_ = step_pos_ + detail::long_tensor(fed, device);
  return out;
}

bool DecodeSession::drop(int64_t id) {
  for (size_t i = 0; i < finished_.size(); ++i) {
    if (finished_[i].first == id) {
      finished_.erase(finished_.begin() + static_cast<std::ptrdiff_t>(i));
      return true;
    }
  }
  std::vector<int64_t> keep;
  for (size_t b = 0; b < rows_.size(); ++b)
    if (rows_[b].id != id) keep.push_back(static_cast<int64_t>(b));
  if (keep.size() == rows_.size()) return false;
  keep_rows(keep);
  return true;
}

void DecodeSession::keep_rows(const std::vector<int64_t>& keep) {
  std::vector<Running> kept;
  for (int64_t b : keep) kept.push_back(std::move(rows_[static_cast<size_t>(b)]));
  rows_.swap(kept);
  if (rows_.empty()) {  // nothing runs: the next add() starts from its own prefill
    cache_.reset();
    logits_ = step_pos_ = torch::Tensor();
    return;
  }
  const torch::Tensor index = detail::long_tensor(keep, logits_.device());
  cache_->select_rows(index);
  logits_ = logits_.index_select(0, index);
  step_pos_ = step_pos_.index_select(0, index);
}

}  // namespace gr2::lm
