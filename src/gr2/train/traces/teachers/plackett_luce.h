// Sampling a ranking from scores: the Plackett-Luce model with weights exp(score / T), drawn by
// Gumbel top-k (sort score / T + Gumbel noise, descending), which gives exactly the sequential
// "pick the next item with probability proportional to its weight" distribution in one pass.
#pragma once

#include <vector>

#include "gr2/core/rng.h"

namespace gr2::train::traces::teachers {

// An order of the indices [0, scores.size()), best first. temperature > 0: a Plackett-Luce sample
// over scores / temperature (draws one Gumbel per score from `rng`); temperature == 0: the
// deterministic order by descending score, ties keeping the lower index first (rng unused).
// Throws Error for a negative or non-finite temperature or a non-finite score.
std::vector<int> sample_plackett_luce(const std::vector<double>& scores, double temperature, Rng& rng);

}  // namespace gr2::train::traces::teachers
