// Verifiable rewards and group advantages (formulas and branches in rewards.h and docs/rl.md).
#include "gr2/train/rl/rewards.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "gr2/core/error.h"
#include "gr2/rank/metrics.h"

namespace gr2::train::rl {
namespace {

constexpr double kTolerance = 1e-12;

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// A group with a learning signal: at least two rewards, not all tied.
bool has_signal(const std::vector<double>& rewards) {
  return rewards.size() >= 2 && !group_is_degenerate(rewards);
}

// r_i - mean(r), and the sum of their squares in `ss`.
std::vector<double> centred(const std::vector<double>& rewards, double& ss) {
  double mean = 0;
  for (double r : rewards) mean += r;
  mean /= static_cast<double>(rewards.size());
  std::vector<double> out(rewards.size());
  ss = 0;
  for (size_t i = 0; i < rewards.size(); ++i) {
    out[i] = rewards[i] - mean;
    ss += out[i] * out[i];
  }
  return out;
}

std::vector<int> identity_order(size_t k) {
  std::vector<int> order(k);
  for (size_t i = 0; i < k; ++i) order[i] = static_cast<int>(i);
  return order;
}

// The kind's metric of `order`; std::nullopt when undefined for these labels.
std::optional<double> kind_metric(const RewardConfig& config, const std::vector<int>& order,
                                  const std::vector<int>& labels) {
  switch (config.kind) {
    case RewardKind::Rank: {
      const int target = reward_target(labels);
      if (target < 0) return std::nullopt;
      return rank_promotion(target, rank_of(order, target), static_cast<int>(labels.size()));
    }
    case RewardKind::Auc: return slate_auc(order, labels);
    case RewardKind::Ndcg: return ndcg_at_k(order, labels, config.ndcg_k);
  }
  return std::nullopt;
}

// True when candidate 0 (the incoming first) is a best item for the kind: any positive for Auc
// (binary relevance), a positive with the highest label for Rank and Ndcg.
bool first_is_best(RewardKind kind, const std::vector<int>& labels) {
  if (labels.empty() || labels[0] <= 0) return false;
  if (kind == RewardKind::Auc) return true;
  return labels[0] == *std::max_element(labels.begin(), labels.end());
}

}  // namespace

int reward_target(const std::vector<int>& labels) {
  int best = -1;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] > 0 && (best < 0 || labels[i] > labels[static_cast<size_t>(best)])) best = static_cast<int>(i);
  }
  return best;
}

double rank_promotion(int incoming_rank, int new_rank, int k) {
  check_internal(k >= 1 && incoming_rank >= 0 && incoming_rank < k && new_rank >= 0 && new_rank < k,
                 "rank_promotion: ranks must be in [0, k), got " + std::to_string(incoming_rank) + " -> " +
                     std::to_string(new_rank) + " with k = " + std::to_string(k));
  return static_cast<double>(incoming_rank - new_rank) / static_cast<double>(k);
}

int rank_of(const std::vector<int>& order, int index) {
  const auto it = std::find(order.begin(), order.end(), index);
  return it == order.end() ? -1 : static_cast<int>(it - order.begin());
}

std::optional<double> slate_auc(const std::vector<int>& order, const std::vector<int>& labels) {
  return auc(labels, order);
}

std::optional<double> ndcg_at_k(const std::vector<int>& order, const std::vector<int>& labels, int k) {
  if (!has_positive(labels)) return std::nullopt;
  return ndcg_at(labels, order, k <= 0 ? static_cast<int>(labels.size()) : k);
}

std::string reward_kind_name(RewardKind kind) {
  switch (kind) {
    case RewardKind::Rank: return "rank";
    case RewardKind::Auc: return "auc";
    case RewardKind::Ndcg: return "ndcg";
  }
  return "?";
}

RewardKind parse_reward_kind(const std::string& name) {
  const std::string lower = lowercase(name);
  for (RewardKind kind : {RewardKind::Rank, RewardKind::Auc, RewardKind::Ndcg}) {
    if (lower == reward_kind_name(kind)) return kind;
  }
  throw Error("unknown reward kind '" + name + "': expected rank, auc or ndcg");
}

void RewardConfig::validate() const {
  require(std::isfinite(format_weight) && format_weight >= 0,
          "reward: format_weight must be finite and >= 0, got " + std::to_string(format_weight));
  require(std::isfinite(invalid_reward), "reward: invalid_reward must be finite");
  require(ndcg_k >= 0, "reward: ndcg_k must be >= 0 (0 = the whole slate), got " + std::to_string(ndcg_k));
}

