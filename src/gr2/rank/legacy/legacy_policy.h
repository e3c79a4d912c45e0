// A trained legacy re-ranker (DIN or PRM) as a Policy for `gr2 eval`: candidates sorted by the
// network's logit, ties kept in incoming order. Named on the command line as "din:MODEL_DIR" or
// "prm:MODEL_DIR".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gr2/data/catalog.h"
#include "gr2/rank/policy.h"

namespace gr2::legacy {

// True for "din:..." and "prm:..." policy names.
bool is_legacy_policy_name(const std::string& name);

// Loads the model directory named after the colon (on the CPU) for `catalog`, which must be the
// catalog it was trained on. The policy's name() is the kind ("din" or "prm").
// Throws Error for a malformed name, a missing directory or another catalog.
std::unique_ptr<Policy> make_legacy_policy(const std::string& name, const Catalog& catalog);

}  // namespace gr2::legacy
