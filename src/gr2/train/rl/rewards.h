// Verifiable rewards for RL (DAPO) on re-ranking answers, as pure functions: rank promotion of the
// target, slate AUC, NDCG@K, format validity, the conditional (anti-hacking) reward that combines
// them, and group-normalised advantages. docs/rl.md has the formulas and the branches. Plain C++.
//
// Conventions (as in metrics.h): `labels[i]` is the graded label of candidate i in the incoming
// order (> 0 = positive); `order[r]` is the index of the candidate the answer puts at rank r
// (0-based ranks here); the incoming order is the identity [0, 1, ..., K-1].
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gr2/rank/policy.h"

namespace gr2::train::rl {

// The target of the rank-promotion reward: the candidate with the highest label, ties broken by
// the better (smaller) incoming rank; -1 when no label is positive. With one positive (the paper's
// leave-one-out setting) it is that positive.
int reward_target(const std::vector<int>& labels);

// (incoming_rank - new_rank) / k, ranks 0-based, in [-(k-1)/k, (k-1)/k]. Example, k = 10: the
// target moved from rank 4 to rank 1 (3 -> 0) gives +0.3, from 4 to 7 gives -0.3.
double rank_promotion(int incoming_rank, int new_rank, int k);

// Rank (0-based) of candidate `index` in `order`; -1 when absent.
int rank_of(const std::vector<int>& order, int index);

// Share of (positive, negative) pairs ordered correctly (positive = label > 0); std::nullopt when
// the slate has no positive or no negative. Same as metrics.h auc().
std::optional<double> slate_auc(const std::vector<int>& order, const std::vector<int>& labels);

// NDCG@k with gain 2^label - 1 and discount 1 / log2(1 + rank), rank from 1; k <= 0 means the
// whole slate. std::nullopt when no label is positive. Same as metrics.h ndcg_at().
std::optional<double> ndcg_at_k(const std::vector<int>& order, const std::vector<int>& labels, int k);

// The ranking credit of a reward.
enum class RewardKind {
  Rank,  // rank_promotion of reward_target ([P1], single target)
  Auc,   // slate_auc of the answer ([TR], binary labels)
  Ndcg,  // ndcg_at_k of the answer ([TR], graded labels)
};

// "rank", "auc", "ndcg".
std::string reward_kind_name(RewardKind kind);
// Parses a reward_kind_name (case-insensitive); throws Error naming the accepted values.
RewardKind parse_reward_kind(const std::string& name);

struct RewardConfig {
  RewardKind kind = RewardKind::Rank;
  double format_weight = 0.2;    // alpha: the format bonus paid to a valid answer
  bool conditional = true;       // true: the gated, anti-hacking reward; false: the naive sum
  double invalid_reward = -1.0;  // the whole reward of an invalid answer (Diffusion-GR2: -1)
  int ndcg_k = 0;                // cut-off of the Ndcg kind; 0 = the whole slate

  // Throws Error on a non-finite or negative format_weight, a non-finite invalid_reward or a
  // negative ndcg_k.
  void validate() const;
};

// The reward of one answer and why, for logging.
struct RewardBreakdown {
  double total = 0;    // ranking + format, or invalid_reward when !valid
  double ranking = 0;  // the ranking credit paid (0 when withheld)
  double format = 0;   // the format bonus paid (alpha or 0)
  bool valid = false;  // the answer parsed into a permutation of the candidates
  bool ranking_defined = false;    // the kind's metric exists for these labels (a positive; for
                                   // Auc also a negative)
  bool identity_copy = false;      // the answer equals the incoming order
  bool incoming_optimal = false;   // the incoming order already maximises the kind's metric
  bool top1_kept = false;          // the incoming first candidate is a best item (Rank, Ndcg: a
                                   // positive with the highest label; Auc: any positive) and the
                                   // answer keeps that same item first
  bool improved = false;           // the kind's metric is strictly better than the incoming order's
  bool ranking_withheld = false;   // conditional: an identity copy of a non-optimal incoming order
  double metric = 0;               // the kind's metric of the answer (rank: promotion; 0 if undefined)
  double incoming_metric = 0;      // the same for the incoming order (rank: 0)
};

// The reward of an answer (`valid` and, when valid, `order`, a permutation of the labels' indices;
// else Error::internal) against the incoming order's labels.
//
//   invalid answer (both modes):  total = invalid_reward; no ranking credit, no format bonus.
//   naive:        total = metric + alpha.
//   conditional:  ranking = 0 when the answer is an identity copy and the incoming order was not
//                 optimal, else metric;
//                 format  = alpha when improved or top1_kept, else 0;
//                 total   = ranking + format.
// When the metric is undefined (no positive; for Auc no positive or no negative) no order is better
// than another: ranking = 0 and the format bonus is paid to every valid answer in both modes.
RewardBreakdown compute_reward(const RewardConfig& config, bool valid, const std::vector<int>& order,
                               const std::vector<int>& labels);
// The same from a policy answer (its `valid` and `order`).
RewardBreakdown compute_reward(const RewardConfig& config, const PolicyAnswer& answer,
                               const std::vector<int>& labels);

// Group-normalised advantages (GRPO/DAPO): (r_i - mean) / (std + eps), with the *sample* standard
// deviation (divisor n - 1, as torch.std() by default). A group of fewer than two rewards, or a
// degenerate one (group_is_degenerate), gets zeros.
std::vector<double> group_advantages(const std::vector<double>& rewards, double eps = 1e-6);

// How a group's centred rewards (r_i - group mean) are scaled into advantages.
enum class AdvantageNorm {
  Group,  // by the group's own sample std (GRPO/DAPO): every group weighs the same, however small its
          // reward spread
  Batch,  // by one pooled within-group std of the whole batch (as REINFORCE++, arXiv 2501.03262,
          // normalises over the batch): a group whose answers differ more pushes harder
  None,   // not scaled (Dr. GRPO, arXiv 2503.20783, drops the std): the reward's own units
};
std::string advantage_norm_name(AdvantageNorm norm);
// Parses an advantage_norm_name ("group", "batch", "none"; case-insensitive); throws Error naming
// the accepted values.
AdvantageNorm parse_advantage_norm(const std::string& name);

// The advantages of a batch of groups (one vector of rewards each) under `norm`. Degenerate groups
// (group_is_degenerate) and groups of fewer than two rewards get zeros in every mode; Group equals
// group_advantages per group; Batch divides by sqrt(sum over groups of sum (r - mean)^2 / sum (n - 1))
// over the non-degenerate groups, plus eps.
std::vector<std::vector<double>> batch_advantages(const std::vector<std::vector<double>>& groups, AdvantageNorm norm,
                                                  double eps = 1e-6);

// True when all rewards are equal within 1e-9 (or the group is empty): such a group has no learning
// signal, and DAPO's dynamic sampling drops it and samples another.
bool group_is_degenerate(const std::vector<double>& rewards);

}  // namespace gr2::train::rl
