// Beam-search next-item evaluation.
#include "gr2/train/midtrain/next_item_eval.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "gr2/core/timing.h"
#include "gr2/lm/beam_search.h"

namespace gr2::train::midtrain {

Json NextItemMetrics::to_json() const {
  return Json{{"users", users}, {"R@5", recall5}, {"R@10", recall10}, {"N@5", ndcg5}, {"N@10", ndcg10},
              {"seconds", seconds}};
}

void add_rank(NextItemMetrics& m, int64_t rank) {
  m.users += 1;
  if (rank <= 0) return;
  const double gain = 1.0 / std::log2(1.0 + static_cast<double>(rank));
  if (rank <= 5) {
    m.recall5 += 1;
    m.ndcg5 += gain;
  }
  if (rank <= 10) {
    m.recall10 += 1;
    m.ndcg10 += gain;
  }
}

void finish_metrics(NextItemMetrics& m) {
  if (m.users == 0) return;
  const double n = static_cast<double>(m.users);
  m.recall5 /= n;
  m.recall10 /= n;
  m.ndcg5 /= n;
  m.ndcg10 /= n;
}

NextItemMetrics evaluate_next_item(lm::Qwen3Lm& model, const MidtrainFormat& format, const lm::SidTrie& trie,
                                   const std::vector<NextItemCase>& cases, int64_t max_history, int64_t beam_width) {
  Stopwatch clock;
  NextItemMetrics m;
  if (cases.empty()) return m;
  lm::BeamSearchOptions options;
  options.beam_width = beam_width;
  options.num_results = 10;
  options.pad_id = format.vocab().pad_id();
  const size_t chunk = 64;
  for (size_t start = 0; start < cases.size(); start += chunk) {
    const size_t end = std::min(cases.size(), start + chunk);
    std::vector<std::vector<int64_t>> prompts;
    for (size_t i = start; i < end; ++i) prompts.push_back(format.next_item_prompt(cases[i].history, max_history));
    const auto results = lm::beam_search_items(*model, trie, prompts, format.vocab().sid_begin_id(), options);
    for (size_t i = start; i < end; ++i) {
      const auto& r = results[i - start];
      int64_t rank = 0;
      for (size_t k = 0; k < r.size(); ++k) {
        if (r[k].item == cases[i].target) {
          rank = static_cast<int64_t>(k) + 1;
          break;
        }
      }
      add_rank(m, rank);
    }
  }
  finish_metrics(m);
  m.seconds = clock.seconds();
  return m;
}

}  // namespace gr2::train::midtrain
