// Offline evaluation: metrics, paired bootstrap intervals and diagnostics for a list of policies.
#include "gr2/rank/evaluation.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "gr2/core/error.h"
#include "gr2/core/progress.h"
#include "gr2/core/timing.h"
#include "gr2/rank/reference_policies.h"

namespace gr2 {
namespace {

// Per-slate values of every metric for one ranking of every evaluated slate.
// values[m] holds the metric on the slates where it is defined, in slate order.
using MetricValues = std::vector<std::vector<double>>;

void add_metrics(const std::vector<MetricSpec>& metrics, const std::vector<int>& labels,
                 const std::vector<int>& order, MetricValues& values) {
  for (size_t m = 0; m < metrics.size(); ++m) {
    if (auto v = compute_metric(metrics[m], labels, order)) values[m].push_back(*v);
  }
}

// One metric of one policy: the mean with its interval, and the paired difference to `reference`
// (the same metric of another policy on the same slates, in the same order).
MetricResult metric_result(const std::string& name, const std::vector<double>& values,
                           const std::vector<double>& reference, const BootstrapOptions& bootstrap) {
  MetricResult mr;
  mr.metric = name;
  mr.n = static_cast<int64_t>(values.size());
  if (mr.n > 0) {
    mr.mean_ci = bootstrap_mean(values, bootstrap);
    mr.mean = mr.mean_ci.estimate;
    mr.diff = paired_bootstrap_diff(values, reference, bootstrap);
  }
  return mr;
}

}  // namespace

namespace {

// The policies to run, "incoming" first (made here, in `own_incoming`, when not given). Throws
// Error for a policy listed twice or a comparison naming a policy that is not run.
std::vector<Policy*> incoming_first(const std::vector<Policy*>& policies,
                                    const std::vector<std::pair<std::string, std::string>>& comparisons,
                                    std::unique_ptr<Policy>& own_incoming) {
  std::vector<Policy*> run;
  std::set<std::string> names;
  for (Policy* p : policies) {
    check_internal(p != nullptr, "evaluate: null policy");
    require(names.insert(p->name()).second, "evaluation: policy '" + p->name() + "' is listed twice");
  }
  auto incoming = std::find_if(policies.begin(), policies.end(), [](Policy* p) { return p->name() == "incoming"; });
  if (incoming == policies.end()) {
    own_incoming = std::make_unique<IncomingPolicy>();
    run.push_back(own_incoming.get());
  } else {
    run.push_back(*incoming);
  }
  for (Policy* p : policies) {
    if (p->name() != "incoming") run.push_back(p);
  }
  std::set<std::string> run_names;
  for (Policy* p : run) run_names.insert(p->name());
  for (const auto& [policy, reference] : comparisons) {
    for (const std::string& name : {policy, reference})
      require(run_names.count(name) > 0, "evaluation: the comparison " + policy + " vs " + reference + " names '" + name +
                                             "', which is not among the evaluated policies");
  }
  return run;
}

// One policy on every request, in batches: metrics (per-slate values into `values`, and with
// intervals against the incoming order's `base`), diagnostics, latency, and the order-robustness
// check on the first robust_n requests.
PolicyResult evaluate_policy(Policy& policy, const std::vector<RankRequest>& requests,
                             const std::vector<const Slate*>& kept, const MetricValues& base, size_t robust_n,
                             const EvalOptions& options, MetricValues& values) {
  const size_t n = requests.size();
  const size_t batch = static_cast<size_t>(options.batch_size);
  PolicyResult pr;
  pr.policy = policy.name();
  DiagnosticsAccumulator diag(pr.policy, policy.can_fail());
  std::vector<PolicyAnswer> robust_answers;
  robust_answers.reserve(robust_n);
  std::unique_ptr<Progress> progress;
  if (options.show_progress) {
    progress = std::make_unique<Progress>("eval " + pr.policy, static_cast<int64_t>(n), "slates");
  }
  Stopwatch total;
  for (size_t start = 0; start < n; start += batch) {
    const size_t end = std::min(n, start + batch);
    std::vector<RankRequest> chunk(requests.begin() + static_cast<std::ptrdiff_t>(start),
                                   requests.begin() + static_cast<std::ptrdiff_t>(end));
    Stopwatch clock;
    std::vector<PolicyAnswer> answers = policy.rank_batch(chunk);
    const double per_answer_ms = clock.milliseconds() / static_cast<double>(chunk.size());
    check_internal(answers.size() == chunk.size(),
                   "policy '" + pr.policy + "' returned " + std::to_string(answers.size()) +
                       " answers for " + std::to_string(chunk.size()) + " requests");
    for (size_t i = start; i < end; ++i) {
      PolicyAnswer& answer = answers[i - start];
      answer.latency_ms = per_answer_ms;
      const Slate& slate = *kept[i];
      diag.add(answer, slate.size());
      add_metrics(options.metrics, slate.labels, effective_order(answer, slate.size()), values);
      if (i < robust_n) robust_answers.push_back(std::move(answer));
    }
    if (progress && end < n) progress->update(static_cast<int64_t>(end));
  }
  pr.seconds = total.seconds();
  if (progress) progress->finish();
  pr.diagnostics = diag.finish();
  if (robust_n > 0) {
    std::vector<RankRequest> robust_requests(requests.begin(), requests.begin() + static_cast<std::ptrdiff_t>(robust_n));
    pr.diagnostics.robustness =
        measure_order_robustness(policy, robust_requests, robust_answers, options.seed, options.batch_size);
    pr.diagnostics.has_robustness = true;
  }
  for (size_t m = 0; m < options.metrics.size(); ++m) {
    check_internal(values[m].size() == base[m].size(),
                   "evaluation: metric " + options.metrics[m].name + " is defined on different slates for '" +
                       pr.policy + "' and the incoming order");
    pr.metrics.push_back(metric_result(options.metrics[m].name, values[m], base[m], options.bootstrap));
  }
  return pr;
}

}  // namespace

EvalResult evaluate(const std::vector<Policy*>& policies, const std::vector<Slate>& slates,
                    const EvalOptions& options) {
  require(options.batch_size >= 1, "evaluation: batch size must be >= 1");
  require(!options.metrics.empty(), "evaluation: no metrics to compute");
  EvalResult result;
  result.metrics = options.metrics;
  result.bootstrap = options.bootstrap;
  result.batch_size = options.batch_size;
  result.slates_total = static_cast<int64_t>(slates.size());

  std::vector<const Slate*> kept;
  for (const Slate& s : slates) {
    if (has_positive(s.labels)) kept.push_back(&s);
  }
  result.slates_evaluated = static_cast<int64_t>(kept.size());
  result.skipped_no_positive = result.slates_total - result.slates_evaluated;
  require(!kept.empty(), "evaluation: none of the " + std::to_string(slates.size()) +
                             " slates has a positive label, so no metric is defined "
                             "(check the labels of the split)");

  // The reference: the incoming order of each slate.
  std::vector<RankRequest> requests;
  requests.reserve(kept.size());
  MetricValues base(options.metrics.size());
  for (const Slate* s : kept) {
    requests.push_back(make_request(*s));
    std::vector<int> identity(static_cast<size_t>(s->size()));
    for (int i = 0; i < s->size(); ++i) identity[static_cast<size_t>(i)] = i;
    add_metrics(options.metrics, s->labels, identity, base);
    result.incoming_ideal += is_ideal_order(s->labels, identity) ? 1 : 0;
    bool negative = std::any_of(s->labels.begin(), s->labels.end(), [](int l) { return l == 0; });
    result.auc_slates += negative ? 1 : 0;
  }
  result.incoming_ideal_share =
      static_cast<double>(result.incoming_ideal) / static_cast<double>(result.slates_evaluated);

  std::unique_ptr<Policy> own_incoming;
  const std::vector<Policy*> run = incoming_first(policies, options.comparisons, own_incoming);
  std::map<std::string, MetricValues> values_of;  // per-slate metrics of each policy, for comparisons

  const size_t n = requests.size();
  const size_t robust_n = options.robustness_slates < 0
                              ? n
                              : std::min(n, static_cast<size_t>(options.robustness_slates));
  result.robustness_slates = static_cast<int64_t>(robust_n);

  for (Policy* policy : run) {
    MetricValues values(options.metrics.size());
    result.policies.push_back(evaluate_policy(*policy, requests, kept, base, robust_n, options, values));
    values_of[policy->name()] = std::move(values);
  }
  for (const auto& [policy, reference] : options.comparisons) {
    Comparison c{policy, reference, {}};
    const MetricValues& a = values_of.at(policy);
    const MetricValues& b = values_of.at(reference);
    for (size_t m = 0; m < options.metrics.size(); ++m)
      c.metrics.push_back(metric_result(options.metrics[m].name, a[m], b[m], options.bootstrap));
    result.comparisons.push_back(std::move(c));
  }
  return result;
}

}  // namespace gr2
