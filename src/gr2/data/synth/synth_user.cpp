// The simulated user's tastes, dynamics and true relevance (see synth_user.h).
#include "gr2/data/synth/synth_user.h"

#include <algorithm>
#include <cmath>

namespace gr2::synth {
namespace {
constexpr size_t kMaxPurchases = 32;  // recent purchases that drive routines, repeats, ownership
constexpr double kSecondsPerDay = 86400.0;
}  // namespace

SynthUser::SynthUser(const SynthConfig& config, const ShopCatalog& shop, Rng& rng)
    : config_(&config), shop_(&shop) {
  const int num_departments = static_cast<int>(shop.departments().size());
  affinity_.assign(static_cast<size_t>(num_departments), 0.0);
  const int preferred = 1 + static_cast<int>(rng.below(static_cast<uint64_t>(std::min(3, num_departments))));
  for (auto& a : affinity_) a = rng.uniform(0.0, 0.2);
  std::vector<int32_t> order(static_cast<size_t>(num_departments));
  for (int d = 0; d < num_departments; ++d) order[static_cast<size_t>(d)] = d;
  rng.shuffle(order);
  for (int k = 0; k < preferred; ++k) affinity_[static_cast<size_t>(order[static_cast<size_t>(k)])] = rng.uniform(0.6, 1.0);
  splurge_department_ = order[0];
  focus_ = order[0];
  double u = rng.uniform();
  base_tier_ = u < 0.4 ? 0 : (u < 0.8 ? 1 : 2);

  affinity_seen_.resize(affinity_.size());
  for (size_t d = 0; d < affinity_.size(); ++d) affinity_seen_[d] = affinity_[d] + config.upstream_noise * rng.normal();

  const int dim = shop.feature_dim();
  taste_.resize(static_cast<size_t>(dim));
  taste_seen_.assign(static_cast<size_t>(dim), 0.0);
  const int visible = static_cast<int>(std::floor(config.upstream_visible * dim + 1e-9));
  for (int k = 0; k < dim; ++k) {
    taste_[static_cast<size_t>(k)] = rng.normal();
    if (k < visible) taste_seen_[static_cast<size_t>(k)] = taste_[static_cast<size_t>(k)] + config.upstream_noise * rng.normal();
  }

  for (int k = 0; k < preferred; ++k) {
    const DepartmentNode& dept = shop.departments()[static_cast<size_t>(order[static_cast<size_t>(k)])];
    const int count = 1 + static_cast<int>(rng.below(2));
    for (int b = 0; b < count; ++b) favourite_brands_.push_back(dept.brands[dept.brand_sampler.sample(rng)]);
  }
  loyalty_ = rng.uniform(0.2, 1.2);
  routine_adherence_ = rng.uniform(0.5, 1.5);
  repeat_factor_ = rng.uniform(0.8, 1.25);
}

double SynthUser::routine_signal(int32_t item, int64_t ts) const {
  const ShopItem& it = shop_->item(item);
  double best = 0;
  for (const Purchase& p : purchases_) {
    const ShopItem& bought = shop_->item(p.item);
    if (shop_->leaf(bought.leaf).next != it.leaf || ts <= p.ts) continue;
    const double age_days = static_cast<double>(ts - p.ts) / kSecondsPerDay;
    // Same-brand routines (this brand's shampoo, then its conditioner) are stronger.
    const double brand_match = bought.brand == it.brand ? 1.0 : 0.6;
    best = std::max(best, brand_match * std::exp(-age_days / config_->routine_days));
  }
  return best;
}

double SynthUser::repeat_signal(int32_t item, int64_t ts) const {
  const LeafType& lf = shop_->leaf(shop_->item(item).leaf);
  if (!lf.consumable) return 0;
  const double cycle = lf.repeat_days * repeat_factor_;
  double best = 0;
  for (const Purchase& p : purchases_) {
    if (p.item != item || ts <= p.ts) continue;
    const double age_days = static_cast<double>(ts - p.ts) / kSecondsPerDay;
    const double z = (age_days - cycle) / (0.35 * cycle);
    best = std::max(best, std::exp(-0.5 * z * z));
  }
  return best;
}

bool SynthUser::owns(int32_t item) const {
  if (shop_->leaf(shop_->item(item).leaf).consumable) return false;
  for (const Purchase& p : purchases_) {
    if (p.item == item) return true;
  }
  return false;
}

double SynthUser::relevance(int32_t item, int64_t ts) const {
  const SynthConfig& c = *config_;
  const ShopItem& it = shop_->item(item);
  const int32_t dept = shop_->department_of(item);
  const float* f = shop_->features(item);
  double taste = 0;
  for (size_t k = 0; k < taste_.size(); ++k) taste += taste_[k] * f[k];
  const bool favourite = std::find(favourite_brands_.begin(), favourite_brands_.end(), it.brand) != favourite_brands_.end();
  const int wanted_tier = dept == splurge_department_ ? 2 : base_tier_;
  double r = c.weight_department * affinity_[static_cast<size_t>(dept)];
  r += c.weight_focus * (dept == focus_ ? 1.0 : 0.0);
  r += c.weight_taste * taste;
  r += c.weight_brand * (favourite ? loyalty_ : 0.0);
  r -= c.weight_price * std::abs(static_cast<int>(it.tier) - wanted_tier);
  r += c.weight_popularity * it.popularity_z;
  r += c.weight_routine * routine_adherence_ * routine_signal(item, ts);
  r += c.weight_repeat * repeat_signal(item, ts);
  if (owns(item)) r -= c.owned_penalty;
  return r;
}

double SynthUser::upstream_view(int32_t item) const {
  const float* f = shop_->features(item);
  double taste = 0;
  for (size_t k = 0; k < taste_seen_.size(); ++k) taste += taste_seen_[k] * f[k];
  return affinity_seen_[static_cast<size_t>(shop_->department_of(item))] + config_->weight_taste * taste;
}

int32_t SynthUser::sample_upstream_department(Rng& rng) const {
  std::vector<double> w(affinity_seen_.size());
  for (size_t d = 0; d < w.size(); ++d) w[d] = std::max(0.0, affinity_seen_[d]) + 0.05;
  return static_cast<int32_t>(rng.categorical(w));
}

void SynthUser::drift(Rng& rng) {
  const double rho = config_->taste_drift;
  const double keep = std::sqrt(1.0 - rho * rho);
  for (auto& t : taste_) t = keep * t + rho * rng.normal();
  if (rng.bernoulli(config_->focus_switch)) {
    std::vector<double> w(affinity_.size());
    for (size_t d = 0; d < w.size(); ++d) w[d] = affinity_[d] + 0.1;
    focus_ = static_cast<int32_t>(rng.categorical(w));
  }
}

void SynthUser::record_purchase(int32_t item, int64_t ts) {
  if (purchases_.size() == kMaxPurchases) purchases_.erase(purchases_.begin());
  purchases_.push_back({item, ts});
}

int32_t SynthUser::choose_organic_purchase(int64_t ts, Rng& rng) const {
  // The leaf type: the next routine step of the latest purchase (as adherence allows), else a
  // leaf of a department drawn from the user's affinities and focus.
  int32_t leaf = -1;
  if (!purchases_.empty()) {
    const Purchase& last = purchases_.back();
    const int32_t next = shop_->leaf(shop_->item(last.item).leaf).next;
    if (next >= 0 && rng.bernoulli(std::min(0.9, 0.45 * routine_adherence_))) leaf = next;
  }
  if (leaf < 0) {
    std::vector<double> w(affinity_.size());
    for (size_t d = 0; d < w.size(); ++d) w[d] = affinity_[d] + (static_cast<int32_t>(d) == focus_ ? 0.8 : 0.0) + 0.02;
    leaf = shop_->random_leaf_of_department(static_cast<int32_t>(rng.categorical(w)), rng);
  }
  // The item: the best of a few popular items of that leaf, by true relevance plus taste noise.
  int32_t best = -1;
  double best_score = -1e300;
  for (int k = 0; k < 6; ++k) {
    int32_t candidate = shop_->sample_in_leaf(leaf, rng);
    if (candidate < 0) candidate = shop_->sample_popular(rng);
    const double score = relevance(candidate, ts) + rng.gumbel() * 0.5;
    if (score > best_score) {
      best_score = score;
      best = candidate;
    }
  }
  return best;
}

}  // namespace gr2::synth
