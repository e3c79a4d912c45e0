// Evaluation of named policies on one split of a data directory: loads what the policies need
// (catalog, training events, truth), builds them by name and runs gr2::evaluate. Shared by
// `gr2 eval`, `gr2 demo` and the pipeline so that they all evaluate the same way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gr2/data/split.h"
#include "gr2/rank/evaluation.h"

namespace gr2 {

struct DataEvaluationOptions {
  std::string data_dir;                // a data directory (gr2::DataDir layout)
  SplitPart split = SplitPart::Test;
  std::vector<std::string> policies;   // names for make_policy(); empty = default_policy_names()
  int64_t limit = 0;                   // evaluate only the first N slates of the split (0 = all)
  // Evaluate a fixed random sample of N slates with a positive label (0 = all), drawn with
  // `sample_seed` and kept in file order, so every policy and every run sees the same slates.
  int64_t sample = 0;
  uint64_t sample_seed = 20261126;
  uint64_t seed = 0;                   // seeds the random policy (the evaluation has its own seeds)
  std::string device = "cpu";          // where LM policies run ("auto", "cpu", "cuda[:N]")
  EvalOptions eval;
};

// Every known policy, without "oracle" when the data directory has no truth.jsonl.
std::vector<std::string> default_policy_names(const std::string& data_dir);

// Parses "train", "valid" or "test"; throws Error naming `option` otherwise.
SplitPart parse_split_name(const std::string& name, const std::string& option = "--split");

// Loads the data, builds the policies and evaluates them. The result's `data` and `split` are
// filled. Throws Error for a missing or malformed file, an unknown policy, or a policy whose input
// is missing (e.g. oracle without truth).
EvalResult evaluate_data_dir(const DataEvaluationOptions& options);

}  // namespace gr2
