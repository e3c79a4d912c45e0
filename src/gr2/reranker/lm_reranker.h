// A language-model re-ranker: a gr2 checkpoint (model + vocabulary + SID table) that reads a
// request rendered by the prompt renderer and writes its ranking, optionally after a <think>
// block. Used as a Policy in evaluation ("lm:DIR"), for RL rollouts and as the checkpoint teacher.
// A checkpoint directory holds config.json, model.safetensors, tokenizer.model, gr2.json and
// sids.jsonl; gr2.json's "reranker" object stores the answer settings it was trained for.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "gr2/data/catalog.h"
#include "gr2/lm/generator.h"
#include "gr2/lm/logit_constraint.h"
#include "gr2/lm/prefix_kv.h"
#include "gr2/lm/qwen3_model.h"
#include "gr2/lm/sampler.h"
#include "gr2/lm/vocabulary.h"
#include "gr2/prompt/answer_parser.h"
#include "gr2/prompt/prompt_renderer.h"
#include "gr2/rank/policy.h"
#include "gr2/sid/sid_table.h"

namespace gr2 {

struct LmRerankerOptions {
  prompt::PromptOptions prompt;      // think on/off, history length, title length
  bool constrained = true;           // the answer is forced to be a permutation of the candidates
  int64_t max_think_tokens = 96;     // cap of the reasoning (</think> is forced at the cap)
  int64_t batch_size = 32;           // requests generated together
  lm::SamplingOptions sampling;      // greedy by default
  bool jump_forward = false;         // forced answer tokens without model steps (lm/generator.h);
                                     // an inference setting (serving, evaluation, RL validation),
                                     // not stored in gr2.json
  bool prefix_cache = false;         // the system turn's keys/values computed once per K and reused
                                     // in every prefill (lm/prefix_kv.h); only for weights that no
                                     // longer change (serving); not stored in gr2.json

  Json to_json() const;
  // Reads the keys to_json writes; missing keys keep `defaults`.
  static LmRerankerOptions from_json(const Json& json, const LmRerankerOptions& defaults, const std::string& where);
};

// One generated answer.
struct LmRollout {
  std::vector<int64_t> prompt_tokens;
  std::vector<int64_t> tokens;      // generated tokens (the assistant turn)
  std::vector<float> token_log_probs;  // [tokens.size()]: log-prob of each under the distribution it
                                       // was sampled from (mask, temperature, top-p; lm/sampler.h)
  std::string text;                 // decoded assistant turn
  prompt::ParsedAnswer parsed;      // strict parse of `text`
  int64_t think_tokens = 0;         // tokens before </think> (0 without think)
};

class LmReranker {
 public:
  // Takes ownership of a loaded model; `catalog` must outlive the re-ranker.
  LmReranker(lm::Qwen3Lm model, lm::Vocabulary vocabulary, sid::SidTable sids, const Catalog& catalog,
             LmRerankerOptions options);
  // Loads DIR (model on `device`) with the options stored in DIR/gr2.json ("reranker"), or defaults.
  static std::unique_ptr<LmReranker> load(const std::string& dir, const Catalog& catalog, torch::Device device);

  // `samples` answers per request (request-major: result[i * samples + s]), generated in batches
  // of options().batch_size rows, sampling with options().sampling reseeded by `seed`.
  std::vector<LmRollout> rollout(const std::vector<RankRequest>& requests, int samples, uint64_t seed);

  // Token ids of the prompt for `request` (what rollout() feeds the model).
  std::vector<int64_t> prompt_tokens(const RankRequest& request) const;
  // Token ids of the system turn of a slate of `k` candidates, through its end token: a prefix of
  // prompt_tokens(request) for every request with k candidates (the prefix options().prefix_cache
  // reuses).
  std::vector<int64_t> system_turn_tokens(int k) const;

