// The item catalog: ids, titles, category paths, brands and free text (catalog.jsonl, docs/formats.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gr2/core/jsonl.h"

namespace gr2 {

struct Item {
  std::string item_id;                // unique, non-empty
  std::string title;                  // required, may be empty only when brand/category carry text
  std::vector<std::string> category;  // path from the root ("Beauty", "Hair Care", "Shampoo")
  std::string brand;                  // optional
  std::string text;                   // optional description
};

// Items in file order, with an id -> dense index map. Indices are stable [0, size()).
class Catalog {
 public:
  // Appends `item`; throws Error "<where>: duplicate item_id '...'" if the id is already present.
  int32_t add(Item item, const std::string& where = "catalog");

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const Item& at(int32_t index) const { return items_.at(static_cast<size_t>(index)); }
  const std::vector<Item>& items() const { return items_; }

  // Dense index of `item_id`, or std::nullopt when unknown.
  std::optional<int32_t> find(const std::string& item_id) const;
  // Dense index of `item_id`; throws Error "<where>: unknown item '...'" when absent.
  int32_t index_of(const std::string& item_id, const std::string& where) const;

  // Reads catalog.jsonl. Errors name file:line:field; an empty file is an error.
  static Catalog read_jsonl(const std::string& path);
  // Writes catalog.jsonl atomically.
  void write_jsonl(const std::string& path) const;

 private:
  std::vector<Item> items_;
  std::unordered_map<std::string, int32_t> index_;
};

Json item_to_json(const Item& item);
// Parses one catalog record; `where` is "file:line" for messages.
Item item_from_json(const Json& record, const std::string& where);

}  // namespace gr2