RewardBreakdown compute_reward(const RewardConfig& config, bool valid, const std::vector<int>& order,
                               const std::vector<int>& labels) {
  RewardBreakdown b;
  b.valid = valid;
  if (!valid) {
    b.total = config.invalid_reward;
    return b;
  }
  const int k = static_cast<int>(labels.size());
  check_internal(is_permutation_of(order, k),
                 "compute_reward: the order is not a permutation of the " + std::to_string(k) + " candidates");
  const std::vector<int> incoming = identity_order(labels.size());
  b.identity_copy = order == incoming;

  const std::optional<double> metric = kind_metric(config, order, labels);
  const std::optional<double> incoming_metric = kind_metric(config, incoming, labels);
  b.ranking_defined = metric.has_value();
  if (!b.ranking_defined) {
    // No order is better than another: nothing to credit and nothing to protect.
    b.incoming_optimal = true;
    b.format = config.format_weight;
    b.total = b.format;
    return b;
  }
  b.metric = *metric;
  b.incoming_metric = *incoming_metric;
  // The best value each kind can reach: rank promotion is 0 when the target starts first (it can
  // only be kept there), AUC and NDCG reach 1.
  const bool target_first = config.kind == RewardKind::Rank && reward_target(labels) == 0;
  b.incoming_optimal = config.kind == RewardKind::Rank ? target_first : b.incoming_metric >= 1.0 - kTolerance;
  b.improved = b.metric > b.incoming_metric + kTolerance;
  b.top1_kept = first_is_best(config.kind, labels) && order[0] == 0;

  if (!config.conditional) {
    b.ranking = b.metric;
    b.format = config.format_weight;
  } else {
    b.ranking_withheld = b.identity_copy && !b.incoming_optimal;
    b.ranking = b.ranking_withheld ? 0.0 : b.metric;
    b.format = (b.improved || b.top1_kept) ? config.format_weight : 0.0;
  }
  b.total = b.ranking + b.format;
  return b;
}

RewardBreakdown compute_reward(const RewardConfig& config, const PolicyAnswer& answer,
                               const std::vector<int>& labels) {
  return compute_reward(config, answer.valid, answer.order, labels);
}

std::vector<double> group_advantages(const std::vector<double>& rewards, double eps) {
  if (!has_signal(rewards)) return std::vector<double>(rewards.size(), 0.0);
  double ss = 0;
  std::vector<double> out = centred(rewards, ss);
  const double sd = std::sqrt(ss / static_cast<double>(rewards.size() - 1));  // sample std, as torch.std()
  for (double& a : out) a /= sd + eps;
  return out;
}

std::string advantage_norm_name(AdvantageNorm norm) {
  switch (norm) {
    case AdvantageNorm::Group: return "group";
    case AdvantageNorm::Batch: return "batch";
    case AdvantageNorm::None: return "none";
  }
  return "group";
}

AdvantageNorm parse_advantage_norm(const std::string& name) {
  const std::string lower = lowercase(name);
  for (AdvantageNorm n : {AdvantageNorm::Group, AdvantageNorm::Batch, AdvantageNorm::None})
    if (lower == advantage_norm_name(n)) return n;
  throw Error("unknown advantage_norm '" + name + "': expected group, batch or none");
}

std::vector<std::vector<double>> batch_advantages(const std::vector<std::vector<double>>& groups, AdvantageNorm norm,
                                                  double eps) {
  std::vector<std::vector<double>> out;
  out.reserve(groups.size());
  if (norm == AdvantageNorm::Group) {
    for (const auto& g : groups) out.push_back(group_advantages(g, eps));
    return out;
  }
  double ss = 0, dof = 0;  // pooled within-group sum of squares and degrees of freedom
  for (const auto& g : groups) {
    if (!has_signal(g)) {
      out.emplace_back(g.size(), 0.0);
      continue;
    }
    double group_ss = 0;
    out.push_back(centred(g, group_ss));
    ss += group_ss;
    dof += static_cast<double>(g.size() - 1);
  }
  if (norm == AdvantageNorm::Batch && dof > 0) {
    const double scale = 1.0 / (std::sqrt(ss / dof) + eps);
    for (auto& a : out)
      for (double& v : a) v *= scale;
  }
  return out;
}

bool group_is_degenerate(const std::vector<double>& rewards) {
  if (rewards.empty()) return true;
  const auto [lo, hi] = std::minmax_element(rewards.begin(), rewards.end());
  return *hi - *lo <= 1e-9;
}

}  // namespace gr2::train::rl
