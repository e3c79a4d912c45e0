// Dataset statistics for `gr2 data import`.
#include "gr2/data/import/import_stats.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <unordered_set>

#include "gr2/data/split.h"

namespace gr2::importer {

std::string with_commas(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out = value < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

ImportStats compute_stats(const ImportedDataset& data) {
  ImportStats s;
  s.users = static_cast<int64_t>(data.users.size());
  s.items = static_cast<int64_t>(data.catalog.size());
  s.interactions = data.interactions();
  if (s.users > 0) s.avg_sequence_length = static_cast<double>(s.interactions) / static_cast<double>(s.users);
  if (s.users > 0 && s.items > 0) {
    s.sparsity = 1.0 - static_cast<double>(s.interactions) / (static_cast<double>(s.users) * static_cast<double>(s.items));
  }
  std::vector<int64_t> lengths;
  lengths.reserve(data.users.size());
  std::vector<int64_t> item_count(data.catalog.size(), 0);
  for (const auto& u : data.users) {
    lengths.push_back(static_cast<int64_t>(u.items.size()));
    std::unordered_set<int32_t> seen;
    for (int32_t item : u.items) {
      ++item_count[static_cast<size_t>(item)];
      if (!seen.insert(item).second) ++s.repeated_pairs;
    }
    const LeaveOneOut split = LeaveOneOut::of(u.items);
    s.train_interactions += static_cast<int64_t>(split.train.size());
    if (split.has_targets()) {
      ++s.valid_targets;
      ++s.test_targets;
    } else {
      ++s.users_without_targets;
    }
  }
  if (!lengths.empty()) {
    std::sort(lengths.begin(), lengths.end());
    s.sequence_length_min = lengths.front();
    s.sequence_length_max = lengths.back();
    const size_t mid = lengths.size() / 2;
    s.sequence_length_median = lengths.size() % 2 == 1
                                   ? static_cast<double>(lengths[mid])
                                   : 0.5 * static_cast<double>(lengths[mid - 1] + lengths[mid]);
  }
  if (!item_count.empty()) {
    const auto [lo, hi] = std::minmax_element(item_count.begin(), item_count.end());
    s.item_interactions_min = *lo;
    s.item_interactions_max = *hi;
  }
  return s;
}

namespace {
double round_to(double v, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}
}  // namespace

Json ImportStats::to_json() const {
  return Json{{"users", users},
              {"items", items},
              {"interactions", interactions},
              {"avg_sequence_length", round_to(avg_sequence_length, 4)},
              {"sparsity", round_to(sparsity, 6)},
              {"sequence_length", {{"min", sequence_length_min}, {"median", sequence_length_median},
                                   {"max", sequence_length_max}}},
              {"interactions_per_item", {{"min", item_interactions_min}, {"max", item_interactions_max}}},
              {"repeated_user_item_pairs", repeated_pairs},
              {"split", {{"protocol", "leave-one-out"},
                         {"train_interactions", train_interactions},
                         {"valid_targets", valid_targets},
                         {"test_targets", test_targets},
                         {"users_without_targets", users_without_targets}}}};
}

std::string ImportStats::describe() const {
  std::ostringstream out;
  auto row = [&](const std::string& name, const std::string& value) {
    out << "  " << std::left << std::setw(26) << name << value << "\n";
  };
  std::ostringstream f;
  row("users", with_commas(users));
  row("items", with_commas(items));
  row("interactions", with_commas(interactions));
  f << std::fixed << std::setprecision(3) << avg_sequence_length;
  row("avg sequence length", f.str());
  f.str("");
  f << std::setprecision(4) << 100.0 * sparsity << "%";
  row("sparsity", f.str());
  f.str("");
  f << sequence_length_min << " / " << std::setprecision(1) << sequence_length_median << " / " << sequence_length_max;
  row("seq length min/median/max", f.str());
  row("interactions per item", with_commas(item_interactions_min) + " .. " + with_commas(item_interactions_max));
  row("repeated (user, item)", with_commas(repeated_pairs));
  row("split: train interactions", with_commas(train_interactions));
  row("split: valid / test", with_commas(valid_targets) + " / " + with_commas(test_targets) + " targets");
  if (users_without_targets > 0) row("split: train-only users", with_commas(users_without_targets) + " (< 3 items)");
  return out.str();
}

}  // namespace gr2::importer
