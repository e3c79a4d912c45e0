// mask_logits: index lists on the CPU, one transfer, two indexed writes on the device.
#include "gr2/lm/constraint_mask.h"

#include <limits>
#include <string>

#include <torch/torch.h>

#include "gr2/core/error.h"

namespace gr2::lm {

void mask_logits(torch::Tensor& logits, const std::vector<const LogitConstraint*>& constraints) {
  const int64_t B = logits.size(0), V = logits.size(1);
  check_internal(static_cast<int64_t>(constraints.size()) == B,
                 "mask_logits: " + std::to_string(constraints.size()) + " constraints for " + std::to_string(B) + " rows");
  // Layout of `index`: only_rows [m] | only_local [n] | only_tokens [n] | ban_rows [k] | ban_tokens [k].
  std::vector<int64_t> only_rows, only_local, only_tokens, ban_rows, ban_tokens;
  for (int64_t b = 0; b < B; ++b) {
    const LogitConstraint* c = constraints[static_cast<size_t>(b)];
    if (!c) continue;
    const AllowedTokens a = c->allowed();
    if (a.kind == AllowedTokens::Kind::Any) continue;
    for (size_t i = 0; i < a.size; ++i)
      check_internal(a.tokens[i] >= 0 && a.tokens[i] < V, "constraint token " + std::to_string(a.tokens[i]) +
                                                              " outside the vocabulary [0, " + std::to_string(V) + ")");
    if (a.kind == AllowedTokens::Kind::Only) {
      check_internal(a.size > 0, "constraint allows no token (row " + std::to_string(b) + ")");
      const int64_t local = static_cast<int64_t>(only_rows.size());
      only_rows.push_back(b);
      only_local.insert(only_local.end(), a.size, local);
      only_tokens.insert(only_tokens.end(), a.tokens, a.tokens + a.size);
    } else {
      ban_rows.insert(ban_rows.end(), a.size, b);
      ban_tokens.insert(ban_tokens.end(), a.tokens, a.tokens + a.size);
    }
  }
  if (only_rows.empty() && ban_rows.empty()) return;
  const int64_t m = static_cast<int64_t>(only_rows.size()), n = static_cast<int64_t>(only_tokens.size()),
                k = static_cast<int64_t>(ban_rows.size());
  std::vector<int64_t> packed;
  packed.reserve(static_cast<size_t>(m + 2 * n + 2 * k));
  for (const auto* part : {&only_rows, &only_local, &only_tokens, &ban_rows, &ban_tokens})
    packed.insert(packed.end(), part->begin(), part->end());
  auto index = torch::from_blob(packed.data(), {static_cast<int64_t>(packed.size())}, torch::kLong);
  index = logits.device().is_cpu() ? index : index.to(logits.device());
  const float neg_inf = -std::numeric_limits<float>::infinity();
  if (k > 0) logits.index_put_({index.narrow(0, m + 2 * n, k), index.narrow(0, m + 2 * n + k, k)}, neg_inf);
  if (m > 0) {
    auto rows = index.narrow(0, 0, m), local = index.narrow(0, m, n), tokens = index.narrow(0, m + n, n);
    const bool all_rows = m == B;  // rows are ascending, so m == B means rows == 0..B-1
    auto sub = all_rows ? logits : logits.index_select(0, rows);  // [m, V]
    auto kept = sub.index({local, tokens});                       // [n]
    auto masked = torch::full_like(sub, neg_inf);
    masked.index_put_({local, tokens}, kept);
    if (all_rows)
      logits.copy_(masked);
    else
      logits.index_copy_(0, rows, masked);
  }
}

}  // namespace gr2::lm
