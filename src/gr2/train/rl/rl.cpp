// The DAPO loop: rollouts -> rewards -> group advantages (dynamic sampling) -> clipped updates.
#include "gr2/train/rl/rl.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "gr2/core/cpu_threads.h"
#include "gr2/core/config.h"
#include "gr2/core/device.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/metrics_log.h"
#include "gr2/core/progress.h"
#include "gr2/core/rng.h"
#include "gr2/core/timing.h"
#include "gr2/data/catalog.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/slates.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/reranker/lm_reranker.h"
#include "gr2/train/adamw.h"
#include "gr2/train/rl/dynamic_sampling.h"
#include "gr2/train/epoch_order.h"
#include "gr2/train/lr_schedule.h"
#include "gr2/train/reranker_checkpoint.h"
#include "gr2/train/rl/rollout_log_probs.h"
#include "gr2/train/train_checkpoint.h"
#include "gr2/train/trainer.h"

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
  c.train = TrainConfig::from_section(s, defaults);
  c.prompts_per_step = s.get_int_in("prompts_per_step", c.prompts_per_step, 1, 100000);
  c.group_size = s.get_int_in("group_size", c.group_size, 2, 1024);
  c.temperature = s.get_double_in("temperature", c.temperature, 0.01, 10.0);
  c.top_p = s.get_double_in("top_p", c.top_p, 0.01, 1.0);
  c.update_epochs = s.get_int_in("update_epochs", c.update_epochs, 1, 100);
  c.minibatch_rows = s.get_int_in("minibatch_rows", c.minibatch_rows, 1, 100000);
  c.dynamic_sampling = s.get_bool("dynamic_sampling", c.dynamic_sampling);
  c.max_refill_rounds = s.get_int_in("max_refill_rounds", c.max_refill_rounds, 0, 100);
  c.constrained = s.get_bool("constrained", c.constrained);
  c.max_think_tokens = s.get_int_in("max_think_tokens", c.max_think_tokens, 0, 100000);
  c.loss.eps_low = s.get_double_in("eps_low", c.loss.eps_low, 0.0, 1.0);
  c.loss.eps_high = s.get_double_in("eps_high", c.loss.eps_high, 0.0, 10.0);
  c.loss.kl_coef = s.get_double_in("kl_coef", c.loss.kl_coef, 0.0, 100.0);
  c.reward.kind = parse_reward_kind(s.get_string("reward", reward_kind_name(c.reward.kind)));
  c.reward.ndcg_k = static_cast<int>(s.get_int_in("ndcg_k", c.reward.ndcg_k, 0, 1000));
  c.reward.format_weight = s.get_double_in("format_weight", c.reward.format_weight, 0.0, 100.0);
  c.reward.conditional = s.get_bool("conditional", c.reward.conditional);
  c.reward.invalid_reward = s.get_double_in("invalid_reward", c.reward.invalid_reward, -100.0, 100.0);
  s.finish();
  c.train.validate("rl");
  c.reward.validate();
  return c;
}

Json RlConfig::to_json() const {
  return Json{{"train", train.to_json()},
              {"prompts_per_step", prompts_per_step},
              {"group_size", group_size},
              {"temperature", temperature},
              {"top_p", top_p},
              {"update_epochs", update_epochs},
              {"minibatch_rows", minibatch_rows},
              {"dynamic_sampling", dynamic_sampling},
              {"max_refill_rounds", max_refill_rounds},
              {"constrained", constrained},
              {"max_think_tokens", max_think_tokens},
              {"eps_low", loss.eps_low},
              {"eps_high", loss.eps_high},
              {"kl_coef", loss.kl_coef},
              {"reward", reward_kind_name(reward.kind)},
              {"ndcg_k", reward.ndcg_k},
              {"format_weight", reward.format_weight},
              {"conditional", reward.conditional},
              {"invalid_reward", reward.invalid_reward}};
}

