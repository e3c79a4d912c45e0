// `gr2 rl`: DAPO with verifiable rewards on a re-ranker checkpoint. Each step samples G answers
// per training slate (KV-cached batched generation), scores them with the rewards of
// train/rl/rewards.h (conditional by default, the naive sum as a switch), normalises advantages within
// each group, drops groups whose rewards all tie and refills the batch with fresh slates (dynamic
// sampling), then takes update_epochs optimizer steps on the clipped, token-normalised DAPO loss.
// Log-probs are taken under the distribution the rollouts were sampled from (constraint mask,
// temperature, top-p), and only over tokens that were choices (train/rl/rollout_log_probs.h).
// Logs per step: reward mean/std, share of groups kept, clip fraction, entropy, invalid-answer rate,
// identity-copy rate, top-1 kept rate and the histogram of the chosen top-1's incoming position.
// With validation_slates > 0 the greedy policy is scored on a fixed sample of validation slates at
// the start and at every checkpoint, and the best of those policies (the start included) is the one
// written: RL cannot end worse on held-out slates than the policy it started from
// (train/rl/policy_validation.h).
#pragma once

#include <cstdint>
#include <string>

#include "gr2/core/jsonl.h"
#include "gr2/train/rl/rewards.h"
#include "gr2/train/rl/dapo_loss.h"
#include "gr2/train/train_config.h"

namespace gr2 {
class Config;
}

namespace gr2::train::rl {

struct RlConfig {
  TrainConfig train;               // steps (rollout steps), learning_rate, warmup, grad_clip, seed, ...
  int64_t prompts_per_step = 8;    // groups per step (after dynamic sampling)
  int64_t group_size = 8;          // G answers per slate
  double temperature = 1.0;        // rollout sampling temperature
  double top_p = 1.0;
  int64_t update_epochs = 2;       // optimizer steps per rollout batch (each over all kept groups)
  int64_t minibatch_rows = 16;     // sequences per forward/backward (gradients accumulate)
  bool dynamic_sampling = true;    // drop groups whose rewards all tie, refill with new slates
  int64_t max_refill_rounds = 3;   // extra rollout rounds per step to refill dropped groups
  bool constrained = true;         // rollouts forced to valid permutations
  bool shared_prefix = true;       // the update computes each group's prompt once, its G answers packed
                                   // after it (rollout_log_probs.h); false = a row per answer
  int64_t max_think_tokens = 0;    // think cap of the rollouts; 0 = the start checkpoint's (SFT records
                                   // one that fits its traces), which RL then writes into its own
  int64_t validation_slates = 256; // validation slates (with a positive) scored at the start and at
                                   // each checkpoint; the best policy is kept (0 = keep the last step)
  std::string validation_metric = "N@3";  // the selection metric: R@K, N@K or AUC (rank/metrics.h)
  double validation_confidence = 0.0;  // > 0: a checkpoint is selected over the start only when the
                                       // paired bootstrap interval of its metric minus the start's, on
                                       // the validation slates, lies above zero; this is the confidence
                                       // of all m checks together, each at 1 - (1 - c) / m (Bonferroni);
                                       // 0 = the best score wins, however small the margin
  AdvantageNorm advantage_norm = AdvantageNorm::Group;  // how group-centred rewards are scaled (rewards.h)
  DapoLossOptions loss;
  RewardConfig reward;

  // The [rl] section. Throws Error naming key and line.
  static RlConfig from_config(const Config& config);
  Json to_json() const;
};

struct RlOptions {
  std::string init_dir;   // the policy to start from (an SFT'd re-ranker checkpoint)
  std::string data_dir;   // slates_train.jsonl (rollout prompts, labels for the rewards) + catalog
  std::string out_dir;    // the checkpoint to write; out_dir/rl_log.jsonl has the per-step record
  std::string device = "auto";
  bool resume = false;
};

// Trains and writes out_dir (a re-ranker checkpoint): the last step's policy, or with
// validation_slates > 0 the best by validation_metric among the start and every checkpoint (ties
// keep the earlier). Returns a summary (first/last step records, the validation scores and the
// selected step). Throws Error for bad data (no slate to learn from or to validate on).
Json run_rl(const RlConfig& config, const RlOptions& options);

}  // namespace gr2::train::rl
