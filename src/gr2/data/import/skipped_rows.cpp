// Counting and reporting of rows skipped by the importers.
#include "gr2/data/import/skipped_rows.h"

#include <sstream>

namespace gr2::importer {

void SkippedRows::add(const std::string& reason, const std::string& message) {
  ++counts_[reason];
  auto& examples = examples_[reason];
  if (examples.size() < kExamplesPerReason) examples.push_back(message);
  ++total_;
}

int64_t SkippedRows::count(const std::string& reason) const {
  auto it = counts_.find(reason);
  return it == counts_.end() ? 0 : it->second;
}

Json SkippedRows::to_json() const {
  Json by_reason = Json::object();
  for (const auto& [reason, n] : counts_) by_reason[reason] = n;
  Json examples = Json::object();
  for (const auto& [reason, list] : examples_) examples[reason] = list;
  return Json{{"total", total_}, {"by_reason", by_reason}, {"examples", examples}};
}

std::string SkippedRows::describe() const {
  std::ostringstream out;
  out << "  skipped " << total_ << " bad row(s)/reference(s) (--skip-bad-rows):\n";
  for (const auto& [reason, n] : counts_) {
    out << "    " << reason << ": " << n;
    const auto& examples = examples_.at(reason);
    if (!examples.empty()) out << " (first: " << examples.front() << ")";
    out << "\n";
  }
  return out.str();
}

}  // namespace gr2::importer
