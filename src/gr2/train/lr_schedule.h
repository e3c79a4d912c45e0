// The learning-rate schedule of every training stage: linear warmup, then cosine decay to a floor.
// A pure function of the step, so a resumed run needs no scheduler state. Plain C++.
#pragma once

#include <cstdint>

namespace gr2::train {

// Learning rate of optimizer step `step` (0-based) of a run of `total_steps` steps:
//   step < warmup:  peak * (step + 1) / warmup                       (reaches peak at step warmup-1)
//   otherwise:      floor + (peak - floor) * (1 + cos(pi * p)) / 2,  floor = peak * min_ratio,
//                   p = (step - warmup) / max(1, total_steps - 1 - warmup) in [0, 1]
// so the first step after warmup uses the peak and the last step (total_steps - 1) the floor.
// Steps past the end keep the floor.
double learning_rate_at(int64_t step, int64_t total_steps, int64_t warmup_steps, double peak, double min_ratio);

}  // namespace gr2::train