  // The pieces of rollout() for a caller that drives the decoding itself (gr2 serve's continuous
  // batching, lm/decode_session.h): the generation options (options().sampling, jump_forward, stops),
  // the request of one answer to `request` (prompt, a fresh constraint, the answer budget), the
  // system-turn prefix KV for K = k (null unless options().prefix_cache; computed on first use),
  // and the rollout made of a finished result.
  lm::GenerationOptions generation_options() const;
  lm::GenerationRequest generation_request(const RankRequest& request) const;
  std::shared_ptr<const lm::PrefixKv> prefix_for(int k);
  LmRollout finish_rollout(const RankRequest& request, std::vector<int64_t> prompt, lm::GenerationResult result) const;

  // A fresh copy of the constraint rollout() applies to `request`'s answer (a permutation of its
  // candidates, after a capped think block when options().prompt.think), or nullptr when
  // options().constrained is false. RL replays it over a rollout (lm/constraint_replay.h).
  std::unique_ptr<lm::LogitConstraint> answer_constraint(const RankRequest& request) const;
  // The most tokens an answer to `request` can have (think cap included): rollout()'s max_new_tokens.
  int64_t max_answer_tokens(const RankRequest& request) const;

  lm::Qwen3Lm& model() { return model_; }
  const lm::Vocabulary& vocabulary() const { return vocabulary_; }
  const sid::SidTable& sids() const { return sids_; }
  const Catalog& catalog() const { return catalog_; }
  const prompt::PromptRenderer& renderer() const { return *renderer_; }
  const LmRerankerOptions& options() const { return options_; }
  // Replaces the options (the renderer follows options.prompt).
  void set_options(const LmRerankerOptions& options);

  // Gives `item_id` the SID `sid` [sids().levels codes] so that requests may name it: the item must
  // already be in the catalog the re-ranker reads (its text is shown from there) and must not have
  // a SID; the caller keeps SIDs unique (sid/sid_assigner.h). Throws Error otherwise.
  void add_item_sid(const std::string& item_id, const std::vector<int32_t>& sid);

  LmReranker(const LmReranker&) = delete;  // the renderer points into this object
  LmReranker& operator=(const LmReranker&) = delete;

 private:
  lm::Qwen3Lm model_;
  lm::Vocabulary vocabulary_;
  sid::SidTable sids_;
  const Catalog& catalog_;
  LmRerankerOptions options_;
  std::unique_ptr<prompt::PromptRenderer> renderer_;
  std::vector<int64_t> newline_;  // ids of "\n"
  std::map<int, std::shared_ptr<const lm::PrefixKv>> system_prefixes_;  // by K (options_.prefix_cache)

  // The system turn's prefix KV for slates of `k` candidates, computed on first use.
  std::shared_ptr<const lm::PrefixKv> system_prefix(int k);

  // The candidates' SID token sequences, in incoming order.
  std::vector<std::vector<int64_t>> candidate_tokens(const RankRequest& request) const;
  // The answer constraint and the most tokens an answer can have, for those sequences.
  std::unique_ptr<lm::LogitConstraint> make_constraint(std::vector<std::vector<int64_t>> candidates) const;
  int64_t answer_budget(const std::vector<std::vector<int64_t>>& candidates) const;
};

// A parsed answer as a policy answer: order/valid/failure filled (output_tokens and latency left
// at 0); failure is prompt::failure_name of the parse failure ("" when valid).
PolicyAnswer to_policy_answer(const prompt::ParsedAnswer& parsed);

// "lm:DIR" policy names.
bool is_lm_policy_name(const std::string& name);
// The policy for "lm:DIR": greedy answers of the checkpoint in DIR (jump-forward decoding);
// name() is DIR's last path
// component (e.g. "rl_conditional"). Throws Error for a missing or incomplete checkpoint.
std::unique_ptr<Policy> make_lm_policy(const std::string& name, const Catalog& catalog, const std::string& device);

}  // namespace gr2
