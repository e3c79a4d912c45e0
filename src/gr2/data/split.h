// Train/valid/test splits: by time (slates and events of the synthetic world and of logged data)
// and leave-one-out per user (the TIGER/P5 protocol for public sequence datasets).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gr2 {

enum class SplitPart { Train, Valid, Test };

// "train", "valid" or "test".
const char* split_part_name(SplitPart part);

// Time cut-offs: train = ts < valid_start; valid = [valid_start, test_start); test = ts >= test_start.
struct TimeSplit {
  int64_t valid_start = 0;
  int64_t test_start = 0;

  SplitPart part_of(int64_t ts) const {
    if (ts >= test_start) return SplitPart::Test;
    if (ts >= valid_start) return SplitPart::Valid;
    return SplitPart::Train;
  }

  // Cut-offs at the (1 - valid_fraction - test_fraction) and (1 - test_fraction) quantiles of
  // `timestamps`. Throws Error unless 0 < fractions and their sum < 1, or if `timestamps` is empty.
  static TimeSplit from_quantiles(std::vector<int64_t> timestamps, double valid_fraction,
                                  double test_fraction);
};

// Leave-one-out split of one user's time-ordered sequence: the last item is the test target, the
// second last the validation target, the rest is training history. Sequences shorter than 3 items
// have no valid/test target (has_targets() is false) and are used for training only.
struct LeaveOneOut {
  std::vector<int32_t> train;  // items before the validation target
  int32_t valid_target = -1;
  int32_t test_target = -1;

  bool has_targets() const { return valid_target >= 0 && test_target >= 0; }
  static LeaveOneOut of(const std::vector<int32_t>& sequence);
};

}  // namespace gr2
