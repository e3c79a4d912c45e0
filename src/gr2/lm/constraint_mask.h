// Applies per-row constraints to a batch of logits: -inf outside each row's allowed tokens.
#pragma once

#include <vector>

#include <torch/types.h>

#include "gr2/lm/logit_constraint.h"

namespace gr2::lm {

// logits: [B, V] float, changed in place. constraints: [B], nullptr = no restriction for that row.
// The index lists are gathered on the CPU into one small tensor, moved to the logits' device in one
// copy, and applied with index_put (rows with Only) and a scatter of -inf (rows with AnyExcept), so
// the cost is O(B * V) memory traffic plus O(allowed tokens), with no [B, V] host-to-device copy.
// Throws Error::internal for a token outside [0, V) or an empty Only set.
void mask_logits(torch::Tensor& logits, const std::vector<const LogitConstraint*>& constraints);

}  // namespace gr2::lm
