// Linear warmup + cosine decay.
#include "gr2/train/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace gr2::train {

double learning_rate_at(int64_t step, int64_t total_steps, int64_t warmup_steps, double peak, double min_ratio) {
  if (step < warmup_steps) return peak * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  const double floor = peak * min_ratio;
  const int64_t span = std::max<int64_t>(1, total_steps - 1 - warmup_steps);
  const double p = std::min(1.0, static_cast<double>(step - warmup_steps) / static_cast<double>(span));
  return floor + (peak - floor) * 0.5 * (1.0 + std::cos(M_PI * p));
}

}  // namespace gr2::train
