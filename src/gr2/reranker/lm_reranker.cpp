// LmReranker: prompt -> (constrained) generation -> strict parse, in batches.
#include "gr2/reranker/lm_reranker.h"

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/timing.h"
#include "gr2/lm/answer_format.h"
#include "gr2/lm/checkpoint_dir.h"
#include "gr2/lm/generator.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/lm/permutation_constraint.h"
#include "gr2/prompt/tokens.h"
#include "gr2/core/device.h"
#include "gr2/core/rng.h"

namespace gr2 {

PolicyAnswer to_policy_answer(const prompt::ParsedAnswer& parsed) {
  PolicyAnswer a;
  a.valid = parsed.valid();
  if (a.valid) a.order = parsed.order;
  a.failure = prompt::failure_name(parsed.failure);
  return a;
}

Json LmRerankerOptions::to_json() const {
  return Json{{"think", prompt.think},
              {"max_history", prompt.max_history},
              {"title_chars", prompt.title_chars},
              {"show_category", prompt.show_category},
              {"show_brand", prompt.show_brand},
              {"constrained", constrained},
              {"max_think_tokens", max_think_tokens}};
}

LmRerankerOptions LmRerankerOptions::from_json(const Json& j, const LmRerankerOptions& defaults, const std::string& where) {
  LmRerankerOptions o = defaults;
  try {
    o.prompt.think = j.value("think", o.prompt.think);
    o.prompt.max_history = j.value("max_history", o.prompt.max_history);
    o.prompt.title_chars = j.value("title_chars", o.prompt.title_chars);
    o.prompt.show_category = j.value("show_category", o.prompt.show_category);
    o.prompt.show_brand = j.value("show_brand", o.prompt.show_brand);
    o.constrained = j.value("constrained", o.constrained);
    o.max_think_tokens = j.value("max_think_tokens", o.max_think_tokens);
  } catch (const nlohmann::json::exception& e) {
    throw Error(where + ": bad \"reranker\" settings (" + e.what() + ")");
  }
  return o;
}

LmReranker::LmReranker(lm::Qwen3Lm model, lm::Vocabulary vocabulary, sid::SidTable sids, const Catalog& catalog,
                       LmRerankerOptions options)
    : model_(std::move(model)), vocabulary_(std::move(vocabulary)), sids_(std::move(sids)), catalog_(catalog) {
  if (vocabulary_.sid_levels() != sids_.levels || vocabulary_.sid_codes() < sids_.codes)
    throw Error("the vocabulary's SID block (" + std::to_string(vocabulary_.sid_levels()) + " levels x " +
                std::to_string(vocabulary_.sid_codes()) + " codes) does not match the SID table (" +
                std::to_string(sids_.levels) + " x " + std::to_string(sids_.codes) + ")");
  model_->config().require_rows_for(vocabulary_.size(), "LM re-ranker", true);
  newline_ = vocabulary_.encode("\n");
  set_options(options);
}

void LmReranker::set_options(const LmRerankerOptions& options) {
  options_ = options;
  options_.sampling.validate();
  renderer_ = std::make_unique<prompt::PromptRenderer>(catalog_, sids_, options_.prompt);
  system_prefixes_.clear();  // the system turn follows the prompt options
}

std::unique_ptr<LmReranker> LmReranker::load(const std::string& dir, const Catalog& catalog, torch::Device device) {
  const std::string sids_path = lm::CheckpointDir{dir}.sids();
  if (!file_exists(sids_path)) throw Error(dir + ": no sids.jsonl (a re-ranker checkpoint carries its SID table)");
  auto sids = sid::read_sids_jsonl(sids_path);
  sid::require_unique_sids(sids, sids_path);
  auto model = lm::load_model(dir, device);
  auto vocabulary = lm::Vocabulary::load(dir);
  const Json meta = lm::read_gr2_json(dir);
  LmRerankerOptions options;
  if (meta.contains("reranker")) options = LmRerankerOptions::from_json(meta["reranker"], options, lm::CheckpointDir{dir}.description());
  return std::make_unique<LmReranker>(std::move(model), std::move(vocabulary), std::move(sids), catalog, options);
}

std::vector<int64_t> LmReranker::prompt_tokens(const RankRequest& request) const {
  return vocabulary_.encode(renderer_->render_prompt(request));
}

void LmReranker::add_item_sid(const std::string& item_id, const std::vector<int32_t>& sid) {
  require(catalog_.find(item_id).has_value(), "re-ranker: item '" + item_id + "' is not in the catalog");
  require(static_cast<int64_t>(sid.size()) == sids_.levels,
          "re-ranker: a SID of " + std::to_string(sid.size()) + " codes for a table of " + std::to_string(sids_.levels));
  for (int32_t c : sid) {
    require(c >= 0 && c < vocabulary_.sid_codes(), "re-ranker: SID code " + std::to_string(c) + " outside the vocabulary");
  }
  const int64_t codes_before = sids_.codes;
  for (int32_t c : sid) sids_.codes = std::max<int64_t>(sids_.codes, c + 1);
  sids_.ids.push_back(item_id);
  sids_.sids.insert(sids_.sids.end(), sid.begin(), sid.end());
  try {
    renderer_->refresh_sids();
  } catch (...) {
    sids_.ids.pop_back();
    sids_.sids.resize(sids_.sids.size() - sid.size());
    sids_.codes = codes_before;
    throw;
  }
}

std::vector<std::vector<int64_t>> LmReranker::candidate_tokens(const RankRequest& request) const {
  std::vector<std::vector<int64_t>> candidates;
  for (const auto& spelling : renderer_->candidate_sids(request)) candidates.push_back(vocabulary_.encode(spelling));
  return candidates;
}

int64_t LmReranker::answer_budget(const std::vector<std::vector<int64_t>>& candidates) const {
  // K SIDs, the end token, and the think block (its tokens, </think> and the newline after it).
  int64_t answer_len = 1;
  for (const auto& c : candidates) answer_len += static_cast<int64_t>(c.size());
  return answer_len + (options_.prompt.think ? options_.max_think_tokens + 1 + static_cast<int64_t>(newline_.size()) : 0);
}

std::unique_ptr<lm::LogitConstraint> LmReranker::make_constraint(std::vector<std::vector<int64_t>> candidates) const {
  if (!options_.constrained) return nullptr;
  return std::make_unique<lm::PermutationConstraint>(
      std::move(candidates), lm::answer_format(vocabulary_, options_.prompt.think, options_.max_think_tokens));
}

int64_t LmReranker::max_answer_tokens(const RankRequest& request) const {
  return answer_budget(candidate_tokens(request));
}

std::unique_ptr<lm::LogitConstraint> LmReranker::answer_constraint(const RankRequest& request) const {
  return make_constraint(candidate_tokens(request));
}

std::shared_ptr<const lm::PrefixKv> LmReranker::system_prefix(int k) {
  auto& prefix = system_prefixes_[k];
  if (!prefix) prefix = lm::compute_prefix_kv(*model_, system_turn_tokens(k));
  return prefix;
}

std::vector<int64_t> LmReranker::system_turn_tokens(int k) const {
  // The system turn as render_prompt writes it, through its end token (the newline after it is
  // left to the rest of the prompt, whatever the tokenizer does at that boundary).
  return vocabulary_.encode(std::string(prompt::kImStart) + "system\n" + renderer_->task_line(k) +
                            std::string(prompt::kImEnd));
}

lm::GenerationOptions LmReranker::generation_options() const {
  lm::GenerationOptions gen;
  gen.pad_id = vocabulary_.pad_id();
  gen.stop_tokens = {vocabulary_.im_end_id(), vocabulary_.eos_id()};
  gen.sampling = options_.sampling;
  gen.jump_forward = options_.jump_forward;
  return gen;
}

lm::GenerationRequest LmReranker::generation_request(const RankRequest& request) const {
  const std::vector<std::vector<int64_t>> candidates = candidate_tokens(request);
  lm::GenerationRequest g;
  g.prompt = prompt_tokens(request);
  g.max_new_tokens = answer_budget(candidates);
  g.constraint = make_constraint(candidates);
  return g;
}

std::shared_ptr<const lm::PrefixKv> LmReranker::prefix_for(int k) {
  return options_.prefix_cache ? system_prefix(k) : nullptr;
}

LmRollout LmReranker::finish_rollout(const RankRequest& request, std::vector<int64_t> prompt,
                                     lm::GenerationResult result) const {
  LmRollout r;
  r.prompt_tokens = std::move(prompt);
  r.tokens = std::move(result.tokens);
  r.token_log_probs = std::move(result.token_log_probs);
  r.text = vocabulary_.decode(r.tokens);
  r.parsed = renderer_->parse(r.text, request);
  if (options_.prompt.think) {
    const int64_t think_end = vocabulary_.think_end_id();
    r.think_tokens = static_cast<int64_t>(r.tokens.size());
    for (size_t t = 0; t < r.tokens.size(); ++t)
      if (r.tokens[t] == think_end) {
        r.think_tokens = static_cast<int64_t>(t);
        break;
      }
  }
  return r;
}

std::vector<LmRollout> LmReranker::rollout(const std::vector<RankRequest>& requests, int samples, uint64_t seed) {
  if (samples < 1) throw Error("rollout: samples must be >= 1");
  std::vector<LmRollout> out(requests.size() * static_cast<size_t>(samples));
  lm::GenerationOptions gen = generation_options();
  std::vector<lm::GenerationRequest> batch;
  std::vector<size_t> slots;
  auto flush = [&](uint64_t batch_seed) {
    if (batch.empty()) return;
    gen.sampling.seed = batch_seed;
    // generate() uses the prefix only when every prompt of the batch starts with it (one K).
    gen.prefix = prefix_for(requests[slots[0] / static_cast<size_t>(samples)].size());
    auto results = lm::generate(*model_, batch, gen);
    for (size_t i = 0; i < results.size(); ++i) {
      const RankRequest& request = requests[slots[i] / static_cast<size_t>(samples)];
      out[slots[i]] = finish_rollout(request, std::move(batch[i].prompt), std::move(results[i]));
    }
    batch.clear();
    slots.clear();
  };

  uint64_t batch_index = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    const std::vector<int64_t> prompt = prompt_tokens(requests[i]);
    const std::vector<std::vector<int64_t>> candidates = candidate_tokens(requests[i]);  // encoded once per request
    const int64_t max_new = answer_budget(candidates);
    for (int s = 0; s < samples; ++s) {
      lm::GenerationRequest g;
      g.prompt = prompt;
      g.max_new_tokens = max_new;
      g.constraint = make_constraint(candidates);  // each sample advances its own
      batch.push_back(std::move(g));
      slots.push_back(i * static_cast<size_t>(samples) + static_cast<size_t>(s));
      if (static_cast<int64_t>(batch.size()) >= options_.batch_size) flush(splitmix64(seed ^ splitmix64(batch_index++)));
    }
  }
  flush(splitmix64(seed ^ splitmix64(batch_index++)));
  return out;
}

