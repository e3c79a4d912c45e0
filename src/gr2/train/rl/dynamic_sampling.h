// DAPO's dynamic sampling: groups of rollouts whose rewards all tie carry no learning signal (their
// advantages are zero), so they are dropped and the batch is refilled with fresh prompts, for a
// bounded number of extra rounds. Plain C++; the RL loop supplies the rollouts through `draw`.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "gr2/train/rl/rewards.h"

namespace gr2::train::rl {

struct KeptGroup {
  int64_t round = 0;               // which draw() call produced it
  int64_t index = 0;               // its index within that call's groups
  std::vector<double> advantages;  // batch_advantages of its rewards (over all kept groups)
};

struct GroupCollection {
  std::vector<KeptGroup> kept;
  int64_t groups_seen = 0;  // groups drawn in all rounds (kept + dropped)
  int64_t rounds = 0;       // draw() calls made
};

// Calls draw(n, round) for round = 0, 1, ..., max_refill_rounds, with n = the number of groups
// still missing (want in round 0); draw returns n groups of rewards. Keeps every group whose
// rewards are not degenerate (all groups when !dynamic, and then draws once) until `want` are kept.
// The kept groups' advantages are then computed together (batch_advantages under `norm`).
GroupCollection collect_groups(int64_t want, int64_t max_refill_rounds, bool dynamic,
                               const std::function<std::vector<std::vector<double>>(int64_t n, int64_t round)>& draw,
                               AdvantageNorm norm = AdvantageNorm::Group);

}  // namespace gr2::train::rl
