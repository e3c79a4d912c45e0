// collect_groups: drop tied groups, refill.
#include "gr2/train/rl/dynamic_sampling.h"

#include "gr2/core/error.h"
#include "gr2/train/rl/rewards.h"

namespace gr2::train::rl {

GroupCollection collect_groups(int64_t want, int64_t max_refill_rounds, bool dynamic,
                               const std::function<std::vector<std::vector<double>>(int64_t n, int64_t round)>& draw,
                               AdvantageNorm norm) {
  GroupCollection out;
  std::vector<std::vector<double>> kept_rewards;
  for (int64_t round = 0; round <= max_refill_rounds && static_cast<int64_t>(out.kept.size()) < want; ++round) {
    const int64_t need = want - static_cast<int64_t>(out.kept.size());
    const auto groups = draw(need, round);
    if (static_cast<int64_t>(groups.size()) != need)
      throw Error::internal("collect_groups: draw returned " + std::to_string(groups.size()) + " groups, asked for " +
                            std::to_string(need));
    ++out.rounds;
    out.groups_seen += need;
    for (int64_t i = 0; i < need; ++i) {
      const auto& rewards = groups[static_cast<size_t>(i)];
      if (dynamic && group_is_degenerate(rewards)) continue;
      out.kept.push_back({round, i, {}});
      kept_rewards.push_back(rewards);
    }
    if (!dynamic) break;
  }
  std::vector<std::vector<double>> advantages = batch_advantages(kept_rewards, norm);
  for (size_t g = 0; g < out.kept.size(); ++g) out.kept[g].advantages = std::move(advantages[g]);
  return out;
}

}  // namespace gr2::train::rl
