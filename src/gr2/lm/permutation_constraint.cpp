// PermutationConstraint: phases think -> after_think -> (candidate separator)* candidate -> end.
#include "gr2/lm/permutation_constraint.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "gr2/core/error.h"

namespace gr2::lm {

PermutationConstraint::PermutationConstraint(std::vector<std::vector<int64_t>> candidates, PermutationFormat format)
    : candidates_(std::move(candidates)), format_(std::move(format)) {
  const size_t K = candidates_.size();
  require(K > 0, "permutation constraint: no candidates");
  require(!format_.think || format_.think_end >= 0, "permutation constraint: think needs the </think> id");
  require(format_.max_think_tokens >= 0, "permutation constraint: max_think_tokens must be >= 0");
  for (size_t k = 0; k < K; ++k)
    require(!candidates_[k].empty(), "permutation constraint: candidate " + std::to_string(k) + " has no tokens");
  // Sorted, a duplicate or a prefix shows up between neighbours.
  std::vector<size_t> sorted(K);
  std::iota(sorted.begin(), sorted.end(), 0);
  std::sort(sorted.begin(), sorted.end(), [&](size_t a, size_t b) { return candidates_[a] < candidates_[b]; });
  for (size_t i = 1; i < K; ++i) {
    const auto &a = candidates_[sorted[i - 1]], &b = candidates_[sorted[i]];
    require(!(a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin())),
            "permutation constraint: candidate " + std::to_string(sorted[i - 1]) +
                (a.size() == b.size() ? " equals candidate " : " is a prefix of candidate ") +
                std::to_string(sorted[i]) + " (each candidate must be identifiable)");
  }
  used_.assign(K, 0);
  enter(format_.think ? Phase::Think : Phase::Candidate);
}

int64_t PermutationConstraint::max_length() const {
  int64_t n = 0;
  if (format_.think)
    n += format_.max_think_tokens + 1 + static_cast<int64_t>(format_.after_think.size());
  for (const auto& c : candidates_) n += static_cast<int64_t>(c.size());
  n += static_cast<int64_t>(candidates_.size() - 1) * static_cast<int64_t>(format_.separator.size());
  return n + static_cast<int64_t>(format_.end.size());
}

void PermutationConstraint::enter(Phase phase) {
  forced_pos_ = 0;
  phase_ = phase;
  switch (phase) {
    case Phase::Think:
      if (think_count_ >= format_.max_think_tokens) allowed_ = {format_.think_end};
      return;
    case Phase::AfterThink:
      if (format_.after_think.empty()) return enter(Phase::Candidate);
      allowed_ = {format_.after_think[0]};
      return;
    case Phase::Candidate:
      start_candidate();
      return;
    case Phase::Separator:
      if (format_.separator.empty()) return enter(Phase::Candidate);
      allowed_ = {format_.separator[0]};
      return;
    case Phase::End:
      if (format_.end.empty()) return enter(Phase::Done);
      allowed_ = {format_.end[0]};
      return;
    case Phase::Done:
      allowed_.clear();
      return;
  }
}

void PermutationConstraint::start_candidate() {
  live_.clear();
  for (size_t k = 0; k < candidates_.size(); ++k)
    if (!used_[k]) live_.push_back(static_cast<int64_t>(k));
  pos_ = 0;
  refresh_candidate_tokens();
}

void PermutationConstraint::refresh_candidate_tokens() {
  allowed_.clear();
  for (int64_t k : live_) allowed_.push_back(candidates_[static_cast<size_t>(k)][pos_]);
  std::sort(allowed_.begin(), allowed_.end());
  allowed_.erase(std::unique(allowed_.begin(), allowed_.end()), allowed_.end());
}

AllowedTokens PermutationConstraint::allowed() const {
  if (phase_ == Phase::Think && think_count_ < format_.max_think_tokens)
    return format_.banned_in_think.empty() ? AllowedTokens::any() : AllowedTokens::any_except(format_.banned_in_think);
  return AllowedTokens::only(allowed_);
}

void PermutationConstraint::advance(int64_t token) {
  check_internal(!done(), "permutation constraint: advance after the answer was complete");
  check_internal(allowed().allows(token), "permutation constraint: token " + std::to_string(token) + " is not allowed");
  // Forced sequences: the next token of the phase's list, or the next phase.
  auto forced_step = [&](const std::vector<int64_t>& seq, Phase next) {
    if (++forced_pos_ < seq.size())
      allowed_ = {seq[forced_pos_]};
    else
      enter(next);
  };
  switch (phase_) {
    case Phase::Think:
      if (token == format_.think_end)
        enter(Phase::AfterThink);
      else if (++think_count_ >= format_.max_think_tokens)
        allowed_ = {format_.think_end};
      return;
    case Phase::AfterThink:
      return forced_step(format_.after_think, Phase::Candidate);
    case Phase::Separator:
      return forced_step(format_.separator, Phase::Candidate);
    case Phase::End:
      return forced_step(format_.end, Phase::Done);
    case Phase::Candidate: {
      live_.erase(std::remove_if(live_.begin(), live_.end(),
                                 [&](int64_t k) { return candidates_[static_cast<size_t>(k)][pos_] != token; }),
                  live_.end());
      ++pos_;
      // No candidate is a prefix of another, so a complete candidate is the only one left.
      if (live_.size() == 1 && candidates_[static_cast<size_t>(live_[0])].size() == pos_) {
        used_[static_cast<size_t>(live_[0])] = 1;
        order_.push_back(live_[0]);
        enter(order_.size() == candidates_.size() ? Phase::End : Phase::Separator);
      } else {
        refresh_candidate_tokens();
      }
      return;
    }
    case Phase::Done:
      return;
  }
}

}  // namespace gr2::lm
