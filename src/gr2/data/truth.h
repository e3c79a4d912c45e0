// True relevance of each candidate of each slate (truth.jsonl), known only for the synthetic world
// and used for counterfactual evaluation (the oracle policy). Kept apart from slates.jsonl so that
// no policy can read it by accident.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "gr2/core/jsonl.h"

namespace gr2 {

// request_id -> relevance per candidate, in the slate's incoming order.
using TruthTable = std::unordered_map<std::string, std::vector<double>>;

// Reads truth.jsonl records {"request_id": "...", "relevance": [..]}; errors name file:line.
TruthTable read_truth(const std::string& path);

class TruthWriter {
 public:
  explicit TruthWriter(const std::string& path) : writer_(path) {}
  void write(const std::string& request_id, const std::vector<double>& relevance);
  void commit() { writer_.commit(); }

 private:
  JsonlWriter writer_;
};

}  // namespace gr2
