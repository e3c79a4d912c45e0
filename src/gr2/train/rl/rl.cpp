// The DAPO loop: rollouts -> rewards -> group advantages (dynamic sampling) -> clipped updates.
#include "gr2/train/rl/rl.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>

#include "gr2/core/config.h"
#include "gr2/core/config_fields.h"
#include "gr2/core/log.h"
#include "gr2/core/device.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/progress.h"
#include "gr2/core/rng.h"
#include "gr2/core/timing.h"
#include "gr2/data/catalog.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/slates.h"
#include "gr2/dist/gradients.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/reranker/lm_reranker.h"
#include "gr2/train/rl/dynamic_sampling.h"
#include "gr2/rank/bootstrap.h"
#include "gr2/train/rl/policy_validation.h"
#include "gr2/train/autocast.h"
#include "gr2/train/epoch_order.h"
#include "gr2/train/reranker_checkpoint.h"
#include "gr2/train/rl/rollout_log_probs.h"
#include "gr2/train/training_run.h"

namespace gr2::train::rl {
namespace {

// Diagnostics over every rollout of a step (kept or dropped).
struct StepDiagnostics {
  double reward_sum = 0, reward_sq = 0;
  int64_t answers = 0, invalid = 0, identity = 0, top1_kept = 0, top1_kept_base = 0, groups = 0, kept = 0;
  std::vector<int64_t> top1_position;  // [K]: incoming position of the chosen top-1 (valid answers)

