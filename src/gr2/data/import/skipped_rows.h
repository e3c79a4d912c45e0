// Rows an importer skipped on request (--skip-bad-rows): counted per reason with the first few
// locations, printed and saved in data.json, so that nothing is ever dropped silently.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gr2/core/jsonl.h"

namespace gr2::importer {

class SkippedRows {
 public:
  // Records one skipped row (or item occurrence). `reason` is a short stable key such as
  // "item_row_wrong_column_count"; `message` is the full "file:line: ..." text.
  void add(const std::string& reason, const std::string& message);

  int64_t total() const { return total_; }
  // Count for `reason` (0 when none).
  int64_t count(const std::string& reason) const;
  bool empty() const { return total_ == 0; }

  // {"total": n, "by_reason": {reason: n}, "examples": {reason: ["file:line: ...", ...]}}.
  Json to_json() const;
  // Human-readable lines ("  skipped 3 rows: item_row_wrong_column_count 3 (first: ...)").
  std::string describe() const;

  // How many example messages are kept per reason.
  static constexpr size_t kExamplesPerReason = 5;

 private:
  std::map<std::string, int64_t> counts_;
  std::map<std::string, std::vector<std::string>> examples_;
  int64_t total_ = 0;
};

}  // namespace gr2::importer
