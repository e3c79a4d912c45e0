// SFT: traces -> weighted LmExamples -> the shared Trainer -> a re-ranker checkpoint.
#include "gr2/train/sft/sft.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>
#include <iostream>
#include <unordered_map>

#include "gr2/dist/world.h"
#include "gr2/core/config.h"
#include "gr2/core/config_fields.h"
#include "gr2/core/log.h"
#include "gr2/core/device.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/rng.h"
#include "gr2/data/catalog.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/slates.h"
#include "gr2/lm/answer_format.h"
#include "gr2/lm/checkpoint_dir.h"
#include "gr2/lm/constraint_replay.h"
#include "gr2/lm/permutation_constraint.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/lm/vocabulary.h"
#include "gr2/prompt/prompt_renderer.h"
#include "gr2/reranker/lm_reranker.h"
#include "gr2/sid/sid_table.h"
#include "gr2/train/epoch_order.h"
#include "gr2/train/lm_batch.h"
#include "gr2/train/reranker_checkpoint.h"
#include "gr2/train/token_loss.h"
#include "gr2/train/trainer.h"

namespace gr2::train::sft {
namespace {

// Traces as training examples; batch(step) draws examples in a seeded per-epoch order.
class SftTask : public TrainingTask {
 public:
  SftTask(std::vector<LmExample> train, std::vector<LmExample> valid, int64_t batch_size, int64_t max_len,
          int64_t pad_id, uint64_t seed, Json description)
      : train_(std::move(train)), valid_(std::move(valid)), batch_size_(batch_size), max_len_(max_len),
        pad_id_(pad_id), order_(seed, static_cast<int64_t>(train_.size())), description_(std::move(description)) {}

  LmBatch batch(int64_t step) override {
    std::vector<LmExample> rows;
    for (int64_t r = 0; r < batch_size_; ++r) rows.push_back(train_[static_cast<size_t>(order_.at(step * batch_size_ + r))]);
    return collate(rows, pad_id_, max_len_);
  }

  Json evaluate(lm::Qwen3Lm& model) override {
    if (valid_.empty()) return Json::object();
    const auto device = model->parameters().front().device();
    double loss = 0, weight = 0;
    for (size_t start = 0; start < valid_.size(); start += 16) {
      std::vector<LmExample> rows(valid_.begin() + static_cast<long>(start),
                                  valid_.begin() + static_cast<long>(std::min(valid_.size(), start + 16)));
      const LmBatch b = collate(rows, pad_id_, max_len_).to(device);
      loss += lm_loss_sum(model, b).item<double>();
      weight += b.weight_sum();
    }
    return Json{{"valid_loss", loss / std::max(weight, 1e-9)}};
  }

  Json describe() const override { return description_; }

