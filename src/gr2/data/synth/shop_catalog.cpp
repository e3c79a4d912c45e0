// Catalog generation of the synthetic shop (see shop_catalog.h).
#include "gr2/data/synth/shop_catalog.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <unordered_set>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/data/synth/taxonomy.h"

namespace gr2::synth {
namespace {

// A brand name from syllables, unique in `taken` (a number is appended after many collisions).
std::string make_brand_name(Rng& rng, std::unordered_set<std::string>& taken) {
  const auto& pre = brand_prefixes();
  const auto& mid = brand_middles();
  const auto& suf = brand_suffixes();
  for (int attempt = 0;; ++attempt) {
    std::string name = std::string(pre[rng.below(pre.size())]) + mid[rng.below(mid.size())] +
                       suf[rng.below(suf.size())];
    if (attempt >= 40) name += " " + std::to_string(attempt - 38);
    if (taken.insert(name).second) return name;
  }
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

ShopCatalog ShopCatalog::generate(const SynthConfig& config) {
  ShopCatalog shop;
  shop.feature_dim_ = config.feature_dim;
  Rng rng(derive_seed(config.seed, "synth/catalog"));
  const auto& specs = shop_departments();
  check_internal(config.num_departments >= 1 && config.num_departments <= static_cast<int>(specs.size()),
                 "num_departments out of range");

  // The tree and its routines (leaf j of a category is followed by leaf j + 1).
  for (int d = 0; d < config.num_departments; ++d) {
    DepartmentNode dept;
    dept.name = specs[static_cast<size_t>(d)].name;
    for (const auto& cat_spec : specs[static_cast<size_t>(d)].categories) {
      CategoryNode cat;
      cat.name = cat_spec.name;
      cat.department = d;
      const int32_t category_index = static_cast<int32_t>(shop.categories_.size());
      for (size_t j = 0; j < cat_spec.leaves.size(); ++j) {
        LeafType leaf;
        leaf.name = cat_spec.leaves[j].name;
        leaf.category = category_index;
        leaf.department = d;
        leaf.consumable = cat_spec.leaves[j].consumable;
        leaf.repeat_days = leaf.consumable ? config.repeat_days * rng.uniform(0.6, 1.5) : 0.0;
        const int32_t leaf_index = static_cast<int32_t>(shop.leaves_.size());
        if (j + 1 < cat_spec.leaves.size()) leaf.next = leaf_index + 1;
        cat.leaves.push_back(leaf_index);
        dept.leaves.push_back(leaf_index);
        shop.leaves_.push_back(std::move(leaf));
      }
      shop.categories_.push_back(std::move(cat));
    }
    shop.departments_.push_back(std::move(dept));
  }

  // Brands: tied to one department, Zipf popularity, a home price tier and a style vector that
  // pulls its items' hidden features together.
  const int d_feat = config.feature_dim;
  std::unordered_set<std::string> taken;
  std::vector<float> brand_style;
  for (int d = 0; d < config.num_departments; ++d) {
    std::vector<double> weights;
    for (int b = 0; b < config.brands_per_department; ++b) {
      Brand brand;
      brand.name = make_brand_name(rng, taken);
      brand.department = d;
      double u = rng.uniform();
      brand.tier = u < 0.35 ? 0 : (u < 0.75 ? 1 : 2);
      brand.popularity = 1.0 / std::pow(b + 1.0, config.brand_zipf);
      for (int k = 0; k < d_feat; ++k) brand_style.push_back(static_cast<float>(rng.normal()));
      shop.departments_[static_cast<size_t>(d)].brands.push_back(static_cast<int32_t>(shop.brands_.size()));
      weights.push_back(std::sqrt(brand.popularity));  // big brands also have more products
      shop.brands_.push_back(std::move(brand));
    }
    shop.departments_[static_cast<size_t>(d)].brand_sampler = AliasTable(weights);
  }

  // Items.
  const size_t n = static_cast<size_t>(config.num_items);
  shop.items_.resize(n);
  shop.features_.resize(n * static_cast<size_t>(d_feat));
  const float feature_scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d_feat)));
  std::vector<double> log_pop(n);
  for (size_t i = 0; i < n; ++i) {
    ShopItem& item = shop.items_[i];
    item.leaf = static_cast<int32_t>(rng.below(shop.leaves_.size()));
    const LeafType& leaf = shop.leaves_[static_cast<size_t>(item.leaf)];
    const DepartmentNode& dept = shop.departments_[static_cast<size_t>(leaf.department)];
    const DepartmentSpec& spec = specs[static_cast<size_t>(leaf.department)];
    item.brand = dept.brands[dept.brand_sampler.sample(rng)];
    const Brand& brand = shop.brands_[static_cast<size_t>(item.brand)];
    int tier = brand.tier;
    if (rng.bernoulli(0.2)) tier = std::clamp(tier + (rng.bernoulli(0.5) ? 1 : -1), 0, 2);
    item.tier = static_cast<int8_t>(tier);
    item.attribute = static_cast<uint8_t>(rng.below(spec.attributes.size()));
    item.size = static_cast<uint8_t>(rng.below(spec.sizes.size()));
    // Routine starters (shampoo, razor) sell more than the later steps.
    const auto& cat_leaves = shop.categories_[static_cast<size_t>(leaf.category)].leaves;
    const int step = static_cast<int>(item.leaf - cat_leaves.front());
    log_pop[i] = std::log(brand.popularity) + config.popularity_sigma * rng.normal() - 0.3 * step;
    float* f = &shop.features_[i * static_cast<size_t>(d_feat)];
    const float* style = &brand_style[static_cast<size_t>(item.brand) * static_cast<size_t>(d_feat)];
    for (int k = 0; k < d_feat; ++k) {
      f[k] = feature_scale * static_cast<float>(0.6 * style[k] + 0.8 * rng.normal());
    }
  }
  double mean = 0, sq = 0;
  for (double v : log_pop) mean += v;
  mean /= static_cast<double>(n);
  for (double v : log_pop) sq += (v - mean) * (v - mean);
  const double sd = std::max(1e-9, std::sqrt(sq / static_cast<double>(n)));
  std::vector<double> pop_weight(n);
  for (size_t i = 0; i < n; ++i) {
    shop.items_[i].popularity_z = static_cast<float>((log_pop[i] - mean) / sd);
    pop_weight[i] = std::exp(static_cast<double>(shop.items_[i].popularity_z));
  }

