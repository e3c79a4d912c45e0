// replay_constraint: walk a fresh constraint through an answer, freezing each allowed set.
#include "gr2/lm/constraint_replay.h"

#include <string>

#include "gr2/core/error.h"

namespace gr2::lm {

RecordedStep::RecordedStep(const AllowedTokens& allowed)
    : kind_(allowed.kind), tokens_(allowed.tokens, allowed.tokens + allowed.size) {}

AllowedTokens RecordedStep::allowed() const { return {kind_, tokens_.data(), tokens_.size()}; }

void RecordedStep::advance(int64_t) { throw Error::internal("RecordedStep::advance: a recorded step does not advance"); }

std::vector<RecordedStep> replay_constraint(LogitConstraint& constraint, const std::vector<int64_t>& tokens) {
  std::vector<RecordedStep> steps;
  steps.reserve(tokens.size());
  for (size_t t = 0; t < tokens.size(); ++t) {
    if (constraint.done()) {
      steps.emplace_back();
      continue;
    }
    const AllowedTokens allowed = constraint.allowed();
    check_internal(allowed.allows(tokens[t]), "replay_constraint: token " + std::to_string(tokens[t]) + " at step " +
                                                  std::to_string(t) + " was not allowed by the constraint");
    steps.emplace_back(allowed);
    constraint.advance(tokens[t]);
  }
  return steps;
}

}  // namespace gr2::lm
