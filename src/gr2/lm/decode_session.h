// Iteration-level batching ("continuous batching", Yu et al., Orca, OSDI 2022): a decode that rows
// join and leave between steps. add() prefills new rows (while the running ones wait one prefill)
// and merges their KV cache into the running batch (KvCache::concat); step() samples one token for
// every row (with jump_forward, a decided token and the forced run after it), feeds every row's
// tokens in one forward pass (shorter runs padded, so rows at different points of their answers do
// not hold each other back), and hands back the rows that finished. A server keeps one session busy instead of
// waiting for a whole batch to end before the next starts. Always uses the KV cache.
//
// Each row decodes exactly as generate() (generator.h) would decode it: the same per-row masks,
// sampling, stops, limits and jump-forward, and greedy tokens that do not depend on which rows
// share its steps (up to float rounding).
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "gr2/lm/decode_rows.h"
#include "gr2/lm/generator.h"
#include "gr2/lm/kv_cache.h"
#include "gr2/lm/prefix_kv.h"
#include "gr2/lm/qwen3_model.h"
#include "gr2/lm/sampler.h"

namespace gr2::lm {

class DecodeSession {
 public:
  // `model` (not owned) must outlive the session and must not change while it runs. options:
  // sampling, stop_tokens, pad_id, jump_forward and max_new_tokens as for generate();
  // use_cache, prefix and cancel are ignored (see add()). Throws Error for invalid options.
  DecodeSession(Qwen3LmImpl& model, GenerationOptions options);
  ~DecodeSession();

  // Prefills `requests` (validated as generate() does; Error for an empty prompt or a token outside
  // the vocabulary, leaving the session unchanged) and adds them to the running rows; `prefix`
  // (optional) is used when every one of their prompts starts with it. Returns one id per request
  // (ids are never reused). A request that cannot generate a token (max_new_tokens 0, or a
  // constraint already complete) finishes at the next step().
  std::vector<int64_t> add(std::vector<GenerationRequest> requests, std::shared_ptr<const PrefixKv> prefix = nullptr);

  // One decode step of every running row. Returns the rows that finished in it, with their
  // results (tokens, log-probs, finish reason as generate()'s).
  std::vector<std::pair<int64_t, GenerationResult>> step();

  // Removes the row `id` if it is still running (its result is dropped). Returns whether it was.
  bool drop(int64_t id);

  // Rows running (and finished rows not yet handed back by step()).
  int64_t rows() const { return static_cast<int64_t>(rows_.size() + finished_.size()); }
  bool empty() const { return rows() == 0; }

  DecodeSession(const DecodeSession&) = delete;
  DecodeSession& operator=(const DecodeSession&) = delete;

 private:
  struct Running {
    int64_t id = 0;
    GenerationRequest request;  // keeps the constraint alive
    detail::Row row;
    GenerationResult result;
    std::vector<int64_t> pending;  // decided tokens not yet fed
  };

  Qwen3LmImpl& model_;
  GenerationOptions options_;
  Sampler sampler_;
  int64_t next_id_ = 0;
  std::vector<Running> rows_;  // aligned with the cache's rows, logits_ and step_pos_
  std::unique_ptr<KvCache> cache_;
  torch::Tensor logits_;    // [rows, V] float: the next token's logits of each row
  torch::Tensor step_pos_;  // [rows] int64: the position of each row's next fed token
  std::vector<std::pair<int64_t, GenerationResult>> finished_;  // finished at add()

  // Keeps the running rows whose indices are `keep` (in order) in every aligned structure; with none
  // left, releases the cache.
  void keep_rows(const std::vector<int64_t>& keep);
};

}  // namespace gr2::lm
