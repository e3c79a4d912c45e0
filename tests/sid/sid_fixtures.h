// Small SID fixtures shared by the SID tests: a config that trains in well under a second and a
// catalog whose titles, brands and categories overlap within categories.
#pragma once

#include <string>
#include <vector>

#include "gr2/core/rng.h"
#include "gr2/data/catalog.h"
#include "gr2/sid/sid_config.h"

namespace gr2::sid {

// A small config that trains in well under a second.
inline SidConfig tiny_config() {
  SidConfig c;
  c.levels = 3;
  c.codes = 16;
  c.hidden_dim = 32;
  c.latent_dim = 8;
  c.steps = 30;
  c.batch_size = 64;
  c.kmeans_iters = 5;
  c.warmup_steps = 10;
  c.embed_dim = 16;
  c.checkpoint_every = 10;
  return c;
}

// A tiny catalog with a category tree and brand/title words that overlap within categories.
inline Catalog tiny_catalog(int n) {
  const std::vector<std::vector<std::string>> cats = {
      {"Beauty", "Hair Care", "Shampoo"}, {"Beauty", "Hair Care", "Conditioner"}, {"Beauty", "Makeup", "Lipstick"},
      {"Beauty", "Makeup", "Nail Polish"}, {"Beauty", "Skin Care", "Moisturizer"}, {"Beauty", "Fragrance", "Perfume"}};
  const std::vector<std::string> brands = {"Aurora", "Borealis", "Cedar", "Dune", "Ember", "Fjord", "Glade"};
  const std::vector<std::string> adjectives = {"gentle", "volumizing", "matte", "glossy", "hydrating", "fresh",
                                               "rose", "argan", "vanilla", "citrus", "daily", "intense"};
  Catalog catalog;
  Rng rng(5);
  for (int i = 0; i < n; ++i) {
    Item item;
    item.item_id = "I" + std::to_string(1000 + i);
    const auto& cat = cats[static_cast<size_t>(i) % cats.size()];
    item.category = cat;
    item.brand = brands[rng.below(brands.size())];
    item.title = item.brand + " " + adjectives[rng.below(adjectives.size())] + " " +
                 adjectives[rng.below(adjectives.size())] + " " + cat.back() + " " + std::to_string(rng.below(500)) + " ml";
    catalog.add(item);
  }
  return catalog;
}

}  // namespace gr2::sid
