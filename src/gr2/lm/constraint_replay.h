// Replaying a constraint over a finished answer: the allowed set at every generated token, frozen,
// so that a training step can rebuild the exact masks generation applied (RL's importance ratios
// must be taken under the distribution the rollout was sampled from, not the whole vocabulary).
// Plain C++ (no LibTorch).
#pragma once

#include <cstdint>
#include <vector>

#include "gr2/lm/logit_constraint.h"

namespace gr2::lm {

// A frozen allowed set: a LogitConstraint that always answers the same allowed() (it never advances),
// so a batch of recorded steps can go through mask_logits (constraint_mask.h) like live constraints.
class RecordedStep : public LogitConstraint {
 public:
  RecordedStep() = default;  // Any
  explicit RecordedStep(const AllowedTokens& allowed);

  AllowedTokens allowed() const override;
  void advance(int64_t token) override;  // Error::internal: a recorded step is not a state machine
  bool done() const override { return false; }

  // True when exactly one token was allowed: the model made no choice at this step (the rest of an
  // SID after its first code, a forced </think>, a chat end token, ...).
  bool forced() const { return kind_ == AllowedTokens::Kind::Only && tokens_.size() == 1; }
  AllowedTokens::Kind kind() const { return kind_; }
  const std::vector<int64_t>& tokens() const { return tokens_; }

 private:
  AllowedTokens::Kind kind_ = AllowedTokens::Kind::Any;
  std::vector<int64_t> tokens_;
};

// The allowed set before each of `tokens`, by advancing `constraint` (fresh, at the start of the
// answer) through them: result[t] is what was allowed when tokens[t] was chosen. Stops early when
// the constraint is done (trailing tokens, e.g. a stop token that ended the row after it, get Any).
// Throws Error::internal when a token was not allowed (the answer was not generated under it).
std::vector<RecordedStep> replay_constraint(LogitConstraint& constraint, const std::vector<int64_t>& tokens);

}  // namespace gr2::lm
