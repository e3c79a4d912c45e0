// "A permutation of these K candidates": the answer names every candidate exactly once, by its
// token sequence (e.g. <|sid_begin|> s_a s_b s_c s_d <|sid_end|>), optionally after a free
// reasoning block closed by </think>. Decoding walks a trie of the not-yet-used candidates, so a
// constrained answer is always a valid permutation. Plain C++ (no LibTorch).
#pragma once

#include <cstdint>
#include <vector>

#include "gr2/lm/logit_constraint.h"

namespace gr2::lm {

// The answer's layout around the candidates:
//   [free reasoning, at most max_think_tokens] think_end after_think...   (only when think)
//   cand separator... cand separator... ... cand end...
struct PermutationFormat {
  std::vector<int64_t> separator;        // forced between two candidates (e.g. the ids of "\n"); may be empty
  std::vector<int64_t> end;              // forced after the last candidate (e.g. {im_end}); may be empty
  bool think = false;                    // free tokens first, until think_end
  int64_t think_end = -1;                // </think> id (required when think)
  int64_t max_think_tokens = 256;        // free tokens allowed before think_end is forced
  std::vector<int64_t> after_think;      // forced right after think_end (e.g. the ids of "\n")
  std::vector<int64_t> banned_in_think;  // never allowed in the free part (e.g. im_end, eos, im_start)
};

class PermutationConstraint : public LogitConstraint {
 public:
  // candidates: K >= 1 token sequences, non-empty, distinct, none a prefix of another (SIDs
  // framed by sid_begin/sid_end always qualify). Throws Error naming the offending candidates.
  PermutationConstraint(std::vector<std::vector<int64_t>> candidates, PermutationFormat format);

  AllowedTokens allowed() const override;
  void advance(int64_t token) override;
  bool done() const override { return phase_ == Phase::Done; }
  int64_t max_length() const override;

  // Candidate indices in the order completed so far (a full permutation once done()).
  const std::vector<int64_t>& order() const { return order_; }
  // Free reasoning tokens generated (without think_end).
  int64_t think_tokens() const { return think_count_; }

 private:
  enum class Phase { Think, AfterThink, Candidate, Separator, End, Done };
  // Enters `phase` at its first token, skipping empty forced phases.
  void enter(Phase phase);
  void start_candidate();
  void refresh_candidate_tokens();

  std::vector<std::vector<int64_t>> candidates_;
  PermutationFormat format_;
  Phase phase_ = Phase::Think;
  int64_t think_count_ = 0;
  size_t forced_pos_ = 0;         // position inside the forced sequence of the current phase
  std::vector<char> used_;        // [K]
  std::vector<int64_t> live_;     // unused candidates matching the current partial answer
  size_t pos_ = 0;                // tokens of the current candidate generated so far
  std::vector<int64_t> allowed_;  // Only set of the current step
  std::vector<int64_t> order_;
};

}  // namespace gr2::lm
