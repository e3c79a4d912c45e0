// The generated catalog of the synthetic shop: the category tree, brands, items with their hidden
// features and popularity, and the per-leaf sampling pools the simulated upstream retrieval uses
// (alias tables, so a request never scans the catalog).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gr2/core/rng.h"
#include "gr2/data/catalog.h"
#include "gr2/data/synth/alias_table.h"
#include "gr2/data/synth/synth_config.h"

namespace gr2::synth {

struct LeafType {
  std::string name;           // "Shampoo"
  int32_t category = 0;
  int32_t department = 0;
  int32_t next = -1;          // the routine's next leaf type (same category), -1 at the end
  bool consumable = false;    // bought again when its repeat cycle is due
  double repeat_days = 0;     // mean repeat cycle (consumables)
};

struct CategoryNode {
  std::string name;                // "Hair Care"
  int32_t department = 0;
  std::vector<int32_t> leaves;     // routine order
};

struct DepartmentNode {
  std::string name;                // "Beauty"
  std::vector<int32_t> leaves;
  std::vector<int32_t> brands;
  AliasTable brand_sampler;        // brands by popularity (for item assignment and user tastes)
};

struct Brand {
  std::string name;
  int32_t department = 0;
  int tier = 1;                    // home price tier: 0 budget, 1 mid-range, 2 premium
  double popularity = 1;           // Zipf weight within the department
};

// Compact per-item record (the strings are generated on demand, so 1M items stay small).
struct ShopItem {
  int32_t leaf = 0;
  int32_t brand = 0;
  int8_t tier = 1;
  uint8_t attribute = 0;           // index into the department's attribute words
  uint8_t size = 0;                // index into the department's size words
  float popularity_z = 0;          // standardised log popularity
};

class ShopCatalog {
 public:
  // Generates the whole catalog from config (seeded by config.seed). Deterministic.
  static ShopCatalog generate(const SynthConfig& config);

  int64_t size() const { return static_cast<int64_t>(items_.size()); }
  int feature_dim() const { return feature_dim_; }
  const ShopItem& item(int32_t index) const { return items_[static_cast<size_t>(index)]; }
  // Hidden feature vector of an item: [feature_dim].
  const float* features(int32_t index) const { return &features_[static_cast<size_t>(index) * feature_dim_]; }
  const LeafType& leaf(int32_t index) const { return leaves_[static_cast<size_t>(index)]; }
  const std::vector<LeafType>& leaves() const { return leaves_; }
  const std::vector<CategoryNode>& categories() const { return categories_; }
  const std::vector<DepartmentNode>& departments() const { return departments_; }
  const Brand& brand(int32_t index) const { return brands_[static_cast<size_t>(index)]; }
  int32_t department_of(int32_t item) const { return leaves_[items_[static_cast<size_t>(item)].leaf].department; }

  // "I000042": ids are zero-padded so that they sort like the indices.
  std::string item_id(int32_t index) const;
  // The public record of an item: id, title ("<Brand> <attribute> <type> <size>"), category path,
  // brand and a short text (price tier and descriptors of some hidden features).
  Item public_item(int32_t index) const;

  // Draws an item of `leaf` proportionally to popularity; -1 when the leaf has no items.
  int32_t sample_in_leaf(int32_t leaf, Rng& rng) const;
  // Draws an item of the whole catalog proportionally to popularity.
  int32_t sample_popular(Rng& rng) const;
  // A uniformly drawn leaf of `department` / `category`.
  int32_t random_leaf_of_department(int32_t department, Rng& rng) const;
  int32_t random_leaf_of_category(int32_t category, Rng& rng) const;

  // Streams catalog.jsonl and corpus.txt (one document per line: title and text), atomically.
  void write(const std::string& catalog_path, const std::string& corpus_path) const;

 private:
  int feature_dim_ = 0;
  int id_width_ = 6;
  std::vector<LeafType> leaves_;
  std::vector<CategoryNode> categories_;
  std::vector<DepartmentNode> departments_;
  std::vector<Brand> brands_;
  std::vector<ShopItem> items_;
  std::vector<float> features_;                   // [num_items, feature_dim]
  std::vector<std::vector<int32_t>> leaf_items_;  // items of each leaf
  std::vector<AliasTable> leaf_samplers_;         // by popularity, aligned with leaf_items_
  AliasTable popular_sampler_;
};

}  // namespace gr2::synth
