// Time-based and leave-one-out splits.
#include "gr2/data/split.h"

#include <algorithm>
#include <sstream>

#include "gr2/core/error.h"

namespace gr2 {

const char* split_part_name(SplitPart part) {
  switch (part) {
    case SplitPart::Train: return "train";
    case SplitPart::Valid: return "valid";
    case SplitPart::Test: return "test";
  }
  return "?";
}

TimeSplit TimeSplit::from_quantiles(std::vector<int64_t> ts, double valid_fraction, double test_fraction) {
  if (!(valid_fraction > 0 && test_fraction > 0 && valid_fraction + test_fraction < 1)) {
    std::ostringstream msg;
    msg << "split fractions valid=" << valid_fraction << " test=" << test_fraction
        << " must be positive and sum to less than 1";
    throw Error(msg.str());
  }
  require(!ts.empty(), "cannot split by time: there are no timestamps");
  auto quantile = [&](double q) {
    size_t k = std::min(ts.size() - 1, static_cast<size_t>(q * static_cast<double>(ts.size())));
    std::nth_element(ts.begin(), ts.begin() + static_cast<long>(k), ts.end());
    return ts[k];
  };
  TimeSplit split;
  split.valid_start = quantile(1.0 - valid_fraction - test_fraction);
  split.test_start = quantile(1.0 - test_fraction);
  if (split.test_start <= split.valid_start) split.test_start = split.valid_start + 1;
  return split;
}

LeaveOneOut LeaveOneOut::of(const std::vector<int32_t>& sequence) {
  LeaveOneOut s;
  if (sequence.size() < 3) {
    s.train = sequence;
    return s;
  }
  s.train.assign(sequence.begin(), sequence.end() - 2);
  s.valid_target = sequence[sequence.size() - 2];
  s.test_target = sequence.back();
  return s;
}

}  // namespace gr2