  void add(const RewardBreakdown& r, const PolicyAnswer& a) {
    ++answers;
    reward_sum += r.total;
    reward_sq += r.total * r.total;
    if (!r.valid) {
      ++invalid;
      return;
    }
    if (r.identity_copy) ++identity;
    if (top1_position.size() < a.order.size()) top1_position.resize(a.order.size(), 0);
    ++top1_position[static_cast<size_t>(a.order.front())];
    if (r.top1_kept) ++top1_kept;
  }
  // Data parallel: sums every rank's counts (each rank saw only its groups); `k` pads the top-1
  // histogram to one length on every rank.
  void sum_over_ranks(dist::World& world, size_t k) {
    top1_position.resize(std::max(k, top1_position.size()), 0);
    std::vector<double> v{reward_sum, reward_sq, static_cast<double>(answers), static_cast<double>(invalid),
                          static_cast<double>(identity), static_cast<double>(top1_kept)};
    for (int64_t c : top1_position) v.push_back(static_cast<double>(c));
    v = dist::sum_over_ranks(world, v, "the sum of rollout statistics");
    reward_sum = v[0];
    reward_sq = v[1];
    answers = static_cast<int64_t>(v[2]);
    invalid = static_cast<int64_t>(v[3]);
    identity = static_cast<int64_t>(v[4]);
    top1_kept = static_cast<int64_t>(v[5]);
    for (size_t i = 0; i < top1_position.size(); ++i) top1_position[i] = static_cast<int64_t>(v[6 + i]);
  }
  Json to_json() const {
    const double n = static_cast<double>(std::max<int64_t>(answers, 1));
    const double mean = reward_sum / n;
    const double var = std::max(0.0, reward_sq / n - mean * mean);
    return Json{{"reward_mean", mean},
                {"reward_std", std::sqrt(var)},
                {"groups", groups},
                {"groups_kept", kept},
                {"kept_share", groups > 0 ? static_cast<double>(kept) / static_cast<double>(groups) : 0.0},
                {"invalid_rate", static_cast<double>(invalid) / n},
                {"identity_copy_rate", static_cast<double>(identity) / n},
                {"top1_kept_rate", static_cast<double>(top1_kept) / n},
                {"top1_incoming_position", top1_position}};
  }
};

}  // namespace

namespace {

// The [rl] keys besides the shared training keys and `reward` (an enum, read by name).
const ConfigFields<RlConfig>& rl_fields() {
  using C = RlConfig;
  static const auto fields = ConfigFields<C>()
                                 .integer("prompts_per_step", &C::prompts_per_step, 1, 100000)
                                 .integer("group_size", &C::group_size, 2, 1024)
                                 .real("temperature", &C::temperature, 0.01, 10.0)
                                 .real("top_p", &C::top_p, 0.01, 1.0)
                                 .integer("update_epochs", &C::update_epochs, 1, 100)
                                 .integer("minibatch_rows", &C::minibatch_rows, 1, 100000)
                                 .flag("dynamic_sampling", &C::dynamic_sampling)
                                 .integer("max_refill_rounds", &C::max_refill_rounds, 0, 100)
                                 .flag("constrained", &C::constrained)
                                 .flag("shared_prefix", &C::shared_prefix)
                                 .integer("max_think_tokens", &C::max_think_tokens, 0, 100000)
                                 .integer("validation_slates", &C::validation_slates, 0, 100000000)
                                 .text("validation_metric", &C::validation_metric)
                                 .real("validation_confidence", &C::validation_confidence, 0.0, 0.999)
                                 .real("eps_low", &C::loss, &DapoLossOptions::eps_low, 0.0, 1.0)
                                 .real("eps_high", &C::loss, &DapoLossOptions::eps_high, 0.0, 10.0)
                                 .real("kl_coef", &C::loss, &DapoLossOptions::kl_coef, 0.0, 100.0)
                                 .integer("ndcg_k", &C::reward, &RewardConfig::ndcg_k, 0, 1000)
                                 .real("format_weight", &C::reward, &RewardConfig::format_weight, 0.0, 100.0)
                                 .flag("conditional", &C::reward, &RewardConfig::conditional)
                                 .real("invalid_reward", &C::reward, &RewardConfig::invalid_reward, -100.0, 100.0);
  return fields;
}

}  // namespace

RlConfig RlConfig::from_config(const Config& config) {
  RlConfig c;
  TrainConfig defaults;
  defaults.steps = 30;
  defaults.learning_rate = 2e-5;
  defaults.warmup_steps = 0;
  defaults.min_lr_ratio = 1.0;
  defaults.weight_decay = 0.0;
  defaults.checkpoint_every = 10;
  ConfigSection s = config.section("rl");
  c.train = TrainConfig::from_section(s, defaults, TrainKeys::NoTokenBatches);
  rl_fields().read(s, c);
  c.reward.kind = parse_reward_kind(s.get_string("reward", reward_kind_name(c.reward.kind)));
  try {
    c.advantage_norm = parse_advantage_norm(s.get_string("advantage_norm", advantage_norm_name(c.advantage_norm)));
  } catch (const Error& e) {
    throw Error(std::string("[rl] ") + e.what());
  }
  s.finish();
  try {
    parse_metric(c.validation_metric);
  } catch (const Error& e) {
    throw Error(std::string("[rl] validation_metric: ") + e.what());
  }
  c.train.validate("rl");
  c.reward.validate();
  return c;
}

Json RlConfig::to_json() const {
  Json j{{"train", train.to_json()},
         {"reward", reward_kind_name(reward.kind)},
         {"advantage_norm", advantage_norm_name(advantage_norm)}};
  rl_fields().write(*this, j);
  return j;
}

namespace {

// The training slates on which the reward's ranking term is defined.
std::vector<Slate> learnable_slates(const RlConfig& config, const DataDir& data, const Catalog& catalog) {
  std::vector<Slate> slates;
  for (auto& s : read_slates(data.slates(SplitPart::Train), &catalog)) {
    if (!s.has_positive()) continue;
    if (config.reward.kind == RewardKind::Auc && s.max_label() > 0 &&
        std::all_of(s.labels.begin(), s.labels.end(), [](int l) { return l > 0; }))
      continue;
    slates.push_back(std::move(s));
  }
  if (slates.empty()) throw Error(data.slates(SplitPart::Train) + ": no slate with a positive label to learn from");
  return slates;
}

// One step's rollouts: the kept groups' answers, each with the allowed sets it was sampled under.
// `samples` point into `batches` (which own the rollouts), so the two travel together.
struct StepRollouts {
  std::vector<std::vector<LmRollout>> batches;  // per draw round
  std::vector<ScoredAnswer> samples;
  StepDiagnostics diag;
};

// Data parallel: the rank that rolls out group i of n (contiguous blocks, so a group of G answers
// stays on one rank and its advantages need no communication).
int owner_of(size_t i, size_t n, int ranks) {
  return static_cast<int>((i * static_cast<size_t>(ranks)) / std::max<size_t>(n, 1));
}

// One draw round of a data-parallel run: this rank rolls out its groups of `requests`, each seeded by
// (round seed, group index) so that the samples do not depend on the number of ranks, and the
// rewards of every group are summed over ranks (so every rank keeps and refills the same groups).
// Appends the round's rollouts to out.batches (empty for other ranks' groups).
std::vector<std::vector<double>> draw_sharded(LmReranker& reranker, const RlConfig& config, dist::World& world,
                                              const std::vector<RankRequest>& requests,
                                              const std::vector<const Slate*>& used, uint64_t seed,
                                              StepRollouts& out) {
  const size_t group = static_cast<size_t>(config.group_size), n = requests.size();
  out.batches.emplace_back(n * group);
  std::vector<double> rewards(n * group, 0.0);
  for (size_t i = 0; i < n; ++i) {
    if (owner_of(i, n, world.size()) != world.rank()) continue;
    std::vector<LmRollout> r = reranker.rollout({requests[i]}, static_cast<int>(group), splitmix64(seed ^ splitmix64(i + 1)));
    for (size_t g = 0; g < group; ++g) {
      const PolicyAnswer answer = to_policy_answer(r[g].parsed);
      const RewardBreakdown b = compute_reward(config.reward, answer, used[i]->labels);
      out.diag.add(b, answer);
      rewards[i * group + g] = b.total;
      out.batches.back()[i * group + g] = std::move(r[g]);
    }
  }
  rewards = dist::sum_over_ranks(world, rewards, "the sum of rollout rewards");
  std::vector<std::vector<double>> groups(n);
  for (size_t i = 0; i < n; ++i) groups[i].assign(rewards.begin() + i * group, rewards.begin() + (i + 1) * group);
  return groups;
}

// Draws rollouts for config.prompts_per_step groups (refilling groups whose rewards all tie, DAPO's
// dynamic sampling), scores them and keeps the informative groups. Slates come from `order` at
// `cursor`, which advances; the rollouts' seed is a function of (seed, step, round).
StepRollouts collect_rollouts(LmReranker& reranker, const RlConfig& config, const std::vector<Slate>& slates,
                              EpochOrder& order, int64_t& cursor, int64_t step, dist::World& world) {
  StepRollouts out;
  const size_t group = static_cast<size_t>(config.group_size);
  std::vector<std::vector<RankRequest>> asked;  // per round: the requests of those rollouts
  auto draw = [&](int64_t need, int64_t round) {
    std::vector<RankRequest> requests;
    std::vector<const Slate*> used;
    for (int64_t i = 0; i < need; ++i) {
      const Slate& s = slates[static_cast<size_t>(order.at(cursor++))];
      requests.push_back(make_request(s));
      used.push_back(&s);
    }
    asked.push_back(requests);
    const uint64_t seed =
        splitmix64(config.train.seed ^ splitmix64(static_cast<uint64_t>(step) * 1000 + static_cast<uint64_t>(round)));
    if (world.active()) return draw_sharded(reranker, config, world, requests, used, seed, out);
    out.batches.push_back(reranker.rollout(requests, static_cast<int>(config.group_size), seed));
    std::vector<std::vector<double>> groups;
    for (size_t i = 0; i < requests.size(); ++i) {
      std::vector<double> rewards;
      for (size_t g = 0; g < group; ++g) {
        const PolicyAnswer answer = to_policy_answer(out.batches.back()[i * group + g].parsed);
        const RewardBreakdown b = compute_reward(config.reward, answer, used[i]->labels);
        out.diag.add(b, answer);
        rewards.push_back(b.total);
      }
      groups.push_back(std::move(rewards));
    }
    return groups;
  };
  const GroupCollection collected =
      collect_groups(config.prompts_per_step, config.max_refill_rounds, config.dynamic_sampling, draw,
                     config.advantage_norm);
  out.diag.groups = collected.groups_seen;
  out.diag.kept = static_cast<int64_t>(collected.kept.size());
  if (world.active()) {
    size_t k = 0;
    for (const auto& round : asked)
      for (const auto& r : round) k = std::max(k, r.candidates.size());
    out.diag.sum_over_ranks(world, k);
  }
  for (const auto& k : collected.kept) {
    const auto& round = asked[static_cast<size_t>(k.round)];
    if (world.active() && owner_of(static_cast<size_t>(k.index), round.size(), world.size()) != world.rank()) continue;
    const RankRequest& request = round[static_cast<size_t>(k.index)];
    for (size_t g = 0; g < group; ++g) {
      const LmRollout& r = out.batches[static_cast<size_t>(k.round)][static_cast<size_t>(k.index) * group + g];
      ScoredAnswer a;
      a.prompt = &r.prompt_tokens;
      a.tokens = &r.tokens;
      a.advantage = k.advantages[g];
      if (auto constraint = reranker.answer_constraint(request)) a.steps = lm::replay_constraint(*constraint, r.tokens);
      out.samples.push_back(std::move(a));
    }
  }
  return out;
}

struct UpdateStats {
  double loss = 0;           // the last epoch's summed DAPO loss
  double entropy = 0;        // mean entropy (nats) of the choice tokens' sampling distributions
  double grad_norm = 0;      // the last epoch's gradient norm before clipping
  double clip_fraction = 0;  // mean over minibatches and epochs
  double kl = 0;
  int64_t tokens = 0;        // choice tokens (forced tokens carry no loss)
};

// update_epochs optimizer steps of the clipped, token-normalised DAPO loss over `samples`, in
// minibatches of minibatch_rows (gradients accumulate within an epoch, one optimizer step per epoch).
// Old log-probs are the policy's before the first update: during the first epoch the weights are
// still the rollouts' (the step comes at the epoch's end), so its forward passes give them, detached,
// at no extra cost; the reference's (kl_coef > 0) are taken once, in that epoch too.
UpdateStats update_policy(TrainingRun& run, const RlConfig& config, const std::vector<ScoredAnswer>& samples,
                          lm::Qwen3Lm& reference, int64_t pad_id, const lm::SamplingOptions& sampling) {
  UpdateStats out;
  dist::World& world = run.world();
  for (const auto& s : samples) out.tokens += s.choice_count();
  double sample_count = static_cast<double>(samples.size());
  if (world.active()) {  // the loss is normalised by the choice tokens of every rank's samples
    const auto sums = dist::sum_over_ranks(world, {static_cast<double>(out.tokens), sample_count}, "the sum of sample counts");
    out.tokens = static_cast<int64_t>(sums[0]);
    sample_count = sums[1];
  }
  if (sample_count == 0) return out;
  lm::Qwen3Lm& model = run.model();
  const size_t rows = static_cast<size_t>(config.minibatch_rows);
  std::vector<torch::Tensor> old_logp, ref_logp;
  double entropy_sum = 0;
  model->train();
  const auto device = model->parameters().front().device();
  double clip_sum = 0, kl_sum = 0;
  int64_t minibatches = 0;
  for (int64_t epoch = 0; epoch < config.update_epochs; ++epoch) {
    run.zero_grad();
    double epoch_loss = 0;
    size_t mb = 0;
    for (size_t b = 0; b < samples.size(); b += rows, ++mb) {
      const size_t e = std::min(samples.size(), b + rows);
      torch::Tensor new_logp;
      {
        AutocastGuard autocast(run.autocast());
        const AnswerLogProbs lp = answer_log_probs(model, samples, b, e, pad_id, sampling, epoch == 0, config.shared_prefix);
        new_logp = lp.log_probs.to(torch::kFloat);
        if (epoch == 0) {
          old_logp.push_back(new_logp.detach());
          entropy_sum += lp.entropy.sum().item<double>();
          torch::NoGradGuard no_grad;
          if (reference)
            ref_logp.push_back(answer_log_probs(reference, samples, b, e, pad_id, sampling, false, config.shared_prefix)
                                   .log_probs.detach()
                                   .to(torch::kFloat));
        }
      }
      std::vector<float> adv;
      for (size_t i = b; i < e; ++i)
        adv.insert(adv.end(), static_cast<size_t>(samples[i].choice_count()), static_cast<float>(samples[i].advantage));
      DapoLossStats st;
      auto loss = dapo_loss(new_logp, old_logp[mb], torch::tensor(adv).to(device), reference ? ref_logp[mb] : torch::Tensor(),
                            static_cast<double>(out.tokens), config.loss, &st);
      loss.backward();
      epoch_loss += loss.item<double>();
      clip_sum += st.clip_fraction;
      kl_sum += st.kl;
      ++minibatches;
    }
    if (epoch == 0) {
      if (world.active()) entropy_sum = dist::sum_over_ranks(world, {entropy_sum}, "the sum of entropies")[0];
      out.entropy = entropy_sum / static_cast<double>(std::max<int64_t>(out.tokens, 1));
    }
    out.grad_norm = run.clip_and_step();  // sums the gradients over ranks first
    out.loss = world.active() ? dist::sum_over_ranks(world, {epoch_loss}, "the sum of losses")[0] : epoch_loss;
  }
  if (world.active()) {
    const auto sums = dist::sum_over_ranks(world, {clip_sum, kl_sum, static_cast<double>(minibatches)}, "the sum of loss statistics");
    clip_sum = sums[0];
    kl_sum = sums[1];
    minibatches = static_cast<int64_t>(sums[2]);
  }
  out.clip_fraction = clip_sum / static_cast<double>(std::max<int64_t>(minibatches, 1));
  out.kl = kl_sum / static_cast<double>(std::max<int64_t>(minibatches, 1));
  return out;
}

// Keeps the best policy by validation score among the start (step 0) and the checkpoints. The
// weights of the best checkpoint step so far live in OUT/best_validation (the start's are the init
// checkpoint's); its step, score and every score so far travel in the checkpoints' stage_state.
// `checks` is the number of checkpoints the run scores after step 0.
class PolicySelection {
 public:
  PolicySelection(const RlConfig& config, const RlOptions& options, const DataDir& data, const Catalog& catalog,
                  const Json& stage_state, int64_t checks)
      : enabled_(config.validation_slates > 0),
        metric_(parse_metric(config.validation_metric)),
        confidence_(per_check_confidence(config.validation_confidence, checks)),
        last_step_(config.train.steps),
        init_dir_(options.init_dir),
        best_dir_(join_path(options.out_dir, "best_validation")) {
    if (!enabled_) return;
    slates_ = validation_sample(data, catalog, config.validation_slates, config.train.seed);
    best_step_ = stage_state.value("best_step", int64_t{0});
    if (stage_state.contains("best_score")) best_score_ = stage_state["best_score"].get<double>();
    records_ = stage_state.value("validation", Json::array());
    start_values_ = stage_state.value("start_values", std::vector<double>());
    log_info(strprintf("gr2 rl: the policy is selected by %s on %zu validation slates", metric_.name.c_str(),
                       slates_.size()));
    if (confidence_ > 0)
      log_info(strprintf("gr2 rl: a checkpoint must beat the start with its %.4g%% interval above zero (%.4g%% for "
                         "the run's %lld checks together, Bonferroni)",
                         100 * confidence_, 100 * config.validation_confidence, static_cast<long long>(checks)));
  }
  bool enabled() const { return enabled_; }

