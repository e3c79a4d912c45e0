// The fixed vocabulary of the synthetic shop: departments > categories > leaf product types (each
// category's leaf types listed in routine order, e.g. Shampoo -> Conditioner -> Hair Mask), the
// attributes and sizes of each department, and the syllables brand names are built from.
#pragma once

#include <string>
#include <vector>

namespace gr2::synth {

struct LeafTypeSpec {
  const char* name;   // "Shampoo"
  bool consumable;    // bought again when used up (repeat purchases)
};

struct CategorySpec {
  const char* name;                  // "Hair Care"
  std::vector<LeafTypeSpec> leaves;  // routine order: leaves[j] is usually followed by leaves[j+1]
};

struct DepartmentSpec {
  const char* name;                       // "Beauty"
  std::vector<CategorySpec> categories;
  std::vector<const char*> attributes;    // scent / colour / material words
  std::vector<const char*> sizes;         // "250 ml", "Large", ...
};

// The whole word list (8 departments x 4 categories x 4 leaf types). Stable across versions: a
// changed list changes every generated world.
const std::vector<DepartmentSpec>& shop_departments();

// Syllables for brand names ("Lu" + "mo" + "ra").
const std::vector<const char*>& brand_prefixes();
const std::vector<const char*>& brand_middles();
const std::vector<const char*>& brand_suffixes();

// Words the item text uses for price tiers 0 (budget), 1 (mid-range) and 2 (premium).
const char* price_tier_word(int tier);

}  // namespace gr2::synth
