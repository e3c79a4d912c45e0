// The pieces of batched decoding that generate() (generator.h) and DecodeSession
// (decode_session.h) share: a row's limits and stops, appending a token to its result (with the
// stop/limit/constraint checks), jump-forward's forced token, the queued input of a step, request
// validation, and the prefill (shared prompts once, a prefix KV cache when it applies). Internal to
// the lm folder (namespace detail).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <torch/types.h>

#include "gr2/lm/generator.h"
#include "gr2/lm/kv_cache.h"
#include "gr2/lm/logit_constraint.h"
#include "gr2/lm/qwen3_model.h"

namespace gr2::lm::detail {

struct Row {
  int64_t limit = 0;
  std::vector<int64_t> stops;
  LogitConstraint* constraint = nullptr;
};

torch::Tensor long_tensor(const std::vector<int64_t>& v, torch::Device device);

// Appends `token` (log-prob `log_prob`) to a row's result, advances its constraint and ends the row
// (setting the finish reason) on a stop token, a complete constraint or the length limit; a row that
// goes on gets the token queued in `pending` (fed to the model next). Returns true while it goes on.
bool append_token(Row& row, GenerationResult& out, std::vector<int64_t>& pending, int64_t token, float log_prob);

// The next input of the active rows: the first L queued tokens of each, L = the shortest queue (1
// without jump_forward), removed from the queues. [active.size(), L] on `device`.
torch::Tensor take_queued(std::vector<std::vector<int64_t>>& pending, const std::vector<int64_t>& active,
                          torch::Device device);

// The one token `constraint` allows next, or -1 when there is a choice (or no constraint).
int64_t forced_token(const LogitConstraint* constraint);

// Validates each request, fills its Row (limit, stops, constraint) and result header, and returns
// the requests that generate at least one token (in order). Throws Error as generate() documents.
std::vector<int64_t> prepare_rows(const std::vector<GenerationRequest>& requests, const GenerationOptions& options,
                                  int64_t V, std::vector<Row>& rows, std::vector<GenerationResult>& results,
                                  GenerationStats& stats);

// The state after the prefill of the active rows: the logits of their first token, the position
// of their next token, and the KV cache (or, without one, the sequence the uncached path recomputes).
struct Prefill {
  torch::Tensor logits;    // [n, V] float
  torch::Tensor step_pos;  // [n] int64
  std::unique_ptr<KvCache> cache;
  torch::Tensor seq_ids, seq_pos, seq_valid;  // [n, T]; undefined with a cache
};

// Left-padded prompt batch of requests[active]: positions restart at 0 on each row's first real
// token. Rows with the same prompt are prefilled once and their cache rows copied; with
// options.prefix (and use_cache) prompts that all start with it are prefilled after it. The cache's
// capacity fits each row's prompt and limit. Fills stats.prefill_rows and stats.prefix_tokens.
Prefill prefill(Qwen3LmImpl& model, const std::vector<GenerationRequest>& requests, const std::vector<int64_t>& active,
                const std::vector<Row>& rows, const GenerationOptions& options, torch::ScalarType dtype,
                GenerationStats& stats);

}  // namespace gr2::lm::detail
