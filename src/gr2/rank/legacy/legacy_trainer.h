// Training of the legacy re-rankers on a data directory's training slates: DIN with BCE on
// label > 0 per candidate, PRM with softmax cross-entropy over each slate. Early stopping and the
// choice of the kept epoch use the validation slates only (mean N@5), never the test slates.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/rank/legacy/legacy_config.h"
#include "gr2/rank/legacy/reranker_net.h"
#include "gr2/rank/legacy/slate_features.h"

namespace gr2::legacy {

struct LegacyTrainOptions {
  std::string kind;       // "din" or "prm"
  std::string data_dir;   // catalog.jsonl, slates_train.jsonl, slates_valid.jsonl
  std::string out_dir;    // model.safetensors, config.json, train_log.jsonl
  std::string device = "auto";
};

// Loss of `kind` for a batch: logits [S, K], the batch's labels and mask. Slates without a
// positive add nothing to PRM's loss.
torch::Tensor legacy_loss(const std::string& kind, const torch::Tensor& logits, const SlateBatch& batch);

// Mean R@1 and N@5 of the network's order over `slates` that have a positive (eval mode).
struct SlateScore { double r1 = 0, n5 = 0; int64_t slates = 0; };
SlateScore score_slates(RerankerNet& net, const std::vector<EncodedSlate>& slates, int64_t max_positions,
                        const torch::Device& device);

// Trains, keeps the best validation epoch, saves the model; returns the report (config, per-epoch
// losses and validation metrics, times), also written to OUT/report.json.
Json train_legacy(const LegacyConfig& config, const LegacyTrainOptions& options);

// Writes DIR/model.safetensors and DIR/config.json ({"kind", "baseline": config, vocabulary sizes}).
void save_legacy(const std::string& dir, RerankerNet& net, const LegacyConfig& config, const FeatureVocab& vocab,
                 const Json& extra);
// Loads a model directory for the catalog `vocab` was built from (CPU or `device`, eval mode).
// Throws Error when the directory is not a baseline model or was trained on another catalog.
std::shared_ptr<RerankerNet> load_legacy(const std::string& dir, const FeatureVocab& vocab, const torch::Device& device,
                                         LegacyConfig* config_out = nullptr);

}  // namespace gr2::legacy
