// Per-slate ranking metrics of the evaluation protocol (docs/evaluation.md): recall R@K, nDCG N@K and
// pairwise AUC, computed from a slate's graded labels and a ranking (a permutation).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace gr2 {

// Conventions shared by every function below:
// - `labels[i]` is the graded label of candidate i (incoming order); a candidate is *positive*
//   when its label is > 0 and *negative* when it is 0.
// - `order[r]` is the index of the candidate placed at rank r (rank 1 is order[0]); it must be a
//   permutation of [0, labels.size()) (else Error::internal).
// - `k` >= 1 may exceed the slate size: the whole ranking is then used.
// - R@K and N@K are defined only for slates with at least one positive; callers skip the others
//   (and count them). Calling them on a slate without a positive throws Error::internal.

// True when at least one label is > 0.
bool has_positive(const std::vector<int>& labels);

// R@K = |positives in the top K| / min(K, |positives|). In [0, 1]; equals the hit rate when the
// slate has one positive.
double recall_at(const std::vector<int>& labels, const std::vector<int>& order, int k);

// N@K = DCG@K / IDCG@K with gain 2^label - 1 and discount 1 / log2(1 + rank), rank from 1.
// IDCG@K is the DCG@K of the labels sorted in decreasing order. In [0, 1].
double ndcg_at(const std::vector<int>& labels, const std::vector<int>& order, int k);

// AUC = share of (positive, negative) pairs in which the positive is ranked above the negative.
// Grades among positives are ignored (binary relevance). Returns std::nullopt when the slate has
// no positive or no negative (no pair to order); such slates are left out of the AUC mean.
std::optional<double> auc(const std::vector<int>& labels, const std::vector<int>& order);

// True when `order` is ideal under the labels: labels never increase along the ranking, so every
// metric above is at its maximum. Used to report how often the incoming order is already optimal.
bool is_ideal_order(const std::vector<int>& labels, const std::vector<int>& order);

// The metrics the evaluation reports, by name: "R@1", "R@3", "R@5", "N@3", "N@5", "AUC".
enum class MetricKind { Recall, Ndcg, Auc };

struct MetricSpec {
  std::string name;  // "R@3"
  MetricKind kind;
  int k = 0;         // cut-off; unused for AUC
};

// The standard list, in report order: R@1, R@3, R@5, N@3, N@5, AUC.
const std::vector<MetricSpec>& standard_metrics();

// Parses "R@K", "N@K" or "AUC" (case-insensitive, K >= 1); throws Error naming the accepted forms.
MetricSpec parse_metric(const std::string& name);

// The value of `metric` for one slate with at least one positive; std::nullopt only for AUC on a
// slate without negatives.
std::optional<double> compute_metric(const MetricSpec& metric, const std::vector<int>& labels,
                                     const std::vector<int>& order);

}  // namespace gr2