Json run_rl(const RlConfig& config, const RlOptions& options) {
  const DataDir data{options.data_dir};
  const Catalog catalog = Catalog::read_jsonl(data.catalog());
  std::vector<Slate> slates;
  for (auto& s : read_slates(data.slates(SplitPart::Train), &catalog)) {
    // Slates on which the reward's ranking term is defined.
    if (!s.has_positive()) continue;
    if (config.reward.kind == RewardKind::Auc && s.max_label() > 0 &&
        std::all_of(s.labels.begin(), s.labels.end(), [](int l) { return l > 0; }))
      continue;
    slates.push_back(std::move(s));
  }
  if (slates.empty()) throw Error(data.slates(SplitPart::Train) + ": no slate with a positive label to learn from");

  const auto device = resolve_device(options.device);
  if (config.train.threads > 0) set_cpu_threads(config.train.threads);
  auto reranker = LmReranker::load(options.init_dir, catalog, device);
  LmRerankerOptions ro = reranker->options();
  ro.constrained = config.constrained;
  if (config.max_think_tokens > 0) ro.max_think_tokens = config.max_think_tokens;  // 0: the checkpoint's cap
  ro.sampling.temperature = config.temperature;
  ro.sampling.top_p = config.top_p;
  ro.batch_size = std::max<int64_t>(ro.batch_size, config.group_size);
  reranker->set_options(ro);
  lm::Qwen3Lm model = reranker->model();
  lm::Qwen3Lm reference{nullptr};
  if (config.loss.kl_coef > 0) reference = lm::load_model(options.init_dir, device);
  auto optimizer = make_adamw(model, config.train);
  const int64_t pad_id = reranker->vocabulary().pad_id();
  const lm::SamplingOptions sampling = reranker->options().sampling;  // the rollouts' distribution

  make_directories(options.out_dir);
  const std::string run_dir = join_path(options.out_dir, "run");
  const std::string log_path = join_path(options.out_dir, "rl_log.jsonl");
  int64_t start = 0, cursor = 0;
  if (options.resume) {
    if (auto latest = latest_checkpoint(run_dir)) {
      const TrainerState state = load_train_checkpoint(*latest, model, *optimizer);
      start = state.step;
      cursor = state.extra.value("cursor", int64_t{0});
      std::cerr << "gr2 rl: resumed at step " << start << " from " << *latest << "\n";
    }
  }
  truncate_metrics_log(log_path, start);
  MetricsLog log(log_path);
  EpochOrder order(config.train.seed, static_cast<int64_t>(slates.size()));
  Progress progress("rl", config.train.steps);
  Stopwatch clock;
  Json first, last;

  for (int64_t step = start; step < config.train.steps; ++step) {
    Stopwatch step_clock;
    StepDiagnostics diag;
    // Rollouts, rewards and groups; refill dropped groups with fresh slates.
    std::vector<std::vector<LmRollout>> batches;    // per round; owns the rollouts the samples point to
    std::vector<std::vector<RankRequest>> asked;     // per round: the requests of those rollouts
    auto draw = [&](int64_t need, int64_t round) {
      std::vector<RankRequest> requests;
      std::vector<const Slate*> used;
      for (int64_t i = 0; i < need; ++i) {
        const Slate& s = slates[static_cast<size_t>(order.at(cursor++))];
        requests.push_back(make_request(s));
        used.push_back(&s);
      }
      asked.push_back(requests);
      batches.push_back(reranker->rollout(requests, static_cast<int>(config.group_size),
                                          splitmix64(config.train.seed ^ splitmix64(static_cast<uint64_t>(step) * 1000 + static_cast<uint64_t>(round)))));
      std::vector<std::vector<double>> groups;
      for (size_t i = 0; i < requests.size(); ++i) {
        std::vector<double> rewards;
        for (int64_t g = 0; g < config.group_size; ++g) {
          const LmRollout& r = batches.back()[i * static_cast<size_t>(config.group_size) + static_cast<size_t>(g)];
          const PolicyAnswer answer = to_policy_answer(r.parsed);
          const RewardBreakdown b = compute_reward(config.reward, answer, used[i]->labels);
          diag.add(b, answer);
          rewards.push_back(b.total);
        }
        groups.push_back(std::move(rewards));
      }
      return groups;
    };
    const GroupCollection collected =
        collect_groups(config.prompts_per_step, config.max_refill_rounds, config.dynamic_sampling, draw);
    diag.groups = collected.groups_seen;
    diag.kept = static_cast<int64_t>(collected.kept.size());
    // The kept answers, each with the allowed set it was sampled under at every token.
    std::vector<ScoredAnswer> samples;
    for (const auto& k : collected.kept) {
      const RankRequest& request = asked[static_cast<size_t>(k.round)][static_cast<size_t>(k.index)];
      for (int64_t g = 0; g < config.group_size; ++g) {
        const LmRollout& r = batches[static_cast<size_t>(k.round)][static_cast<size_t>(k.index * config.group_size + g)];
        ScoredAnswer a;
        a.prompt = &r.prompt_tokens;
        a.tokens = &r.tokens;
        a.advantage = k.advantages[static_cast<size_t>(g)];
        if (auto constraint = reranker->answer_constraint(request)) a.steps = lm::replay_constraint(*constraint, r.tokens);
        samples.push_back(std::move(a));
      }
    }
    const double rollout_seconds = step_clock.seconds();

    DapoLossStats loss_stats;
    double loss_value = 0, entropy_mean = 0, grad_norm = 0;
    int64_t token_count = 0;
    const double lr = learning_rate_at(step, config.train.steps, config.train.warmup_steps, config.train.learning_rate,
                                       config.train.min_lr_ratio);
    if (!samples.empty()) {
      for (const auto& s : samples) token_count += s.choice_count();
      // Old (rollout-time) and reference log-probs, per minibatch, without gradients.
      std::vector<torch::Tensor> old_logp, ref_logp;
      {
        torch::NoGradGuard no_grad;
        model->eval();
        double entropy_sum = 0;
        for (size_t b = 0; b < samples.size(); b += static_cast<size_t>(config.minibatch_rows)) {
          const size_t e = std::min(samples.size(), b + static_cast<size_t>(config.minibatch_rows));
          const AnswerLogProbs lp = answer_log_probs(model, samples, b, e, pad_id, sampling, true);
          old_logp.push_back(lp.log_probs.detach());
          entropy_sum += lp.entropy.sum().item<double>();
          if (reference) ref_logp.push_back(answer_log_probs(reference, samples, b, e, pad_id, sampling, false).log_probs.detach());
        }
        entropy_mean = entropy_sum / static_cast<double>(std::max<int64_t>(token_count, 1));
      }
      model->train();
      set_learning_rate(*optimizer, lr);
      double clip_sum = 0, kl_sum = 0;
      int64_t stat_batches = 0;
      for (int64_t epoch = 0; epoch < config.update_epochs; ++epoch) {
        optimizer->zero_grad();
        double epoch_loss = 0;
        size_t mb = 0;
        for (size_t b = 0; b < samples.size(); b += static_cast<size_t>(config.minibatch_rows), ++mb) {
          const size_t e = std::min(samples.size(), b + static_cast<size_t>(config.minibatch_rows));
          auto new_logp = answer_log_probs(model, samples, b, e, pad_id, sampling, false).log_probs;
          std::vector<float> adv;
          for (size_t i = b; i < e; ++i)
            adv.insert(adv.end(), static_cast<size_t>(samples[i].choice_count()), static_cast<float>(samples[i].advantage));
          DapoLossStats st;
          auto loss = dapo_loss(new_logp, old_logp[mb], torch::tensor(adv).to(device),
                                reference ? ref_logp[mb] : torch::Tensor(), static_cast<double>(token_count), config.loss, &st);
          loss.backward();
          epoch_loss += loss.item<double>();
          clip_sum += st.clip_fraction;
          kl_sum += st.kl;
          ++stat_batches;
        }
        std::vector<torch::Tensor> params;
        for (auto& p : model->parameters())
          if (p.grad().defined()) params.push_back(p);
        grad_norm = config.train.grad_clip > 0
                        ? torch::nn::utils::clip_grad_norm_(params, config.train.grad_clip)
                        : 0.0;
        optimizer->step();
        loss_value = epoch_loss;
      }
      loss_stats.clip_fraction = clip_sum / static_cast<double>(std::max<int64_t>(stat_batches, 1));
      loss_stats.kl = kl_sum / static_cast<double>(std::max<int64_t>(stat_batches, 1));
    }

    Json record = diag.to_json();
    record["step"] = step + 1;
    record["lr"] = lr;
    record["loss"] = loss_value;
    record["clip_fraction"] = loss_stats.clip_fraction;
    record["kl"] = loss_stats.kl;
    record["entropy"] = entropy_mean;
    record["grad_norm"] = grad_norm;
    record["response_tokens"] = token_count;  // choice tokens (forced tokens carry no loss)
    record["rollout_seconds"] = rollout_seconds;
    record["step_seconds"] = step_clock.seconds();
    log.log(record);
    if (first.is_null()) first = record;
    last = record;
    progress.update(step + 1, {{"reward", record["reward_mean"].get<double>()},
                               {"kept", record["kept_share"].get<double>()},
                               {"copy", record["identity_copy_rate"].get<double>()}});

    const bool at_end = step + 1 == config.train.steps;
    if (at_end || (config.train.checkpoint_every > 0 && (step + 1) % config.train.checkpoint_every == 0)) {
      TrainerState state;
      state.step = step + 1;
      state.config = config.train.to_json();
      state.extra = Json{{"cursor", cursor}, {"stage", "rl"}};
      save_train_checkpoint(run_dir, model, *optimizer, state);
    }
  }
  progress.finish();

  lm::save_model(options.out_dir, model);
  Json summary{{"stage", "rl"}, {"config", config.to_json()}, {"first_step", first}, {"last_step", last},
               {"seconds", clock.seconds()}, {"init", options.init_dir}};
  Json reranker_settings = reranker->options().to_json();
  finish_reranker_checkpoint(options.init_dir, options.out_dir, reranker_settings, summary);
  return summary;
}

}  // namespace gr2::train::rl