namespace {

class LmPolicy : public Policy {
 public:
  LmPolicy(std::string name, std::unique_ptr<LmReranker> reranker) : name_(std::move(name)), reranker_(std::move(reranker)) {}
  std::string name() const override { return name_; }
  bool can_fail() const override { return true; }
  PolicyAnswer rank(const RankRequest& request) override { return rank_batch({request}).front(); }
  std::vector<PolicyAnswer> rank_batch(const std::vector<RankRequest>& requests) override {
    std::vector<PolicyAnswer> answers;
    for (auto& r : reranker_->rollout(requests, 1, 0)) {
      PolicyAnswer a = to_policy_answer(r.parsed);
      a.output_tokens = static_cast<double>(r.tokens.size());
      answers.push_back(std::move(a));
    }
    return answers;
  }

 private:
  std::string name_;
  std::unique_ptr<LmReranker> reranker_;
};

}  // namespace

bool is_lm_policy_name(const std::string& name) { return name.rfind("lm:", 0) == 0; }

std::unique_ptr<Policy> make_lm_policy(const std::string& name, const Catalog& catalog, const std::string& device) {
  std::string dir = name.substr(3);
  if (dir.empty()) throw Error("policy '" + name + "': expected lm:CHECKPOINT_DIR");
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const size_t slash = dir.find_last_of('/');
  const std::string label = slash == std::string::npos ? dir : dir.substr(slash + 1);
  auto reranker = LmReranker::load(dir, catalog, resolve_device(device));
  LmRerankerOptions greedy = reranker->options();
  greedy.jump_forward = true;  // greedy answers: the same tokens, fewer decode steps (lm/generator.h)
  reranker->set_options(greedy);
  return std::make_unique<LmPolicy>(label, std::move(reranker));
}

}  // namespace gr2
