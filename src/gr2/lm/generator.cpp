// generate(): left-padded batched prefill, then one token per step for the rows still running (or,
// with jump_forward, a decided token and the forced tokens after it in one step).
#include "gr2/lm/generator.h"

#include <algorithm>
#include <limits>
#include <string>

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/core/timing.h"
#include "gr2/lm/constraint_mask.h"
#include "gr2/lm/decode_rows.h"
#include "gr2/lm/eval_mode.h"
#include "gr2/lm/kv_cache.h"

namespace gr2::lm {

void GenerationOptions::validate() const {
  require(max_new_tokens >= 0, "generation max_new_tokens must be >= 0, got " + std::to_string(max_new_tokens));
  require(pad_id >= 0, "generation pad_id must be a token id (>= 0), got " + std::to_string(pad_id));
  sampling.validate();
}

const char* finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::Stop: return "stop";
    case FinishReason::Length: return "length";
    case FinishReason::Constraint: return "constraint";
  }
  return "?";
}

using detail::append_token;
using detail::forced_token;
using detail::long_tensor;
using detail::prefill;
using detail::Prefill;
using detail::prepare_rows;
using detail::Row;
using detail::take_queued;

std::vector<GenerationResult> generate(Qwen3LmImpl& model, const std::vector<GenerationRequest>& requests,
                                       const GenerationOptions& options, GenerationStats* stats) {
  options.validate();
  Stopwatch watch;
  torch::NoGradGuard no_grad;
  EvalModeGuard eval_mode(model);
  const torch::Tensor& weight = model.model->embed_tokens->weight;
  const torch::Device device = weight.device();
  const torch::ScalarType dtype = weight.scalar_type();
  const int64_t V = model.config().vocab_size;
  require(options.pad_id < V, "generation pad_id " + std::to_string(options.pad_id) + " is outside the vocabulary (" +
                                  std::to_string(V) + " ids)");

  const size_t B = requests.size();
  std::vector<GenerationResult> results(B);
  std::vector<Row> rows(B);
  GenerationStats local_stats;
  local_stats.rows = static_cast<int64_t>(B);
  // Request indices still generating, in batch order.
  std::vector<int64_t> active = prepare_rows(requests, options, V, rows, results, local_stats);
  if (active.empty()) {
    local_stats.seconds = watch.seconds();
    if (stats) *stats = local_stats;
    return results;
  }

  Prefill pre = prefill(model, requests, active, rows, options, dtype, local_stats);
  std::unique_ptr<KvCache> cache = std::move(pre.cache);
  torch::Tensor logits = pre.logits, step_pos = pre.step_pos;
  torch::Tensor seq_ids = pre.seq_ids, seq_pos = pre.seq_pos, seq_valid = pre.seq_valid;  // uncached path only
  pre = Prefill();
  torch::Tensor hidden;
  Sampler sampler(options.sampling, device);

  std::vector<const LogitConstraint*> constraints;
  bool any_constraint = false;
  for (int64_t r : active) any_constraint |= rows[static_cast<size_t>(r)].constraint != nullptr;
  // Tokens decided but not yet fed to the model, per request. Without jump_forward a row holds its
  // one sampled token after each step; with it, also the forced tokens that follow.
  std::vector<std::vector<int64_t>> pending(B);
  bool first = true;
  for (;;) {
    if (any_constraint) {
      constraints.clear();
      for (int64_t r : active) constraints.push_back(rows[static_cast<size_t>(r)].constraint);
      mask_logits(logits, constraints);
    }
    SampledTokens s = sampler.sample(logits);
    const torch::Tensor tokens_cpu = s.tokens.to(torch::kCPU), log_probs_cpu = s.log_probs.to(torch::kCPU);
    if (first) local_stats.first_token_seconds = watch.seconds();
    first = false;
    const int64_t* tok = tokens_cpu.data_ptr<int64_t>();
    const float* lp = log_probs_cpu.data_ptr<float>();
    std::vector<int64_t> keep;  // batch positions of the rows that go on
    for (size_t b = 0; b < active.size(); ++b) {
      const size_t r = static_cast<size_t>(active[b]);
      Row& row = rows[r];
      GenerationResult& out = results[r];
      bool going = true;
      if (pending[r].empty()) {  // the row decides (every step without jump_forward)
        const size_t before = out.tokens.size();
        going = append_token(row, out, pending[r], tok[b], lp[b]);
        // A forced token has probability 1 under the constraint: log-prob 0, as sampling it would give.
        for (int64_t t = 0; going && options.jump_forward && (t = forced_token(row.constraint)) >= 0;)
          going = append_token(row, out, pending[r], t, 0.0f);
        local_stats.new_tokens += static_cast<int64_t>(out.tokens.size() - before);
      }
      if (going) keep.push_back(static_cast<int64_t>(b));
    }
    if (keep.empty() || (options.cancel != nullptr && options.cancel->load())) break;

    if (keep.size() != active.size()) {
      const torch::Tensor index = long_tensor(keep, device);
      if (cache) cache->select_rows(index);
      if (seq_ids.defined()) {
        seq_ids = seq_ids.index_select(0, index);
        seq_pos = seq_pos.index_select(0, index);
        seq_valid = seq_valid.index_select(0, index);
      }
      step_pos = step_pos.index_select(0, index);
      std::vector<int64_t> still;
      for (int64_t b : keep) still.push_back(active[static_cast<size_t>(b)]);
      active.swap(still);
    }
    const int64_t m = static_cast<int64_t>(active.size());
    const torch::Tensor input = take_queued(pending, active, device);  // [m, L]
    const int64_t L = input.size(1);
    const torch::Tensor input_pos = step_pos.view({m, 1}) + torch::arange(L, step_pos.options()).view({1, L});
    if (cache) {
      hidden = model.forward_hidden({input, input_pos, {}, cache.get()});  // [m, L, D]
    } else {
      seq_ids = torch::cat({seq_ids, input}, 1);
      seq_pos = torch::cat({seq_pos, input_pos}, 1);
      seq_valid = torch::cat({seq_valid, torch::ones({m, L}, seq_valid.options())}, 1);
      hidden = model.forward_hidden({seq_ids, seq_pos, seq_valid, nullptr});  // [m, T, D]
    }
    logits = model.logits(hidden.select(1, hidden.size(1) - 1)).to(torch::kFloat);  // [m, V]
    step_pos = step_pos + L;
    ++local_stats.decode_steps;
  }
  local_stats.seconds = watch.seconds();
  if (stats) *stats = local_stats;
  return results;
}

std::vector<GenerationResult> generate(Qwen3LmImpl& model, const std::vector<std::vector<int64_t>>& prompts,
                                       const GenerationOptions& options, GenerationStats* stats) {
  std::vector<GenerationRequest> requests(prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) requests[i].prompt = prompts[i];
  return generate(model, requests, options, stats);
}

}  // namespace gr2::lm
