// Per-sequence constraints on generation: a state machine that says which tokens may come next and
// advances with each generated token. The generator masks each row's logits to its allowed set
// (constraint_mask.h), so a constrained answer is valid by construction. Plain C++ (no LibTorch).
#pragma once

#include <cstdint>
#include <vector>

namespace gr2::lm {

// The tokens a constraint allows next. `tokens` points into the constraint and stays valid until
// its next advance().
struct AllowedTokens {
  enum class Kind {
    Any,        // no restriction
    Only,       // exactly `tokens` (at least one)
    AnyExcept,  // everything but `tokens`
  };
  Kind kind = Kind::Any;
  const int64_t* tokens = nullptr;
  size_t size = 0;

  static AllowedTokens any() { return {}; }
  static AllowedTokens only(const std::vector<int64_t>& t) { return {Kind::Only, t.data(), t.size()}; }
  static AllowedTokens any_except(const std::vector<int64_t>& t) { return {Kind::AnyExcept, t.data(), t.size()}; }
  bool allows(int64_t token) const;
};

class LogitConstraint {
 public:
  virtual ~LogitConstraint() = default;
  // What may come next. Not called once done().
  virtual AllowedTokens allowed() const = 0;
  // Consumes a generated token. Throws Error::internal when allowed() did not allow it.
  virtual void advance(int64_t token) = 0;
  // True when the constrained answer is complete: the generator ends the row (finish reason
  // "constraint", or "stop" when the last token is also a stop token).
  virtual bool done() const = 0;
  // Upper bound on the tokens from the start to done(), or -1 when unbounded. The generator refuses
  // a row whose max_new_tokens is below it, so a constrained answer is never cut short.
  virtual int64_t max_length() const { return -1; }
};

}  // namespace gr2::lm
