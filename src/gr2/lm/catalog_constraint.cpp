// CatalogSidConstraint: sid_begin, a walk down the SID trie, sid_end, a stop token.
#include "gr2/lm/catalog_constraint.h"

#include <string>

#include "gr2/core/error.h"

namespace gr2::lm {

CatalogSidConstraint::CatalogSidConstraint(std::shared_ptr<const SidTrie> trie, int64_t sid_begin, int64_t sid_end,
                                           std::vector<int64_t> stop_tokens)
    : trie_(std::move(trie)), sid_begin_(sid_begin), sid_end_(sid_end), stop_(std::move(stop_tokens)) {
  check_internal(trie_ != nullptr, "CatalogSidConstraint: no trie");
  forced_ = {sid_begin_};
}

AllowedTokens CatalogSidConstraint::allowed() const {
  const int64_t L = trie_->levels();
  if (step_ >= 1 && step_ <= L)
    return {AllowedTokens::Kind::Only, trie_->child_tokens(node_), static_cast<size_t>(trie_->child_count(node_))};
  if (step_ == L + 2) return AllowedTokens::only(stop_);
  return AllowedTokens::only(forced_);
}

void CatalogSidConstraint::advance(int64_t token) {
  check_internal(!done(), "CatalogSidConstraint: advance after the answer was complete");
  check_internal(allowed().allows(token), "CatalogSidConstraint: token " + std::to_string(token) +
                                              " is not allowed at step " + std::to_string(step_));
  const int64_t L = trie_->levels();
  if (step_ >= 1 && step_ <= L) node_ = trie_->find_child(node_, token);
  ++step_;
  if (step_ == L + 1) forced_ = {sid_end_};
}

int64_t CatalogSidConstraint::item() const { return step_ > trie_->levels() ? trie_->item(node_) : -1; }

}  // namespace gr2::lm