  // Scores the re-ranker's current policy after `step` steps; a strictly better score than the best
  // so far makes it the best (its weights saved unless it is the last step, which is saved anyway)
  // — with validation_confidence > 0, only when it also beats the start (step 0) with the paired
  // bootstrap interval of the difference above zero.
  void consider(LmReranker& reranker, int64_t step) {
    Stopwatch clock;
    const ValidationScore v = validate_policy(reranker, slates_, metric_);
    if (step == 0) start_values_ = v.per_slate;
    bool beats_start = true;
    Json versus_start;
    if (step > 0 && confidence_ > 0) {
      const Interval d = difference_to_start(v.per_slate);
      beats_start = d.lo > 0;
      versus_start = Json{{"diff", d.estimate}, {"lo", d.lo}, {"hi", d.hi}};
    }
    const bool better = (!best_score_ || v.score > *best_score_) && beats_start;
    if (better) {
      best_score_ = v.score;
      best_step_ = step;
      if (step > 0 && step < last_step_ && dist::world().is_main()) lm::save_model(best_dir_, reranker.model());
    }
    Json record = v.metrics;
    record["step"] = step;
    record["score"] = v.score;
    record["seconds"] = clock.seconds();
    if (!versus_start.is_null()) record["vs_start"] = versus_start;
    records_.push_back(record);
    const std::string gate =
        versus_start.is_null() ? std::string()
                               : strprintf(", vs start %+.4f [%+.4f, %+.4f]", versus_start["diff"].get<double>(),
                                           versus_start["lo"].get<double>(), versus_start["hi"].get<double>());
    log_info(strprintf("gr2 rl: validation after step %lld: %s %.4f (R@1 %.4f)%s, best: step %lld (%.4f), %.1f s",
                       static_cast<long long>(step), metric_.name.c_str(), v.score, v.metrics["R@1"].get<double>(),
                       gate.c_str(), static_cast<long long>(best_step_), *best_score_, clock.seconds()));
  }
  // What a checkpoint stores to resume the selection.
  Json state() const {
    Json j{{"best_step", best_step_}, {"validation", records_}, {"start_values", start_values_}};
    if (best_score_) j["best_score"] = *best_score_;
    return j;
  }
  // Loads the best policy's weights into `model` when the best is not the last step's.
  void restore_best(lm::Qwen3Lm& model, torch::Device device) {
    if (best_step_ == last_step_) return;
    const std::string dir = best_step_ == 0 ? init_dir_ : best_dir_;
    log_info(strprintf("gr2 rl: keeping the policy of step %lld (%s) over the last step's",
                       static_cast<long long>(best_step_), best_step_ == 0 ? "the start" : "a checkpoint"));
    lm::Qwen3Lm best = lm::load_model(dir, device);
    torch::NoGradGuard no_grad;
    auto to = model->named_parameters();
    for (const auto& p : best->named_parameters()) to[p.key()].copy_(p.value());
  }
  // Removes OUT/best_validation (after the selected weights are saved as the output).
  void discard() {
    std::error_code ignored;
    std::filesystem::remove_all(best_dir_, ignored);
  }
  Json summary() const {
    Json j{{"metric", metric_.name}, {"slates", slates_.size()}, {"selected_step", best_step_}, {"scores", records_}};
    if (confidence_ > 0) j["confidence_per_check"] = confidence_;
    return j;
  }

