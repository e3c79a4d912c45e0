// Policy construction by name.
#include "gr2/eval/policy_factory.h"
#include "gr2/reranker/lm_reranker.h"

#include <algorithm>

#include "gr2/core/error.h"
#include "gr2/rank/reference_policies.h"
#include "gr2/rank/history_heuristic.h"
#include "gr2/rank/legacy/legacy_policy.h"

namespace gr2 {
namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

const std::vector<std::string>& known_policy_names() {
  static const std::vector<std::string> names = {"incoming", "random", "popularity", "oracle", "heuristic"};
  return names;
}

bool policy_needs_train_events(const std::string& name) {
  return name == "popularity" || name == "heuristic";
}

std::unique_ptr<Policy> make_policy(const std::string& name, const PolicyContext& context) {
  if (name == "incoming") return std::make_unique<IncomingPolicy>();
  if (name == "random") return std::make_unique<RandomPolicy>(context.seed);
  if (name == "popularity") {
    require(context.train_events != nullptr,
            "policy 'popularity' needs the training events (events_train.jsonl in the data directory)");
    return std::make_unique<PopularityPolicy>(*context.train_events);
  }
  if (name == "oracle") {
    require(context.truth != nullptr,
            "policy 'oracle' needs the true relevance (truth.jsonl), which only synthetic data has; "
            "drop 'oracle' from the policy list");
    require(context.slates != nullptr, "policy 'oracle' needs the slates it will rank");
    return std::make_unique<OraclePolicy>(*context.truth, *context.slates);
  }
  if (name == "heuristic") {
    require(context.catalog != nullptr, "policy 'heuristic' needs the catalog (catalog.jsonl)");
    require(context.train_events != nullptr,
            "policy 'heuristic' needs the training events (events_train.jsonl in the data directory)");
    return std::make_unique<HistoryHeuristic>(*context.catalog, *context.train_events);
  }
  if (legacy::is_legacy_policy_name(name)) {  // trained baselines: din:MODEL_DIR, prm:MODEL_DIR
    require(context.catalog != nullptr, "policy '" + name + "' needs the catalog (catalog.jsonl)");
    return legacy::make_legacy_policy(name, *context.catalog);
  }
  if (is_lm_policy_name(name)) {  // a gr2 re-ranker checkpoint: lm:CHECKPOINT_DIR
    require(context.catalog != nullptr, "policy '" + name + "' needs the catalog (catalog.jsonl)");
    return make_lm_policy(name, *context.catalog, context.device);
  }
  throw Error("unknown policy '" + name + "' (known policies: " + join(known_policy_names()) +
              "; trained baselines: din:MODEL_DIR, prm:MODEL_DIR; language models: lm:CHECKPOINT_DIR)");
}

std::vector<std::string> parse_policy_list(const std::string& text) {
  std::vector<std::string> names;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    std::string piece = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const size_t b = piece.find_first_not_of(" \t");
    const size_t e = piece.find_last_not_of(" \t");
    piece = b == std::string::npos ? "" : piece.substr(b, e - b + 1);
    require(!piece.empty(), "policy list '" + text + "': empty policy name (expected e.g. incoming,random)");
    require(std::find(names.begin(), names.end(), piece) == names.end(),
            "policy list '" + text + "': policy '" + piece + "' is listed twice");
    names.push_back(piece);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return names;
}

}  // namespace gr2
