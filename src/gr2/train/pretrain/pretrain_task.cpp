// Random-window batches and held-out perplexity.
#include "gr2/train/pretrain/pretrain_task.h"

#include <cmath>

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/core/rng.h"

namespace gr2::train::pretrain {

PretrainTask::PretrainTask(CorpusStreams corpus, int64_t batch_size, int64_t seq_len, uint64_t seed,
                           int64_t valid_windows, int64_t pad_id)
    : corpus_(std::move(corpus)), batch_size_(batch_size), seq_len_(seq_len), seed_(seed), pad_id_(pad_id) {
  require(static_cast<int64_t>(corpus_.train.size()) >= seq_len_ + 1,
          "pretrain: the training text has " + std::to_string(corpus_.train.size()) + " tokens, fewer than seq_len + 1 = " +
              std::to_string(seq_len_ + 1) + " (lower pretrain.seq_len or use a larger corpus)");
  const auto& v = corpus_.valid;
  const int64_t n = static_cast<int64_t>(v.size());
  for (int64_t start = 0; start + 1 < n && static_cast<int64_t>(valid_.size()) < valid_windows; start += seq_len_) {
    const int64_t len = std::min(seq_len_ + 1, n - start);
    if (len < 2) break;
    LmExample e;
    e.tokens.assign(v.begin() + start, v.begin() + start + len);
    e.weights.assign(static_cast<size_t>(len), 1.0f);
    valid_.push_back(std::move(e));
  }
}

LmBatch PretrainTask::batch(int64_t step) {
  Rng rng(splitmix64(derive_seed(seed_, "pretrain-batch") + static_cast<uint64_t>(step)));
  std::vector<LmExample> rows;
  rows.reserve(static_cast<size_t>(batch_size_));
  for (int64_t b = 0; b < batch_size_; ++b) {
    LmExample e;
    e.tokens = random_window(corpus_.train, seq_len_ + 1, rng);
    e.weights.assign(e.tokens.size(), 1.0f);
    rows.push_back(std::move(e));
  }
  return collate(rows, pad_id_, seq_len_);
}

Json PretrainTask::evaluate(lm::Qwen3Lm& model) {
  if (valid_.empty()) return Json::object();
  const auto [loss, tokens] = mean_token_loss(model, valid_, pad_id_, seq_len_, batch_size_);
  return Json{{"valid_loss", loss}, {"valid_ppl", std::exp(loss)}, {"valid_tokens", tokens}};
}

Json PretrainTask::describe() const {
  return Json{{"train_tokens", corpus_.train.size()}, {"valid_tokens", corpus_.valid.size()},
              {"train_lines", corpus_.train_lines}, {"valid_lines", corpus_.valid_lines},
              {"valid_windows", valid_.size()}};
}

}  // namespace gr2::train::pretrain
