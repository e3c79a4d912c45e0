// AllowedTokens::allows.
#include "gr2/lm/logit_constraint.h"

#include <algorithm>

namespace gr2::lm {

bool AllowedTokens::allows(int64_t token) const {
  const bool listed = std::find(tokens, tokens + size, token) != tokens + size;
  switch (kind) {
    case Kind::Any: return true;
    case Kind::Only: return listed;
    case Kind::AnyExcept: return !listed;
  }
  return false;
}

}  // namespace gr2::lm
