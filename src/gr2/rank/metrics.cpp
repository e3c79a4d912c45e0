// Per-slate ranking metrics: R@K, N@K, AUC (docs/evaluation.md).
#include "gr2/rank/metrics.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>

#include "gr2/core/error.h"

namespace gr2 {
namespace {

void check_order(const std::vector<int>& labels, const std::vector<int>& order) {
  const size_t n = labels.size();
  bool ok = order.size() == n;
  std::vector<char> seen(n, 0);
  for (size_t r = 0; ok && r < order.size(); ++r) {
    const int i = order[r];
    if (i < 0 || static_cast<size_t>(i) >= n || seen[static_cast<size_t>(i)]) ok = false;
    else seen[static_cast<size_t>(i)] = 1;
  }
  check_internal(ok, "metric: the ranking is not a permutation of the slate's " +
                         std::to_string(n) + " candidates");
}

void check_k(int k) { check_internal(k >= 1, "metric: cut-off K must be >= 1, got " + std::to_string(k)); }

double gain(int label) { return std::ldexp(1.0, label) - 1.0; }
double discount(size_t rank_from_zero) { return 1.0 / std::log2(2.0 + static_cast<double>(rank_from_zero)); }

}  // namespace

bool has_positive(const std::vector<int>& labels) {
  return std::any_of(labels.begin(), labels.end(), [](int l) { return l > 0; });
}

double recall_at(const std::vector<int>& labels, const std::vector<int>& order, int k) {
  check_order(labels, order);
  check_k(k);
  const size_t positives = static_cast<size_t>(
      std::count_if(labels.begin(), labels.end(), [](int l) { return l > 0; }));
  check_internal(positives > 0, "recall_at: the slate has no positive (callers skip such slates)");
  const size_t top = std::min(static_cast<size_t>(k), order.size());
  size_t hits = 0;
  for (size_t r = 0; r < top; ++r) hits += labels[static_cast<size_t>(order[r])] > 0 ? 1 : 0;
  return static_cast<double>(hits) / static_cast<double>(std::min(static_cast<size_t>(k), positives));
}

double ndcg_at(const std::vector<int>& labels, const std::vector<int>& order, int k) {
  check_order(labels, order);
  check_k(k);
  check_internal(has_positive(labels), "ndcg_at: the slate has no positive (callers skip such slates)");
  const size_t top = std::min(static_cast<size_t>(k), order.size());
  std::vector<int> ideal = labels;
  std::sort(ideal.begin(), ideal.end(), std::greater<int>());
  double dcg = 0, idcg = 0;
  for (size_t r = 0; r < top; ++r) {
    dcg += gain(labels[static_cast<size_t>(order[r])]) * discount(r);
    idcg += gain(ideal[r]) * discount(r);
  }
  return dcg / idcg;
}

std::optional<double> auc(const std::vector<int>& labels, const std::vector<int>& order) {
  check_order(labels, order);
  // Walk the ranking; each negative is ordered correctly against every positive seen before it.
  int64_t positives_above = 0, correct = 0, positives = 0, negatives = 0;
  for (int i : order) {
    if (labels[static_cast<size_t>(i)] > 0) {
      ++positives_above;
      ++positives;
    } else {
      correct += positives_above;
      ++negatives;
    }
  }
  if (positives == 0 || negatives == 0) return std::nullopt;
  return static_cast<double>(correct) / static_cast<double>(positives * negatives);
}

bool is_ideal_order(const std::vector<int>& labels, const std::vector<int>& order) {
  check_order(labels, order);
  for (size_t r = 1; r < order.size(); ++r) {
    if (labels[static_cast<size_t>(order[r])] > labels[static_cast<size_t>(order[r - 1])]) return false;
  }
  return true;
}

const std::vector<MetricSpec>& standard_metrics() {
  static const std::vector<MetricSpec> metrics = {
      {"R@1", MetricKind::Recall, 1}, {"R@3", MetricKind::Recall, 3}, {"R@5", MetricKind::Recall, 5},
      {"N@3", MetricKind::Ndcg, 3},   {"N@5", MetricKind::Ndcg, 5},   {"AUC", MetricKind::Auc, 0}};
  return metrics;
}

MetricSpec parse_metric(const std::string& name) {
  std::string upper = name;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "AUC") return {"AUC", MetricKind::Auc, 0};
  const auto bad = [&] {
    return Error("unknown metric '" + name + "' (expected R@K, N@K with K >= 1, or AUC)");
  };
  if (upper.size() < 3 || (upper[0] != 'R' && upper[0] != 'N') || upper[1] != '@') throw bad();
  int k = 0;
  for (size_t i = 2; i < upper.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(upper[i])) || k > 100000) throw bad();
    k = k * 10 + (upper[i] - '0');
  }
  if (k < 1) throw bad();
  const MetricKind kind = upper[0] == 'R' ? MetricKind::Recall : MetricKind::Ndcg;
  return {std::string(1, upper[0]) + "@" + std::to_string(k), kind, k};
}

std::optional<double> compute_metric(const MetricSpec& metric, const std::vector<int>& labels,
                                     const std::vector<int>& order) {
  switch (metric.kind) {
    case MetricKind::Recall: return recall_at(labels, order, metric.k);
    case MetricKind::Ndcg: return ndcg_at(labels, order, metric.k);
    case MetricKind::Auc: return auc(labels, order);
  }
  throw Error::internal("compute_metric: unknown metric kind");
}

}  // namespace gr2
