// Gumbel top-k sampling of Plackett-Luce rankings (see plackett_luce.h).
#include "gr2/train/traces/teachers/plackett_luce.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "gr2/core/error.h"

namespace gr2::train::traces::teachers {

std::vector<int> sample_plackett_luce(const std::vector<double>& scores, double temperature, Rng& rng) {
  require(std::isfinite(temperature) && temperature >= 0,
          "temperature must be a finite number >= 0, got " + std::to_string(temperature));
  for (double s : scores) require(std::isfinite(s), "Plackett-Luce: a score is not finite");
  std::vector<double> keys(scores);
  if (temperature > 0) {
    for (double& k : keys) k = k / temperature + rng.gumbel();
  }
  std::vector<int> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return keys[static_cast<size_t>(a)] > keys[static_cast<size_t>(b)]; });
  return order;
}

}  // namespace gr2::train::traces::teachers
