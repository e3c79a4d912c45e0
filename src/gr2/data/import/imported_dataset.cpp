// ImportedDataset invariants and catalog compaction.
#include "gr2/data/import/imported_dataset.h"

#include <algorithm>
#include <filesystem>

namespace gr2::importer {

int64_t ImportedDataset::interactions() const {
  int64_t n = 0;
  for (const auto& u : users) n += static_cast<int64_t>(u.items.size());
  return n;
}

void ImportedDataset::check() const {
  check_internal(item_extra.size() == catalog.size(), "imported dataset: item_extra does not match the catalog");
  const auto n_items = static_cast<int32_t>(catalog.size());
  for (const auto& u : users) {
    check_internal(u.ts.size() == u.items.size(), "imported dataset: user " + u.user_id + ": ts size mismatch");
    check_internal(u.ratings.empty() || u.ratings.size() == u.items.size(),
                   "imported dataset: user " + u.user_id + ": ratings size mismatch");
    for (size_t i = 0; i < u.items.size(); ++i) {
      check_internal(u.items[i] >= 0 && u.items[i] < n_items, "imported dataset: item index out of range");
      check_internal(i == 0 || u.ts[i - 1] <= u.ts[i], "imported dataset: user " + u.user_id + ": ts decreases");
    }
  }
}

int64_t drop_items_without_interactions(ImportedDataset& data) {
  std::vector<char> used(data.catalog.size(), 0);
  for (const auto& u : data.users) {
    for (int32_t item : u.items) used[static_cast<size_t>(item)] = 1;
  }
  const auto dropped = static_cast<int64_t>(std::count(used.begin(), used.end(), 0));
  if (dropped == 0) return 0;
  std::vector<int32_t> new_index(data.catalog.size(), -1);
  Catalog kept;
  std::vector<Json> kept_extra;
  for (size_t i = 0; i < data.catalog.size(); ++i) {
    if (!used[i]) continue;
    new_index[i] = kept.add(data.catalog.items()[i]);
    kept_extra.push_back(std::move(data.item_extra[i]));
  }
  for (auto& u : data.users) {
    for (int32_t& item : u.items) item = new_index[static_cast<size_t>(item)];
  }
  data.catalog = std::move(kept);
  data.item_extra = std::move(kept_extra);
  return dropped;
}

Json describe_source_file(const std::string& path) {
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  Json j{{"path", path}};
  if (!ec) j["bytes"] = static_cast<int64_t>(bytes);
  return j;
}

}  // namespace gr2::importer
