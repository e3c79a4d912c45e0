// Offline evaluation of policies on logged slates (docs/evaluation.md): runs each policy (batched), times
// it, computes per-slate metrics, bootstrap intervals (of each mean, and of the paired difference
// to the incoming order) and behaviour diagnostics.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gr2/data/slates.h"
#include "gr2/rank/bootstrap.h"
#include "gr2/rank/diagnostics.h"
#include "gr2/rank/metrics.h"
#include "gr2/rank/policy.h"

namespace gr2 {

struct EvalOptions {
  std::vector<MetricSpec> metrics = standard_metrics();
  BootstrapOptions bootstrap;        // resamples (default 2000), confidence (0.95), seed
  int batch_size = 64;               // requests per rank_batch call (>= 1)
  // Slates used for the order-robustness pass (the first ones evaluated): 0 = skip the pass,
  // negative = all. The pass ranks each of them a second time, shuffled.
  int64_t robustness_slates = 1000;
  uint64_t seed = 0;                 // seeds the robustness shuffles
  bool show_progress = true;         // a gr2::Progress line per policy
  // Extra paired comparisons (policy, reference) by policy name, e.g. ("rl_conditional",
  // "sft_targeted"): the paired bootstrap interval of mean(policy - reference) on the same slates,
  // for an RL policy against the SFT policy it started from.
  std::vector<std::pair<std::string, std::string>> comparisons;
};

// One metric of one policy.
struct MetricResult {
  std::string metric;   // "R@3"
  int64_t n = 0;        // slates on which it is defined (AUC needs a positive and a negative)
  double mean = 0;
  Interval mean_ci;     // percentile bootstrap interval of the mean
  Interval diff;        // paired bootstrap of mean(policy - incoming) on the same slates
  bool defined() const { return n > 0; }
};

struct PolicyResult {
  std::string policy;
  std::vector<MetricResult> metrics;  // aligned with EvalResult::metrics
  PolicyDiagnostics diagnostics;
  double seconds = 0;                 // wall time of the main ranking pass
};

// One extra paired comparison: `diff` of each metric is mean(policy - reference).
struct Comparison {
  std::string policy;
  std::string reference;
  std::vector<MetricResult> metrics;  // aligned with EvalResult::metrics; mean = the policy's mean
};

struct EvalResult {
  std::string data;   // free text naming the data (set by the caller, shown in reports)
  std::string split;  // "test", ... (set by the caller)
  std::vector<MetricSpec> metrics;
  int64_t slates_total = 0;         // slates given
  int64_t slates_evaluated = 0;     // with at least one positive label
  int64_t skipped_no_positive = 0;  // slates_total - slates_evaluated
  int64_t auc_slates = 0;           // evaluated slates with at least one negative as well
  int64_t incoming_ideal = 0;       // evaluated slates whose incoming order is already ideal
  double incoming_ideal_share = 0;  // incoming_ideal / slates_evaluated
  int64_t robustness_slates = 0;    // slates in the order-robustness pass (0 when skipped)
  BootstrapOptions bootstrap;
  int batch_size = 0;
  std::vector<PolicyResult> policies;  // "incoming" first, then the others in the given order
  std::vector<Comparison> comparisons; // EvalOptions::comparisons, in order
};

// Evaluates `policies` on the slates that have at least one positive label (others are counted in
// skipped_no_positive and never ranked). The incoming order is the reference of every paired
// interval; if no policy is named "incoming", an IncomingPolicy row is added first. An invalid
// answer counts in metrics as the incoming order (effective_order) and in the diagnostics as
// invalid. latency_ms of each answer is set to its batch's wall time divided by the batch size.
// Throws Error when no slate has a positive, when policy names repeat, when a comparison names a
// policy that is not evaluated (before any policy runs), or when a policy throws.
EvalResult evaluate(const std::vector<Policy*>& policies, const std::vector<Slate>& slates,
                    const EvalOptions& options);

}  // namespace gr2
