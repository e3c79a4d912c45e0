// Evaluation of named policies on a data directory's split.
#include "gr2/eval/data_evaluation.h"

#include "gr2/core/rng.h"

#include <memory>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/data/catalog.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/events.h"
#include "gr2/data/slates.h"
#include "gr2/data/truth.h"
#include "gr2/eval/policy_factory.h"

namespace gr2 {
std::vector<std::string> default_policy_names(const std::string& data_dir) {
  const bool have_truth = file_exists(DataDir{data_dir}.truth());
  std::vector<std::string> names;
  for (const auto& n : known_policy_names()) {
    if (n == "oracle" && !have_truth) continue;
    names.push_back(n);
  }
  return names;
}

SplitPart parse_split_name(const std::string& name, const std::string& option) {
  if (name == "train") return SplitPart::Train;
  if (name == "valid") return SplitPart::Valid;
  if (name == "test") return SplitPart::Test;
  throw Error(option + ": unknown split '" + name + "' (expected train, valid or test)");
}

EvalResult evaluate_data_dir(const DataEvaluationOptions& options) {
  require(options.limit >= 0, "--limit: must be >= 0 (0 = every slate)");
  const DataDir dir{options.data_dir};
  require(file_exists(dir.catalog()), options.data_dir +
                                          ": no catalog.jsonl there (expected a data directory "
                                          "written by 'gr2 data')");
  const std::string slates_path = dir.slates(options.split);
  require(file_exists(slates_path), options.data_dir + ": no " + slates_path +
                                        " (is the split right? expected slates_<split>.jsonl)");
  const std::vector<std::string> names =
      options.policies.empty() ? default_policy_names(options.data_dir) : options.policies;

  const Catalog catalog = Catalog::read_jsonl(dir.catalog());
  std::vector<Slate> slates = read_slates(slates_path, &catalog);
  if (options.limit > 0 && static_cast<int64_t>(slates.size()) > options.limit) {
    slates.resize(static_cast<size_t>(options.limit));
  }
  if (options.sample > 0) {
    std::vector<size_t> positive;
    for (size_t i = 0; i < slates.size(); ++i)
      if (slates[i].has_positive()) positive.push_back(i);
    if (static_cast<int64_t>(positive.size()) > options.sample) {
      Rng rng(options.sample_seed);
      for (size_t i = positive.size() - 1; i > 0; --i) std::swap(positive[i], positive[static_cast<size_t>(rng.below(i + 1))]);
      positive.resize(static_cast<size_t>(options.sample));
      std::sort(positive.begin(), positive.end());
      std::vector<Slate> kept;
      for (size_t i : positive) kept.push_back(std::move(slates[i]));
      slates = std::move(kept);
    }
  }
  std::vector<Event> train_events;
  bool wants_events = false;
  for (const auto& n : names) wants_events = wants_events || policy_needs_train_events(n);
  const bool have_events = wants_events && file_exists(dir.train_events());
  if (have_events) train_events = read_events(dir.train_events(), &catalog);
  const bool have_truth = file_exists(dir.truth());
  TruthTable truth;
  if (have_truth) truth = read_truth(dir.truth());

  PolicyContext context;
  context.catalog = &catalog;
  context.train_events = have_events ? &train_events : nullptr;
  context.truth = have_truth ? &truth : nullptr;
  context.seed = options.seed;
  context.slates = &slates;
  context.device = options.device;
  std::vector<std::unique_ptr<Policy>> owned;
  std::vector<Policy*> policies;
  for (const auto& n : names) {
    owned.push_back(make_policy(n, context));
    policies.push_back(owned.back().get());
  }

  EvalResult result = evaluate(policies, slates, options.eval);
  result.data = options.data_dir;
  result.split = split_part_name(options.split);
  return result;
}

}  // namespace gr2
