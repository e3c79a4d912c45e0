// Greedy validation of an RL policy on a fixed sample of validation-split slates.
#include "gr2/train/rl/policy_validation.h"

#include <limits>

#include <algorithm>
#include <numeric>

#include "gr2/core/error.h"
#include "gr2/core/rng.h"
#include "gr2/data/catalog.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/rank_request.h"
#include "gr2/rank/policy.h"
#include "gr2/reranker/lm_reranker.h"

namespace gr2::train::rl {

std::vector<Slate> validation_sample(const DataDir& data, const Catalog& catalog, int64_t count, uint64_t seed) {
  if (count < 1) throw Error::internal("validation_sample: count must be >= 1");
  const std::string path = data.slates(SplitPart::Valid);
  std::vector<Slate> positives;
  for (auto& s : read_slates(path, &catalog))
    if (s.has_positive()) positives.push_back(std::move(s));
  if (positives.empty())
    throw Error(path + ": no validation slate with a positive label to select the RL policy on "
                "(set rl.validation_slates = 0 to keep the last step instead)");
  if (static_cast<int64_t>(positives.size()) <= count) return positives;
  // A partial Fisher-Yates shuffle of the indices picks `count` of them; sorting keeps file order.
  std::vector<size_t> index(positives.size());
  std::iota(index.begin(), index.end(), size_t{0});
  Rng rng(derive_seed(seed, "rl.validation"));
  for (size_t i = 0; i < static_cast<size_t>(count); ++i)
    std::swap(index[i], index[i + static_cast<size_t>(rng.below(index.size() - i))]);
  index.resize(static_cast<size_t>(count));
  std::sort(index.begin(), index.end());
  std::vector<Slate> out;
  out.reserve(index.size());
  for (size_t i : index) out.push_back(std::move(positives[i]));
  return out;
}

namespace {

// Restores the re-ranker's options when it leaves scope.
class OptionsRestorer {
 public:
  explicit OptionsRestorer(LmReranker& reranker) : reranker_(reranker), saved_(reranker.options()) {}
  ~OptionsRestorer() { reranker_.set_options(saved_); }
  OptionsRestorer(const OptionsRestorer&) = delete;
  OptionsRestorer& operator=(const OptionsRestorer&) = delete;

 private:
  LmReranker& reranker_;
  LmRerankerOptions saved_;
};

}  // namespace

ValidationScore validate_policy(LmReranker& reranker, const std::vector<Slate>& slates, const MetricSpec& metric) {
  OptionsRestorer restore(reranker);
  LmRerankerOptions greedy = reranker.options();
  greedy.sampling.temperature = 0.0;
  greedy.sampling.top_p = 1.0;
  greedy.sampling.top_k = 0;
  greedy.jump_forward = true;  // greedy: the same answers, fewer decode steps (lm/generator.h)
  reranker.set_options(greedy);

  std::vector<RankRequest> requests;
  requests.reserve(slates.size());
  for (const auto& s : slates) requests.push_back(make_request(s));
  const std::vector<LmRollout> answers = reranker.rollout(requests, 1, 0);

  std::vector<MetricSpec> metrics = standard_metrics();
  std::vector<double> sums(metrics.size(), 0.0);
  std::vector<int64_t> counts(metrics.size(), 0);
  double score_sum = 0;
  int64_t score_count = 0, invalid = 0;
  std::vector<double> per_slate;
  for (size_t i = 0; i < slates.size(); ++i) {
    const std::vector<int>& labels = slates[i].labels;
    const PolicyAnswer answer = to_policy_answer(answers[i].parsed);
    if (!answer.valid) ++invalid;
    const std::vector<int> order = effective_order(answer, static_cast<int>(labels.size()));
    for (size_t m = 0; m < metrics.size(); ++m)
      if (auto v = compute_metric(metrics[m], labels, order)) {
        sums[m] += *v;
        ++counts[m];
      }
    const auto v = compute_metric(metric, labels, order);
    per_slate.push_back(v ? *v : std::numeric_limits<double>::quiet_NaN());
    if (v) {
      score_sum += *v;
      ++score_count;
    }
  }
  ValidationScore out;
  out.per_slate = std::move(per_slate);
  out.slates = static_cast<int64_t>(slates.size());
  out.score = score_count > 0 ? score_sum / static_cast<double>(score_count) : 0.0;
  out.metrics = Json::object();
  for (size_t m = 0; m < metrics.size(); ++m)
    out.metrics[metrics[m].name] = counts[m] > 0 ? sums[m] / static_cast<double>(counts[m]) : 0.0;
  out.metrics["invalid_rate"] = slates.empty() ? 0.0 : static_cast<double>(invalid) / static_cast<double>(slates.size());
  return out;
}

}  // namespace gr2::train::rl
