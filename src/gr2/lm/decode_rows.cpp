// The decoding pieces generate() and DecodeSession share (see decode_rows.h).
#include "gr2/lm/decode_rows.h"

#include <algorithm>
#include <limits>
#include <map>
#include <string>

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/lm/left_padded_batch.h"
#include "gr2/lm/prefix_kv.h"

namespace gr2::lm::detail {

torch::Tensor long_tensor(const std::vector<int64_t>& v, torch::Device device) {
  return torch::tensor(v, torch::kLong).to(device);
}

// Appends `token` (log-prob `log_prob`) to a row's result, advances its constraint and ends the row
// (setting the finish reason) on a stop token, a complete constraint or the length limit; a row that
// goes on gets the token queued in `pending` (fed to the model next). Returns true while it goes on.
bool append_token(Row& row, GenerationResult& out, std::vector<int64_t>& pending, int64_t token, float log_prob) {
  out.tokens.push_back(token);
  out.token_log_probs.push_back(log_prob);
  out.log_prob += log_prob;
  if (row.constraint) row.constraint->advance(token);
  if (std::find(row.stops.begin(), row.stops.end(), token) != row.stops.end()) {
    out.finish_reason = FinishReason::Stop;
  } else if (row.constraint && row.constraint->done()) {
    out.finish_reason = FinishReason::Constraint;
  } else if (static_cast<int64_t>(out.tokens.size()) >= row.limit) {
    out.finish_reason = FinishReason::Length;
  } else {
    pending.push_back(token);
    return true;
  }
  return false;
}

// The next input of the active rows: the first L queued tokens of each, L = the shortest queue (1
// without jump_forward), removed from the queues. [active.size(), L] on `device`.
torch::Tensor take_queued(std::vector<std::vector<int64_t>>& pending, const std::vector<int64_t>& active,
                          torch::Device device) {
  int64_t L = std::numeric_limits<int64_t>::max();
  for (int64_t r : active) L = std::min(L, static_cast<int64_t>(pending[static_cast<size_t>(r)].size()));
  std::vector<int64_t> fed;
  for (int64_t r : active) {
    std::vector<int64_t>& q = pending[static_cast<size_t>(r)];
    fed.insert(fed.end(), q.begin(), q.begin() + L);
    q.erase(q.begin(), q.begin() + L);
  }
  return long_tensor(fed, device).view({static_cast<int64_t>(active.size()), L});
}

// The one token `constraint` allows next, or -1 when there is a choice (or no constraint).
int64_t forced_token(const LogitConstraint* constraint) {
  if (constraint == nullptr) return -1;
  const AllowedTokens allowed = constraint->allowed();
  return allowed.kind == AllowedTokens::Kind::Only && allowed.size == 1 ? allowed.tokens[0] : -1;
}

// Validates each request, fills its Row (limit, stops, constraint) and result header, and returns
// the requests that generate at least one token (in order).
std::vector<int64_t> prepare_rows(const std::vector<GenerationRequest>& requests, const GenerationOptions& options,
                                  int64_t V, std::vector<Row>& rows, std::vector<GenerationResult>& results,
                                  GenerationStats& stats) {
  std::vector<int64_t> active;
  for (size_t r = 0; r < requests.size(); ++r) {
    const GenerationRequest& q = requests[r];
    const std::string where = "generation request " + std::to_string(r);
    require(!q.prompt.empty(), where + ": empty prompt (give at least one token)");
    for (int64_t id : q.prompt)
      require(id >= 0 && id < V, where + ": prompt token " + std::to_string(id) + " is outside the vocabulary (" +
                                     std::to_string(V) + " ids)");
    Row& row = rows[r];
    row.limit = q.max_new_tokens >= 0 ? q.max_new_tokens : options.max_new_tokens;
    row.stops = options.stop_tokens;
    row.stops.insert(row.stops.end(), q.stop_tokens.begin(), q.stop_tokens.end());
    row.constraint = q.constraint.get();
    if (row.constraint) {
      const int64_t need = row.constraint->max_length();
      require(need < 0 || row.limit >= need, where + ": max_new_tokens " + std::to_string(row.limit) +
                                                 " is below the constrained answer's length bound " +
                                                 std::to_string(need) +
                                                 "; raise it (or shorten the answer, e.g. max_think_tokens)");
    }
    results[r].prompt_length = static_cast<int64_t>(q.prompt.size());
    stats.prompt_tokens += results[r].prompt_length;
    if (row.constraint && row.constraint->done())
      results[r].finish_reason = FinishReason::Constraint;
    else if (row.limit > 0)
      active.push_back(static_cast<int64_t>(r));
  }
  return active;
}


// Left-padded prompt batch: positions restart at 0 on each row's first real token. Rows with the
// same prompt (the G rollouts of an RL group) are prefilled once and their cache rows copied.
Prefill prefill(Qwen3LmImpl& model, const std::vector<GenerationRequest>& requests, const std::vector<int64_t>& active,
                const std::vector<Row>& rows, const GenerationOptions& options, torch::ScalarType dtype,
                GenerationStats& stats) {
  const torch::Device device = model.model->embed_tokens->weight.device();
  int64_t max_limit = 0;
  std::vector<const std::vector<int64_t>*> prompts;
  std::vector<int64_t> prompt_of;  // [n]: each active row's index in `prompts`
  std::map<std::vector<int64_t>, int64_t> seen;
  for (int64_t r : active) {
    const std::vector<int64_t>& prompt = requests[static_cast<size_t>(r)].prompt;
    const auto it = seen.emplace(prompt, static_cast<int64_t>(prompts.size())).first;
    if (it->second == static_cast<int64_t>(prompts.size())) prompts.push_back(&prompt);
    prompt_of.push_back(it->second);
    max_limit = std::max(max_limit, rows[static_cast<size_t>(r)].limit);
  }
  const int64_t n = static_cast<int64_t>(active.size()), unique = static_cast<int64_t>(prompts.size());
  stats.prefill_rows = unique;
  // With a prefix KV cache that every prompt starts with, only the rest of each prompt is fed.
  const PrefixKv* prefix = options.use_cache ? options.prefix.get() : nullptr;
  if (prefix != nullptr && !std::all_of(prompts.begin(), prompts.end(), [&](auto* q) { return prefix->prefixes(*q); }))
    prefix = nullptr;
  const int64_t p = prefix != nullptr ? static_cast<int64_t>(prefix->tokens.size()) : 0;
  std::vector<std::vector<int64_t>> suffixes;
  std::vector<const std::vector<int64_t>*> fed = prompts;
  if (prefix != nullptr) {
    for (const auto* q : prompts) suffixes.emplace_back(q->begin() + p, q->end());
    for (size_t u = 0; u < suffixes.size(); ++u) fed[u] = &suffixes[u];
  }
  stats.prefix_tokens = p;
  Prefill out;
  LeftPaddedBatch batch = left_padded_batch(fed, options.pad_id, device);
  const int64_t P = batch.ids.size(1);
  if (p > 0) batch.positions = batch.positions + p;  // padding's positions are never used
  if (options.use_cache) {  // the last generated token is never fed back
    out.cache = std::make_unique<KvCache>(model.config(), unique, p + P + max_limit - 1, device, dtype);
    if (prefix != nullptr) out.cache->load_prefix(*prefix->cache);
  }
  auto hidden = model.forward_hidden({batch.ids, batch.positions, batch.valid, out.cache.get()});  // [u, P, D]
  out.logits = model.logits(hidden.select(1, P - 1)).to(torch::kFloat);                           // [u, V]
  std::vector<int64_t> lengths;
  for (int64_t u : prompt_of) lengths.push_back(static_cast<int64_t>(prompts[static_cast<size_t>(u)]->size()));
  out.step_pos = long_tensor(lengths, device);
  if (!out.cache) {
    out.seq_ids = batch.ids;
    out.seq_pos = batch.positions;
    out.seq_valid = batch.valid;
  }
  if (unique < n) {
    const torch::Tensor expand = long_tensor(prompt_of, device);
    out.logits = out.logits.index_select(0, expand);
    if (out.cache) {
      out.cache->select_rows(expand);
    } else {
      out.seq_ids = out.seq_ids.index_select(0, expand);
      out.seq_pos = out.seq_pos.index_select(0, expand);
      out.seq_valid = out.seq_valid.index_select(0, expand);
    }
  }
  return out;
}

}  // namespace gr2::lm::detail
