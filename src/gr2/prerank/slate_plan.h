// Which slate requests an imported data directory yields and which pre-ranker scores each, so that
// no training slate is scored by a model that was trained on its user's sequence (out-of-fold).
#pragma once

#include <cstdint>
#include <vector>

#include "gr2/data/split.h"
#include "gr2/data/sequences.h"

namespace gr2::prerank {

// One slate to build. The history is the user's items before `position` of their full sequence
// (train items, then the valid target, then the test target); the positive is the item at it.
struct SlateRequestPlan {
  size_t user = 0;        // index into the users vector
  SplitPart part = SplitPart::Train;
  size_t position = 0;    // index of the positive in UserSequence::all_items()
  int scorer = -1;        // -1: the full model; f >= 0: the out-of-fold model of fold f
};

// Users (indices) whose train sequences the model of fold `fold` learns from: those not in `fold`.
std::vector<size_t> fold_training_users(const std::vector<UserSequence>& users, int fold, uint64_t seed,
                                        int64_t folds);

// The requests of every split: train = the last `train_positions` positions of each train part
// (position >= 1), scored by the model of the user's own fold (which never saw the user) when
// folds >= 2, else by the full model; valid/test = the valid/test target, scored by the full model
// (trained on train parts only, so it never saw a valid or test target).
std::vector<SlateRequestPlan> plan_slate_requests(const std::vector<UserSequence>& users, int64_t train_positions,
                                                  uint64_t seed, int64_t folds);

}  // namespace gr2::prerank
