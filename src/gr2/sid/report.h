// The tokenizer report (report.json + report.md): uniqueness at each export stage, collision
// groups, per-level code utilisation and perplexity, reconstruction error and semantic coherence
// (category purity of first-level codes; share of items whose nearest embedding neighbour shares
// their first code).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include "gr2/sid/sid_table.h"

namespace gr2::sid {

struct LevelUsage {
  int64_t used = 0;          // codes held by at least one item
  double utilisation = 0;    // used / C
  double perplexity = 0;     // exp(entropy of the code distribution); C for uniform use
};

// Per-level usage of the table's codes.
std::vector<LevelUsage> level_usage(const SidTable& table);

// Weighted share of items whose leaf category is the majority one of their first-level code.
// `categories` [N] (empty strings are skipped). Returns -1 when no item has a category.
double category_purity(const SidTable& table, const std::vector<std::string>& categories);

// Share of sampled items (up to `sample`, seeded) whose nearest other item by cosine similarity of
// `embeddings` [N, d] shares their first code. Chunked: O(sample * N * d) time, O(chunk * N) memory.
double neighbour_first_code_agreement(const SidTable& table, const at::Tensor& embeddings, int64_t sample,
                                      uint64_t seed);

struct ReportInputs {
  std::string method;
  std::string config_json;
  const SidTable* nearest = nullptr;       // nearest-code SIDs (every level by nearest code)
  const SidTable* before_dedup = nullptr;  // after the random last level (== nearest when off)
  const SidTable* final_table = nullptr;   // after de-duplication
  int64_t moved_by_dedup = 0;
  double reconstruction_mse = 0;           // mean ||x - x_hat||^2 per item (nearest codes)
  double relative_error = 0;               // reconstruction_mse / mean ||x||^2
  std::vector<std::string> categories;     // leaf category per item, may be empty
  at::Tensor embeddings;                   // [N, d], for the neighbour agreement
  double train_seconds = 0;
};

nlohmann::json build_report(const ReportInputs& in);
std::string report_markdown(const nlohmann::json& report);

}  // namespace gr2::sid
