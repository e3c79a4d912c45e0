// The two stages behind `gr2 prerank`: train (the full pre-ranker plus the out-of-fold ones, with
// full-catalog test metrics) and slates (slates_{train,valid,test}.jsonl written into the data
// directory, with the incoming order's metrics per split).
#pragma once

#include <cstdint>
#include <string>

#include "gr2/core/jsonl.h"
#include "gr2/prerank/prerank_config.h"

namespace gr2::prerank {

// TIGER paper's SASRec numbers on Amazon Beauty (full catalog, leave-one-out).
struct TigerSasRecBeauty {
  static constexpr double recall5 = 0.0387, ndcg5 = 0.0249, recall10 = 0.0605, ndcg10 = 0.0318;
};

struct TrainOptions {
  std::string data_dir;
  std::string out_dir;   // MODEL_DIR: full/, fold<f>/, report.json, train_log.jsonl
  std::string device = "auto";
};

// Trains and saves; returns the report (also written to OUT/report.json).
Json run_prerank_train(const PrerankConfig& config, const TrainOptions& options);

struct SlatesOptions {
  std::string data_dir;
  std::string model_dir;
  std::string out_dir;   // empty: the data directory
  std::string device = "auto";
};

// Builds and writes the slates with `config`'s slate settings (the models keep their own training
// settings); returns the report (also written to OUT/prerank_slates.json).
Json run_prerank_slates(const PrerankConfig& config, const SlatesOptions& options);

// Markdown lines of a report (for the CLI).
std::string describe_train_report(const Json& report);
std::string describe_slates_report(const Json& report);

}  // namespace gr2::prerank
