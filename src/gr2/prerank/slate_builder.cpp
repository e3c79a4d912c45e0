// Negative sampling from the pre-ranker's top-M and by popularity; ordering by score.
#include "gr2/prerank/slate_builder.h"

#include <algorithm>
#include <cmath>

#include "gr2/core/error.h"

namespace gr2::prerank {

PopularitySampler::PopularitySampler(const std::vector<int64_t>& counts) {
  double total = 0;
  for (size_t i = 1; i < counts.size(); ++i) {
    total += static_cast<double>(counts[i]) + 1.0;
    cumulative_.push_back(total);
  }
  check_internal(!cumulative_.empty(), "PopularitySampler: no items");
}

int64_t PopularitySampler::draw(Rng& rng) const {
  const double r = rng.uniform() * cumulative_.back();
  const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), r);
  return std::min<int64_t>(static_cast<int64_t>(it - cumulative_.begin()), num_items() - 1) + 1;
}

std::vector<BuiltCandidate> build_slate_candidates(const float* scores, int64_t num_items, int64_t positive,
                                                   const std::unordered_set<int64_t>& exclude,
                                                   const SlateDifficulty& d, const PopularitySampler* popularity,
                                                   Rng& rng) {
  check_internal(positive >= 1 && positive <= num_items, "build_slate_candidates: positive out of range");
  const int64_t negatives = d.slate_size - 1;
  const int64_t n_pop = popularity ? static_cast<int64_t>(std::llround(d.popular_share * static_cast<double>(negatives))) : 0;
  const int64_t n_top = negatives - n_pop;
  auto eligible = [&](int64_t item) { return item != positive && exclude.count(item) == 0; };

  // The top-M eligible items by score.
  std::vector<int64_t> pool;
  pool.reserve(static_cast<size_t>(num_items));
  for (int64_t i = 1; i <= num_items; ++i) {
    if (eligible(i)) pool.push_back(i);
  }
  require(static_cast<int64_t>(pool.size()) >= negatives,
          "slate builder: only " + std::to_string(pool.size()) + " items are eligible as negatives, a slate of " +
              std::to_string(d.slate_size) + " needs " + std::to_string(negatives) + " (lower prerank.slate_size)");
  auto better = [&](int64_t a, int64_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); };
  const int64_t m = std::min<int64_t>(std::max<int64_t>(d.top_m, n_top), static_cast<int64_t>(pool.size()));
  if (m < static_cast<int64_t>(pool.size())) {
    std::nth_element(pool.begin(), pool.begin() + m, pool.end(), better);
    pool.resize(static_cast<size_t>(m));
  }
  std::sort(pool.begin(), pool.end());  // independent of nth_element's internal order

  std::vector<int64_t> chosen;
  chosen.reserve(static_cast<size_t>(d.slate_size));
  // n_top distinct draws from the pool (partial Fisher-Yates).
  for (int64_t i = 0; i < n_top; ++i) {
    const size_t j = static_cast<size_t>(i) + static_cast<size_t>(rng.below(pool.size() - static_cast<size_t>(i)));
    std::swap(pool[static_cast<size_t>(i)], pool[j]);
    chosen.push_back(pool[static_cast<size_t>(i)]);
  }
  // n_pop distinct popularity draws among the remaining eligible items.
  std::unordered_set<int64_t> taken(chosen.begin(), chosen.end());
  int64_t tries = 0;
  while (static_cast<int64_t>(chosen.size()) < negatives) {
    int64_t item = popularity->draw(rng);
    if (++tries > 1000 * (negatives + 1)) {  // pathological: fall back to a scan in index order
      for (item = 1; item <= num_items; ++item) {
        if (eligible(item) && !taken.count(item)) break;
      }
    }
    if (!eligible(item) || taken.count(item)) continue;
    taken.insert(item);
    chosen.push_back(item);
  }
  chosen.push_back(positive);
  std::sort(chosen.begin(), chosen.end(), better);
  std::vector<BuiltCandidate> out;
  out.reserve(chosen.size());
  for (int64_t item : chosen) out.push_back({item, scores[item]});
  return out;
}

}  // namespace gr2::prerank