 private:
  std::vector<LmExample> train_, valid_;
  int64_t batch_size_, max_len_, pad_id_;
  EpochOrder order_;
  Json description_;
};

}  // namespace

namespace {

const ConfigFields<SftConfig>& sft_fields() {
  using C = SftConfig;
  static const auto fields = ConfigFields<C>()
                                 .real("reasoning_weight", &C::reasoning_weight, 0.0, 100.0)
                                 .real("answer_weight", &C::answer_weight, 0.0, 100.0)
                                 .real("choice_weight", &C::choice_weight, 0.0, 100.0)
                                 .real("soft_choice_temperature", &C::soft_choice_temperature, 0.0, 100.0)
                                 .flag("think", &C::think)
                                 .integer("max_history", &C::max_history, 0, 10000)
                                 .integer("title_chars", &C::title_chars, 0, 10000)
                                 .flag("show_category", &C::show_category)
                                 .flag("show_brand", &C::show_brand)
                                 .real("valid_share", &C::valid_share, 0.0, 0.5)
                                 .integer("shuffled_copies", &C::shuffled_copies, 0, 100);
  return fields;
}

}  // namespace

SftConfig SftConfig::from_config(const Config& config) {
  SftConfig c;
  TrainConfig defaults;
  defaults.steps = 300;
  defaults.batch_size = 16;
  defaults.seq_len = 1024;
  defaults.learning_rate = 5e-4;
  defaults.warmup_steps = 20;
  defaults.weight_decay = 0.0;
  ConfigSection s = config.section("sft");
  c.train = TrainConfig::from_section(s, defaults);
  sft_fields().read(s, c);
  s.finish();
  c.train.validate("sft");
  if (c.answer_weight <= 0) throw Error("[sft] answer_weight must be > 0");
  if (c.soft_choice_temperature > 0 && c.choice_weight <= 0)
    throw Error("[sft] soft_choice_temperature = " + std::to_string(c.soft_choice_temperature) +
                " needs choice_weight > 0 (the soft targets are the choice loss's)");
  return c;
}

prompt::PromptOptions SftConfig::prompt_options() const {
  prompt::PromptOptions p;
  p.think = think;
  p.max_history = max_history;
  p.title_chars = title_chars;
  p.show_category = show_category;
  p.show_brand = show_brand;
  return p;
}

Json SftConfig::to_json() const {
  Json j{{"train", train.to_json()}};
  sft_fields().write(*this, j);
  return j;
}

namespace {

// The accepted traces as training examples (and what was seen on the way).
struct TraceExamples {
  std::vector<LmExample> train, valid;
  int64_t traces = 0, accepted = 0, longest = 0, truncated = 0, longest_reasoning = 0, choice_tokens = 0,
          soft_examples = 0;
};

TraceExamples read_trace_examples(const SftConfig& config, const SftOptions& options, const DataDir& data,
                                  const Catalog& catalog, const prompt::PromptRenderer& renderer,
                                  const lm::Vocabulary& vocab) {
  std::unordered_map<std::string, Slate> slates;
  for (auto& s : read_slates(data.slates(SplitPart::Train), &catalog)) slates.emplace(s.request_id, std::move(s));
  TraceExamples out;
  // `scores`: the teacher's score per item id (empty: one-hot choice targets); first_soft_pick as
  // in set_soft_choice_targets.
  auto example = [&](const RankRequest& request, const std::vector<int>& order, const std::string& reasoning,
                     const std::unordered_map<std::string, double>& scores, int first_soft_pick) {
    const prompt::RenderedExample ex = renderer.render_example(request, order, reasoning);
    LmExample e;
    e.add(vocab.encode(ex.prompt), 0.0f);
    if (!ex.reasoning_part.empty()) {
      const std::vector<int64_t> part = vocab.encode(ex.reasoning_part);  // reasoning, "\n</think>\n"
      const auto close = std::find(part.begin(), part.end(), vocab.think_end_id());
      out.longest_reasoning = std::max<int64_t>(out.longest_reasoning, close - part.begin());
      e.add(part, static_cast<float>(config.reasoning_weight));
    }
    const std::vector<int64_t> answer = vocab.encode(ex.answer_part);
    const int64_t answer_start = e.size();
    e.add(answer, static_cast<float>(config.answer_weight));
    if (config.choice_weight > 0) {
      std::vector<LmExample::ChoiceSet> sets = answer_choice_sets(renderer, vocab, request, answer);
      if (config.soft_choice_temperature > 0 && !scores.empty()) {
        std::vector<double> s;
        for (const auto& c : request.candidates) s.push_back(scores.at(c.item_id));
        set_soft_choice_targets(sets, renderer, vocab, request, order, answer, s, config.soft_choice_temperature,
                                first_soft_pick);
        ++out.soft_examples;
      }
      for (auto& c : sets) {
        e.add_choice(answer_start + c.index, std::move(c.allowed), static_cast<float>(config.choice_weight),
                     std::move(c.target));
        ++out.choice_tokens;
      }
    }
    out.longest = std::max(out.longest, e.size());
    out.truncated += e.size() > config.train.seq_len + 1;
    return e;
  };
  JsonlReader reader(options.traces_path);
  Json record;
  while (reader.next(record)) {
    ++out.traces;
    const std::string where = reader.where();
    if (!record.value("accepted", true)) continue;
    const std::string id = record.at("request_id").get<std::string>();
    auto it = slates.find(id);
    if (it == slates.end()) throw Error(where + ": request_id '" + id + "' is not in " + data.slates(SplitPart::Train));
    const RankRequest request = make_request(it->second);
    const std::vector<int> order = record.at("order").get<std::vector<int>>();
    if (!is_permutation_of(order, static_cast<int>(request.candidates.size())))
      throw Error(where + ": order must be a permutation of the slate's " + std::to_string(request.candidates.size()) +
                  " candidate indices (0-based, best first)");
    const std::string reasoning = config.think ? record.value("reasoning", std::string()) : std::string();
    ++out.accepted;
    // The teacher's scores, when the trace has them (the heuristic teacher's info.scores, one per
    // candidate in slate order) and soft targets are asked for.
    std::unordered_map<std::string, double> scores;
    const Json* info_scores = record.contains("info") && record["info"].is_object() && record["info"].contains("scores")
                                  ? &record["info"]["scores"]
                                  : nullptr;
    if (config.soft_choice_temperature > 0 && info_scores != nullptr) {
      if (!info_scores->is_array() || info_scores->size() != request.candidates.size())
        throw Error(where + ": info.scores must be an array of " + std::to_string(request.candidates.size()) +
                    " numbers (one per candidate)");
      for (size_t i = 0; i < request.candidates.size(); ++i) {
        if (!(*info_scores)[i].is_number())
          throw Error(where + ": info.scores[" + std::to_string(i) + "] must be a number");
        scores[request.candidates[i].item_id] = (*info_scores)[i].get<double>();
      }
    }
    const int first_soft_pick = record.value("mode", std::string()) == "targeted" ? 1 : 0;
    const bool held_out = (derive_seed(config.train.seed, id) % 10000) < static_cast<uint64_t>(config.valid_share * 10000);
    std::vector<LmExample>& split = held_out ? out.valid : out.train;
    split.push_back(example(request, order, reasoning, scores, first_soft_pick));
    for (int64_t k = 1; k <= config.shuffled_copies; ++k) {
      const auto [request_k, order_k] = shuffle_candidates(request, order, derive_seed(config.train.seed, id + "/shuffle/" + std::to_string(k)));
      split.push_back(example(request_k, order_k, reasoning, scores, first_soft_pick));
    }
  }
  if (out.train.empty()) throw Error(options.traces_path + ": no accepted traces to train on");
  if (out.truncated > 0)
    log_warning(strprintf("gr2 sft: %lld of %lld examples are longer than [sft] seq_len + 1 = %lld tokens (the longest "
                          "has %lld); they keep their last tokens, so their prompts lose the start (system line, then "
                          "history): raise seq_len to %lld or shorten the prompt (max_history, title_chars)",
                          static_cast<long long>(out.truncated),
                          static_cast<long long>(out.train.size() + out.valid.size()),
                          static_cast<long long>(config.train.seq_len + 1), static_cast<long long>(out.longest),
                          static_cast<long long>(out.longest - 1)));
  return out;
}

}  // namespace

std::vector<LmExample::ChoiceSet> answer_choice_sets(const prompt::PromptRenderer& renderer, const lm::Vocabulary& vocab,
                                                     const RankRequest& request, const std::vector<int64_t>& answer) {
  // Replay the answer constraint LmReranker decodes with (a permutation of the candidates' SIDs,
  // then <|im_end|>) over the answer: the allowed set at each of its tokens.
  std::vector<std::vector<int64_t>> candidates;
  for (const auto& spelling : renderer.candidate_sids(request)) candidates.push_back(vocab.encode(spelling));
  // The part after any think block: the direct answer's format.
  lm::PermutationConstraint constraint(std::move(candidates), lm::answer_format(vocab, /*think=*/false, 0));
  const std::vector<lm::RecordedStep> steps = lm::replay_constraint(constraint, answer);
  std::vector<LmExample::ChoiceSet> out;
  for (size_t t = 0; t < steps.size(); ++t)
    if (steps[t].kind() == lm::AllowedTokens::Kind::Only && steps[t].tokens().size() > 1)
      out.push_back(LmExample::ChoiceSet{static_cast<int64_t>(t), steps[t].tokens(), 1.0f, {}});
  return out;
}

void set_soft_choice_targets(std::vector<LmExample::ChoiceSet>& sets, const prompt::PromptRenderer& renderer,
                             const lm::Vocabulary& vocab, const RankRequest& request, const std::vector<int>& order,
                             const std::vector<int64_t>& answer, const std::vector<double>& scores, double temperature,
                             int first_soft_pick) {
  check_internal(temperature > 0, "set_soft_choice_targets: temperature must be > 0");
  check_internal(scores.size() == request.candidates.size() && order.size() == scores.size(),
                 "set_soft_choice_targets: one score and one place per candidate expected");
  std::vector<std::vector<int64_t>> sid;  // each candidate's SID tokens
  for (const auto& spelling : renderer.candidate_sids(request)) sid.push_back(vocab.encode(spelling));
  // Where each pick's SID starts in `answer`.
  std::vector<int64_t> start;
  int64_t pos = 0;
  for (int i : order) {
    const auto& t = sid[static_cast<size_t>(i)];
    check_internal(pos + static_cast<int64_t>(t.size()) <= static_cast<int64_t>(answer.size()) &&
                       std::equal(t.begin(), t.end(), answer.begin() + pos),
                   "set_soft_choice_targets: the answer does not spell the order");
    start.push_back(pos);
    pos += static_cast<int64_t>(t.size());
  }
  std::vector<bool> placed(scores.size(), false);
  size_t pick = 0;
  for (auto& set : sets) {
    // The pick this choice belongs to (sets are in answer order); earlier picks are placed.
    while (pick + 1 < order.size() && start[pick + 1] <= set.index) placed[static_cast<size_t>(order[pick++])] = true;
    if (static_cast<int>(pick) < first_soft_pick || set.index >= pos) continue;  // label pick, or <|im_end|>
    const int64_t depth = set.index - start[pick];  // tokens of this pick's SID already written
    const auto& chosen = sid[static_cast<size_t>(order[pick])];
    std::vector<size_t> matching;  // candidates not yet placed whose SID starts with the prefix
    double top = -std::numeric_limits<double>::infinity();
    for (size_t c = 0; c < sid.size(); ++c) {
      if (placed[c] || static_cast<int64_t>(sid[c].size()) <= depth ||
          !std::equal(chosen.begin(), chosen.begin() + depth, sid[c].begin()))
        continue;
      matching.push_back(c);
      top = std::max(top, scores[c]);
    }
    std::vector<double> mass(set.allowed.size(), 0.0);
    for (size_t c : matching) {
      const auto a = std::find(set.allowed.begin(), set.allowed.end(), sid[c][static_cast<size_t>(depth)]);
      check_internal(a != set.allowed.end(), "set_soft_choice_targets: a candidate's next token is not allowed");
      mass[static_cast<size_t>(a - set.allowed.begin())] += std::exp((scores[c] - top) / temperature);  // <= 1, no underflow of all
    }
    const double total = std::accumulate(mass.begin(), mass.end(), 0.0);
    check_internal(total > 0, "set_soft_choice_targets: no candidate matches the prefix of pick " + std::to_string(pick) +
                                  " at answer token " + std::to_string(set.index));
    set.target.clear();
    for (double m : mass) set.target.push_back(static_cast<float>(m / total));
  }
}

std::pair<RankRequest, std::vector<int>> shuffle_candidates(const RankRequest& request, const std::vector<int>& order, uint64_t seed) {
  Rng rng(seed);
  std::vector<int> perm(request.candidates.size());  // perm[new position] = original index
  std::iota(perm.begin(), perm.end(), 0);
  rng.shuffle(perm);
  std::vector<int> position(perm.size());
  RankRequest out = request;
  for (size_t p = 0; p < perm.size(); ++p) {
    out.candidates[p] = request.candidates[static_cast<size_t>(perm[p])];
    position[static_cast<size_t>(perm[p])] = static_cast<int>(p);
  }
  std::vector<int> mapped;
  for (int i : order) mapped.push_back(position[static_cast<size_t>(i)]);
  return {std::move(out), std::move(mapped)};
}


Json run_sft(const SftConfig& config, const SftOptions& options) {
  const DataDir data{options.data_dir};
  const Catalog catalog = Catalog::read_jsonl(data.catalog());
  const std::string sids_path = lm::CheckpointDir{options.init_dir}.sids();
  if (!file_exists(sids_path)) throw Error(options.init_dir + ": no sids.jsonl (expected a mid-trained re-ranker checkpoint)");
  const sid::SidTable sids = sid::read_sids_jsonl(sids_path);
  sid::require_unique_sids(sids, sids_path);
  const lm::Vocabulary vocab = lm::Vocabulary::load(options.init_dir);
  const prompt::PromptRenderer renderer(catalog, sids, config.prompt_options());
  TraceExamples ex = read_trace_examples(config, options, data, catalog, renderer, vocab);

  const auto device = resolve_device(options.device);
  auto model = lm::load_model(options.init_dir, device);
  model->train();
  const Json description{{"stage", "sft"},          {"traces", options.traces_path}, {"traces_read", ex.traces},
                         {"accepted", ex.accepted}, {"train_examples", ex.train.size()}, {"valid_examples", ex.valid.size()},
                         {"longest_tokens", ex.longest}, {"truncated_examples", ex.truncated},
                         {"longest_reasoning_tokens", ex.longest_reasoning}, {"choice_tokens", ex.choice_tokens}, {"soft_target_examples", ex.soft_examples},
                         {"config", config.to_json()}};
  SftTask task(std::move(ex.train), std::move(ex.valid), config.train.batch_size, config.train.seq_len, vocab.pad_id(),
               config.train.seed, description);
  make_directories(options.out_dir);
  Trainer trainer(model, task, stage_trainer_options(config.train, options.out_dir, device, "sft", options.resume));
  const TrainSummary summary = trainer.run();

  const bool main_rank = dist::world().is_main();  // data parallel: rank 0 writes the checkpoint
  if (main_rank) lm::save_model(options.out_dir, trainer.model());
  Json result = summary.to_json();
  result["task"] = description;
  LmRerankerOptions reranker;
  reranker.prompt = config.prompt_options();
  reranker.constrained = true;
  // The think cap that fits every trained rationale (the answer copies its "Choice:" line, which a
  // shorter cap would cut), with a margin of 1/8 for the student's own wording.
  if (config.think) reranker.max_think_tokens = std::max<int64_t>(16, ex.longest_reasoning + ex.longest_reasoning / 8);
  if (main_rank) finish_reranker_checkpoint(options.init_dir, options.out_dir, reranker.to_json(), result);
  return result;
}

}  // namespace gr2::train::sft
