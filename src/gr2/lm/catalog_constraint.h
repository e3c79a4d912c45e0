// "Only a valid SID of the catalog": the answer is <|sid_begin|> s_a s_b ... <|sid_end|> of an
// existing item, then one stop token. For next-item generation by sampling (beam search walks the
// same trie directly, beam_search.h). Plain C++ (no LibTorch).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "gr2/lm/logit_constraint.h"
#include "gr2/lm/sid_trie.h"

namespace gr2::lm {

class CatalogSidConstraint : public LogitConstraint {
 public:
  // `trie` is shared by every row. After sid_end comes one of `stop_tokens` (e.g. im_end or eos);
  // with none the constraint is done right after sid_end.
  CatalogSidConstraint(std::shared_ptr<const SidTrie> trie, int64_t sid_begin, int64_t sid_end,
                       std::vector<int64_t> stop_tokens);

  AllowedTokens allowed() const override;
  void advance(int64_t token) override;
  bool done() const override { return step_ == total_steps(); }
  int64_t max_length() const override { return total_steps(); }

  // Item index (SidTable row) of the generated SID once its last SID token is in, else -1.
  int64_t item() const;

 private:
  int64_t total_steps() const { return trie_->levels() + 2 + (stop_.empty() ? 0 : 1); }

  std::shared_ptr<const SidTrie> trie_;
  int64_t sid_begin_, sid_end_;
  std::vector<int64_t> stop_;
  int64_t step_ = 0;  // tokens consumed: 0 = sid_begin next, 1..L = SID levels, L+1 = sid_end, L+2 = stop
  int32_t node_ = SidTrie::kRoot;
  std::vector<int64_t> forced_;  // the one token of a forced step
};

}  // namespace gr2::lm
