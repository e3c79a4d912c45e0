// Training of the SASRec pre-ranker on users' train sequences (every position predicts the next
// item), with Adam and early stopping on validation NDCG@10 (full catalog). Seeded: the same seed
// on the CPU gives the same model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/prerank/catalog_eval.h"
#include "gr2/prerank/prerank_config.h"
#include "gr2/prerank/sasrec.h"
#include "gr2/data/sequences.h"

namespace gr2 {
class MetricsLog;
}

namespace gr2::prerank {

struct TrainResult {
  SasRec model{nullptr};     // the best epoch's weights, eval mode
  int64_t best_epoch = 0;    // 1-based
  int64_t epochs_run = 0;
  CatalogMetrics best_valid;
  double first_loss = 0, last_loss = 0;  // mean training loss of the first and last epoch
  double seconds = 0;
  Json to_json() const;
};

// Trains on `users` (their train parts), validating on their valid targets. `num_items` = catalog
// size. `label` prefixes progress lines and log records ("full", "fold0"). `log` may be null.
TrainResult train_sasrec(const std::vector<UserSequence>& users, int64_t num_items, const PrerankConfig& config,
                         const torch::Device& device, const std::string& label, MetricsLog* log);

// Sets LibTorch's intra-op threads when n > 0; returns the number in use.
int set_torch_threads(int64_t n);

}  // namespace gr2::prerank
