// Builds policies by name ("incoming", "random", "popularity", "oracle", "heuristic") from what a
// run has loaded, so that the CLI and the evaluation never hard-code the list of policies.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gr2/data/catalog.h"
#include "gr2/data/events.h"
#include "gr2/data/slates.h"
#include "gr2/data/truth.h"
#include "gr2/rank/policy.h"

namespace gr2 {

// What policies may be built from. Pointers may be null when the input is not available; a policy
// that needs a missing input is refused with an Error naming it. Everything pointed to must
// outlive the policies built from it.
struct PolicyContext {
  const Catalog* catalog = nullptr;                  // heuristic
  const std::vector<Event>* train_events = nullptr;  // popularity, heuristic
  const TruthTable* truth = nullptr;                 // oracle (synthetic data only)
  uint64_t seed = 0;                                 // random
  // The slates to be ranked; the oracle uses them to key the truth by item id.
  const std::vector<Slate>* slates = nullptr;
  // Where LM policies ("lm:DIR") run: "cpu", "cuda", "cuda:N" or "auto".
  std::string device = "cpu";
};

// The names make_policy() accepts, in the order tables list them.
const std::vector<std::string>& known_policy_names();

// Builds the policy `name`. Throws Error for an unknown name (listing the known ones) and when an
// input the policy needs is missing from `context` (e.g. "oracle" without truth).
std::unique_ptr<Policy> make_policy(const std::string& name, const PolicyContext& context);

// True when make_policy(name, ...) needs PolicyContext::train_events (so callers load them only
// when some policy will use them).
bool policy_needs_train_events(const std::string& name);

// Splits "a,b , c" into {"a","b","c"}; throws Error for an empty list, an empty name or a
// duplicate.
std::vector<std::string> parse_policy_list(const std::string& text);

}  // namespace gr2