 private:
  // The confidence of each check's interval: with m checks, 1 - (1 - c) / m, so that the chance
  // that any of them lets a policy no better than the start through stays at most 1 - c
  // (Bonferroni). Without it the gate is a best-of-m: the full config of 2026-12-03 passed a
  // checkpoint at +0.027 [+0.006, +0.049] validation N@3 that scored -0.007 on the test slates.
  static double per_check_confidence(double confidence, int64_t checks) {
    if (confidence <= 0) return 0;
    return 1 - (1 - confidence) / static_cast<double>(std::max<int64_t>(checks, 1));
  }

  // Paired bootstrap interval of mean(values - start's values) over the slates where both are defined.
  Interval difference_to_start(const std::vector<double>& values) const {
    check_internal(values.size() == start_values_.size(), "PolicySelection: the start was not scored");
    std::vector<double> now, start;
    for (size_t i = 0; i < values.size(); ++i)
      if (!std::isnan(values[i]) && !std::isnan(start_values_[i])) {
        now.push_back(values[i]);
        start.push_back(start_values_[i]);
      }
    BootstrapOptions b;
    b.confidence = confidence_;
    return paired_bootstrap_diff(now, start, b);
  }

  bool enabled_;
  MetricSpec metric_;
  double confidence_;
  std::vector<double> start_values_;  // the start's per-slate metric (the pairs of the bootstrap)
  int64_t last_step_;
  std::string init_dir_, best_dir_;
  std::vector<Slate> slates_;
  int64_t best_step_ = 0;
  std::optional<double> best_score_;
  Json records_ = Json::array();
};

}  // namespace

Json run_rl(const RlConfig& config, const RlOptions& options) {
  const DataDir data{options.data_dir};
  const Catalog catalog = Catalog::read_jsonl(data.catalog());
  const std::vector<Slate> slates = learnable_slates(config, data, catalog);

  const auto device = resolve_device(options.device);
  auto reranker = LmReranker::load(options.init_dir, catalog, device);
  LmRerankerOptions ro = reranker->options();
  ro.constrained = config.constrained;
  if (config.max_think_tokens > 0) ro.max_think_tokens = config.max_think_tokens;  // 0: the checkpoint's cap
  ro.sampling.temperature = config.temperature;
  ro.sampling.top_p = config.top_p;
  ro.batch_size = std::max<int64_t>(ro.batch_size, config.group_size);
  reranker->set_options(ro);
  lm::Qwen3Lm reference{nullptr};
  if (config.loss.kl_coef > 0) reference = lm::load_model(options.init_dir, device);
  const int64_t pad_id = reranker->vocabulary().pad_id();
  const lm::SamplingOptions sampling = reranker->options().sampling;  // the rollouts' distribution

  make_directories(options.out_dir);
  RunOptions run_options = stage_run_options(config.train, options.out_dir, device, "rl", options.resume);
  run_options.resume_config = config.to_json();                          // [rl]'s own knobs count too
  run_options.log_path = join_path(options.out_dir, "rl_log.jsonl");
  TrainingRun run(reranker->model(), run_options);  // shares the weights the rollouts sample from
  const RunStart start = run.begin();
  int64_t cursor = start.stage_state.value("cursor", int64_t{0});
  if (start.step > 0) log_info(strprintf("gr2 rl: resumed at step %lld of %lld", static_cast<long long>(start.step), static_cast<long long>(config.train.steps)));

  // Selection on validation slates: the start's score, then every checkpoint's; the best so far is
  // kept on disk (best_dir) so that a resumed run can still return it.
  int64_t checks = 0;  // the steps after which the run checkpoints, and so the selection scores
  for (int64_t done = 1; done <= config.train.steps; ++done) checks += run.checkpoint_due(done);
  PolicySelection selection(config, options, data, catalog, start.stage_state, checks);
  if (selection.enabled() && start.step == 0) selection.consider(*reranker, 0);

  EpochOrder order(config.train.seed, static_cast<int64_t>(slates.size()));
  Progress progress("rl", config.train.steps - start.step);
  Stopwatch clock;
  Json first, last;
  for (int64_t step = start.step; step < config.train.steps; ++step) {
    const double lr = run.begin_step(step);
    Stopwatch step_clock;
    const StepRollouts rollouts = collect_rollouts(*reranker, config, slates, order, cursor, step, run.world());
    const double rollout_seconds = step_clock.seconds();
    const UpdateStats u = update_policy(run, config, rollouts.samples, reference, pad_id, sampling);
    run.count(u.tokens, step_clock.seconds());

    Json record = rollouts.diag.to_json();
    record["step"] = step + 1;
    record["lr"] = lr;
    record["loss"] = u.loss;
    record["clip_fraction"] = u.clip_fraction;
    record["kl"] = u.kl;
    record["entropy"] = u.entropy;
    record["grad_norm"] = u.grad_norm;
    record["response_tokens"] = u.tokens;  // choice tokens (forced tokens carry no loss)
    record["rollout_seconds"] = rollout_seconds;
    record["step_seconds"] = step_clock.seconds();
    if (run.world().active()) {  // the data-parallel share: seconds summing gradients so far
      record["ranks"] = run.world().size();
      record["comm_s"] = run.comm_seconds();
    }
    if (run.log_due(step + 1)) run.log().log(record);
    if (first.is_null()) first = record;
    last = record;
    progress.update(step + 1 - start.step, {{"reward", record["reward_mean"].get<double>()},
                                            {"kept", record["kept_share"].get<double>()},
                                            {"copy", record["identity_copy_rate"].get<double>()}});
    if (run.checkpoint_due(step + 1)) {
      if (selection.enabled()) selection.consider(*reranker, step + 1);
      Json state = selection.state();
      state["cursor"] = cursor;
      run.checkpoint(step + 1, state);
    }
  }
  progress.finish();

  const bool main_rank = run.world().is_main();  // data parallel: rank 0 writes the checkpoint
  if (selection.enabled() && main_rank) selection.restore_best(run.model(), device);
  if (main_rank) lm::save_model(options.out_dir, run.model());
  if (main_rank) selection.discard();
  Json summary{{"stage", "rl"}, {"config", config.to_json()}, {"first_step", first}, {"last_step", last},
               {"seconds", clock.seconds()}, {"init", options.init_dir}};
  if (selection.enabled()) summary["validation"] = selection.summary();
  if (main_rank) finish_reranker_checkpoint(options.init_dir, options.out_dir, reranker->options().to_json(), summary);
  return summary;
}

}  // namespace gr2::train::rl