  // Sampling pools.
  shop.leaf_items_.assign(shop.leaves_.size(), {});
  for (size_t i = 0; i < n; ++i) shop.leaf_items_[static_cast<size_t>(shop.items_[i].leaf)].push_back(static_cast<int32_t>(i));
  shop.leaf_samplers_.resize(shop.leaves_.size());
  for (size_t l = 0; l < shop.leaves_.size(); ++l) {
    std::vector<double> w;
    w.reserve(shop.leaf_items_[l].size());
    for (int32_t i : shop.leaf_items_[l]) w.push_back(pop_weight[static_cast<size_t>(i)]);
    shop.leaf_samplers_[l] = AliasTable(w);
  }
  shop.popular_sampler_ = AliasTable(pop_weight);
  int width = 1;
  for (int64_t v = config.num_items - 1; v >= 10; v /= 10) ++width;
  shop.id_width_ = std::max(6, width);
  return shop;
}

std::string ShopCatalog::item_id(int32_t index) const {
  std::string digits = std::to_string(index);
  return "I" + std::string(static_cast<size_t>(std::max(0, id_width_ - static_cast<int>(digits.size()))), '0') + digits;
}

Item ShopCatalog::public_item(int32_t index) const {
  const ShopItem& it = item(index);
  const LeafType& lf = leaf(it.leaf);
  const CategoryNode& cat = categories_[static_cast<size_t>(lf.category)];
  const DepartmentSpec& spec = shop_departments()[static_cast<size_t>(lf.department)];
  const Brand& br = brand(it.brand);
  const std::string attribute = spec.attributes[it.attribute];
  const std::string size = spec.sizes[it.size];
  Item out;
  out.item_id = item_id(index);
  out.title = br.name + " " + attribute + " " + lf.name + " " + size;
  out.category = {departments_[static_cast<size_t>(lf.department)].name, cat.name, lf.name};
  out.brand = br.name;
  // Descriptors reveal the signs of the last hidden feature dimensions (the ones the upstream
  // ranker does not see), so a model that reads text can learn a user's taste from the history.
  const float* f = features(index);
  const int d = feature_dim_;
  const char* feel = f[d - 1] > 0 ? "gentle" : "intense";
  const char* style = f[d - 2] > 0 ? "classic" : "modern";
  std::string text = std::string("A ") + price_tier_word(it.tier) + " " + lower(attribute) + " " +
                     lower(lf.name) + " by " + br.name + ", " + feel + " and " + style + ". " + cat.name +
                     (lf.consumable ? ", a consumable you restock." : ", built to last.");
  out.text = std::move(text);
  return out;
}

int32_t ShopCatalog::sample_in_leaf(int32_t leaf_index, Rng& rng) const {
  const auto& pool = leaf_items_[static_cast<size_t>(leaf_index)];
  if (pool.empty()) return -1;
  return pool[leaf_samplers_[static_cast<size_t>(leaf_index)].sample(rng)];
}

int32_t ShopCatalog::sample_popular(Rng& rng) const { return static_cast<int32_t>(popular_sampler_.sample(rng)); }

int32_t ShopCatalog::random_leaf_of_department(int32_t department, Rng& rng) const {
  const auto& leaves = departments_[static_cast<size_t>(department)].leaves;
  return leaves[rng.below(leaves.size())];
}

int32_t ShopCatalog::random_leaf_of_category(int32_t category, Rng& rng) const {
  const auto& leaves = categories_[static_cast<size_t>(category)].leaves;
  return leaves[rng.below(leaves.size())];
}

void ShopCatalog::write(const std::string& catalog_path, const std::string& corpus_path) const {
  JsonlWriter catalog(catalog_path);
  AtomicFile corpus(corpus_path);
  for (int32_t i = 0; i < static_cast<int32_t>(items_.size()); ++i) {
    Item item = public_item(i);
    catalog.write(item_to_json(item));
    corpus.stream() << item.title << ". " << item.text << '\n';
  }
  catalog.commit();
  corpus.commit();
}

}  // namespace gr2::synth
