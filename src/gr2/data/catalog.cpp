// Catalog reading, writing and validation.
#include "gr2/data/catalog.h"

namespace gr2 {

int32_t Catalog::add(Item item, const std::string& where) {
  auto [it, inserted] = index_.emplace(item.item_id, static_cast<int32_t>(items_.size()));
  if (!inserted) {
    throw Error(where + ": duplicate item_id '" + item.item_id + "' (first seen as item #" +
                std::to_string(it->second + 1) + ")");
  }
  items_.push_back(std::move(item));
  return it->second;
}

std::optional<int32_t> Catalog::find(const std::string& item_id) const {
  auto it = index_.find(item_id);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

int32_t Catalog::index_of(const std::string& item_id, const std::string& where) const {
  auto it = index_.find(item_id);
  if (it == index_.end()) throw Error(where + ": unknown item '" + item_id + "' (not in the catalog)");
  return it->second;
}

Json item_to_json(const Item& item) {
  Json j = {{"item_id", item.item_id}, {"title", item.title}, {"category", item.category}};
  if (!item.brand.empty()) j["brand"] = item.brand;
  if (!item.text.empty()) j["text"] = item.text;
  return j;
}

Item item_from_json(const Json& record, const std::string& where) {
  JsonFields f(record, where);
  Item item;
  item.item_id = f.string("item_id");
  if (!f.has("title")) throw f.error("title", "missing (required)");
  item.title = f.optional_string("title");
  item.category = f.optional_string_array("category");
  item.brand = f.optional_string("brand");
  item.text = f.optional_string("text");
  if (item.title.empty() && item.brand.empty() && item.category.empty()) {
    throw f.error("title", "empty, and the item has no brand or category to describe it");
  }
  return item;
}

Catalog Catalog::read_jsonl(const std::string& path) {
  JsonlReader reader(path);
  Catalog catalog;
  Json record;
  while (reader.next(record)) catalog.add(item_from_json(record, reader.where()), reader.where());
  if (catalog.empty()) throw Error(path + ": the catalog is empty (expected one JSON item per line)");
  return catalog;
}

void Catalog::write_jsonl(const std::string& path) const {
  JsonlWriter writer(path);
  for (const Item& item : items_) writer.write(item_to_json(item));
  writer.commit();
}

}  // namespace gr2
