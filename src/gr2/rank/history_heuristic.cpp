// The history heuristic: fitting from training events, scoring, and the three-step rationale
// (see history_heuristic.h).
#include "gr2/rank/history_heuristic.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>
#include <unordered_set>

#include "gr2/core/error.h"

namespace gr2 {
namespace {

std::string join(const std::vector<std::string>& parts, size_t count) {
  std::string out;
  for (size_t i = 0; i < count && i < parts.size(); ++i) out += (i ? " > " : "") + parts[i];
  return out;
}

int32_t intern(std::unordered_map<std::string, int32_t>& index, std::vector<std::string>& names,
               const std::string& name) {
  auto [it, inserted] = index.emplace(name, static_cast<int32_t>(names.size()));
  if (inserted) names.push_back(name);
  return it->second;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// The last component of "A > B > C".
std::string last_part(const std::string& path) {
  const size_t at = path.rfind(" > ");
  return at == std::string::npos ? path : path.substr(at + 3);
}

}  // namespace

HistoryHeuristic::HistoryHeuristic(const Catalog& catalog, const std::vector<Event>& train_events,
                                   HeuristicOptions options)
    : catalog_(&catalog), options_(options) {
  require(options_.recency_half_life > 0, "heuristic: recency_half_life must be > 0");
  require(options_.transition_window >= 1, "heuristic: transition_window must be >= 1");
  require(options_.transition_smoothing > 0 && options_.repeat_smoothing > 0,
          "heuristic: smoothing pseudo-counts must be > 0");
  // Category and brand keys of every catalog item.
  std::unordered_map<std::string, int32_t> parent_index, brand_index;
  item_keys_.resize(catalog.size());
  for (size_t i = 0; i < catalog.size(); ++i) {
    const Item& item = catalog.at(static_cast<int32_t>(i));
    ItemKeys& k = item_keys_[i];
    if (!item.category.empty()) k.leaf = intern(leaf_index_, leaf_names_, join(item.category, item.category.size()));
    if (item.category.size() >= 2) k.parent = intern(parent_index, parent_names_, join(item.category, item.category.size() - 1));
    if (!item.brand.empty()) k.brand = intern(brand_index, brand_names_, item.brand);
  }
  const size_t num_leaves = leaf_names_.size();
  from_totals_.assign(num_leaves, 0.0);
  next_marginal_.assign(num_leaves, 0.0);
  repeat_log_ratio_.assign(num_leaves, 0.0);

  // Per user, time order (stable: file order breaks ties).
  std::vector<int32_t> item_of(train_events.size(), -1);
  for (size_t e = 0; e < train_events.size(); ++e) {
    if (auto idx = catalog.find(train_events[e].item_id)) item_of[e] = *idx;
  }
  std::vector<size_t> order(train_events.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Event& x = train_events[a];
    const Event& y = train_events[b];
    if (x.user_id != y.user_id) return x.user_id < y.user_id;
    return x.ts < y.ts;
  });

  std::vector<double> leaf_events(num_leaves, 0.0), leaf_repeats(num_leaves, 0.0);
  double total_events = 0, total_repeats = 0;
  std::unordered_set<int32_t> seen;
  int32_t previous_leaf = -1;
  int32_t previous_item = -1;
  const std::string* current_user = nullptr;
  for (size_t e : order) {
    const Event& event = train_events[e];
    if (!current_user || *current_user != event.user_id) {
      current_user = &event.user_id;
      seen.clear();
      previous_leaf = -1;
      previous_item = -1;
    }
    const int32_t item = item_of[e];
    if (item < 0) continue;
    ++fitted_events_;
    const int32_t leaf = item_keys_[static_cast<size_t>(item)].leaf;
    if (leaf < 0) continue;
    const bool repeat = !seen.insert(item).second;
    leaf_events[static_cast<size_t>(leaf)] += 1;
    total_events += 1;
    if (repeat) {
      leaf_repeats[static_cast<size_t>(leaf)] += 1;
      total_repeats += 1;
    }
    if (previous_leaf >= 0 && previous_item != item) {
      transition_counts_[static_cast<int64_t>(previous_leaf) * static_cast<int64_t>(num_leaves) + leaf] += 1;
      from_totals_[static_cast<size_t>(previous_leaf)] += 1;
      next_marginal_[static_cast<size_t>(leaf)] += 1;
    }
    previous_leaf = leaf;
    previous_item = item;
  }
  // Laplace-smoothed marginal of the next leaf.
  double transitions = 0;
  for (double c : next_marginal_) transitions += c;
  for (auto& m : next_marginal_) m = (m + 1.0) / (transitions + static_cast<double>(num_leaves));
  // Repeat rate per leaf relative to the mean, smoothed toward the mean.
  const double mean_rate = (total_repeats + 1.0) / (total_events + 2.0);
  for (size_t l = 0; l < num_leaves; ++l) {
    const double rate = (leaf_repeats[l] + options_.repeat_smoothing * mean_rate) /
                        (leaf_events[l] + options_.repeat_smoothing);
    repeat_log_ratio_[l] = std::log(rate / mean_rate);
  }
}

const HistoryHeuristic::ItemKeys* HistoryHeuristic::keys_of(const std::string& item_id) const {
  auto idx = catalog_->find(item_id);
  return idx ? &item_keys_[static_cast<size_t>(*idx)] : nullptr;
}

double HistoryHeuristic::next_probability(int32_t from, int32_t to) const {
  const double marginal = next_marginal_[static_cast<size_t>(to)];
  if (from < 0) return marginal;
  const int64_t key = static_cast<int64_t>(from) * static_cast<int64_t>(leaf_names_.size()) + to;
  auto it = transition_counts_.find(key);
  const double count = it == transition_counts_.end() ? 0.0 : it->second;
  return (count + options_.transition_smoothing * marginal) /
         (from_totals_[static_cast<size_t>(from)] + options_.transition_smoothing);
}

double HistoryHeuristic::lift(int32_t from, int32_t to) const {
  return std::log(next_probability(from, to) / next_marginal_[static_cast<size_t>(to)]);
}

double HistoryHeuristic::transition_probability(const std::string& from, const std::string& to) const {
  auto t = leaf_index_.find(to);
  if (t == leaf_index_.end()) return 0.0;
  auto f = leaf_index_.find(from);
  return next_probability(f == leaf_index_.end() ? -1 : f->second, t->second);
}

std::vector<double> HistoryHeuristic::recency_weights(size_t n) const {
  std::vector<double> w(n);
  for (size_t j = 0; j < n; ++j) {
    const double age = static_cast<double>(n - 1 - j);  // 0 for the latest event
    w[j] = std::pow(0.5, age / options_.recency_half_life);
  }
  return w;
}

std::vector<CandidateScore> HistoryHeuristic::score(const RankRequest& request) const {
  const size_t n = request.history.size();
  std::vector<const ItemKeys*> history(n);
  for (size_t j = 0; j < n; ++j) history[j] = keys_of(request.history[j]);
  const std::vector<double> w = recency_weights(n);
  double total_w = 0;
  for (size_t j = 0; j < n; ++j) total_w += history[j] ? w[j] : 0.0;

  std::vector<CandidateScore> out;
  out.reserve(request.candidates.size());
  for (int c = 0; c < request.size(); ++c) {
    CandidateScore cs;
    cs.index = c;
    cs.item_id = request.candidates[static_cast<size_t>(c)].item_id;
    const ItemKeys* key = keys_of(cs.item_id);
    FeatureContribution leaf{"leaf", 0, options_.weight_leaf, 0, "", ""};
    FeatureContribution parent{"parent", 0, options_.weight_parent, 0, "", ""};
    FeatureContribution brand{"brand", 0, options_.weight_brand, 0, "", ""};
    FeatureContribution transition{"transition", 0, options_.weight_transition, 0, "", ""};
    FeatureContribution repeat{"repeat", 0, options_.weight_repeat, 0, "", ""};
    FeatureContribution position{"position", -std::log2(1.0 + c), options_.weight_position, 0, "",
                                 "incoming position " + std::to_string(c + 1)};
    if (key && total_w > 0) {
      double best_transition = 0;
      double window_w = 0;
      int seen_in_window = 0;
      // Newest first, so evidence cites the most recent supporting item.
      for (size_t back = 0; back < n; ++back) {
        const size_t j = n - 1 - back;
        const ItemKeys* h = history[j];
        if (!h) continue;
        const std::string& hid = request.history[j];
        if (key->leaf >= 0 && h->leaf == key->leaf) {
          leaf.value += w[j];
          if (leaf.evidence_item.empty()) leaf.evidence_item = hid;
        }
        if (key->parent >= 0 && h->parent == key->parent) {
          parent.value += w[j];
          if (parent.evidence_item.empty()) parent.evidence_item = hid;
        }
        if (key->brand >= 0 && h->brand == key->brand) {
          brand.value += w[j];
          if (brand.evidence_item.empty()) brand.evidence_item = hid;
        }
        if (hid == cs.item_id && repeat.evidence_item.empty() && key->leaf >= 0) {
          repeat.value = repeat_log_ratio_[static_cast<size_t>(key->leaf)];
          repeat.evidence_item = hid;
        }
        if (seen_in_window < options_.transition_window && h->leaf >= 0 && key->leaf >= 0) {
          ++seen_in_window;
          const double l = std::max(0.0, lift(h->leaf, key->leaf));
          transition.value += w[j] * l;
          window_w += w[j];
          if (w[j] * l > best_transition) {
            best_transition = w[j] * l;
            transition.evidence_item = hid;
            transition.detail = last_part(leaf_names_[static_cast<size_t>(h->leaf)]) + " -> " +
                                last_part(leaf_names_[static_cast<size_t>(key->leaf)]) + " (P = " +
                                fixed(next_probability(h->leaf, key->leaf), 2) + ")";
          }
        }
      }
      leaf.value /= total_w;
      parent.value /= total_w;
      brand.value /= total_w;
      if (window_w > 0) transition.value /= window_w;
      if (key->leaf >= 0) leaf.detail = "category " + leaf_names_[static_cast<size_t>(key->leaf)];
      if (key->parent >= 0) parent.detail = "category " + parent_names_[static_cast<size_t>(key->parent)];
      if (key->brand >= 0) brand.detail = "brand " + brand_names_[static_cast<size_t>(key->brand)];
      if (!repeat.evidence_item.empty()) {
        repeat.detail = std::string(repeat.value >= 0 ? "re-bought often" : "rarely re-bought") + " in " +
                        last_part(leaf_names_[static_cast<size_t>(key->leaf)]);
      }
    }
    cs.features = {leaf, parent, brand, transition, repeat, position};
    for (auto& f : cs.features) {
      f.contribution = f.weight * f.value;
      cs.score += f.contribution;
    }
    out.push_back(std::move(cs));
  }
  return out;
}

namespace {
std::vector<int> order_by_score(const std::vector<CandidateScore>& scores) {
  std::vector<int> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return scores[static_cast<size_t>(a)].score > scores[static_cast<size_t>(b)].score; });
  return order;
}
}  // namespace

PolicyAnswer HistoryHeuristic::rank(const RankRequest& request) {
  PolicyAnswer answer;
  answer.order = order_by_score(score(request));
  return answer;
}

HeuristicExplanation HistoryHeuristic::explain(const RankRequest& request) const {
  HeuristicExplanation ex;
  ex.request_id = request.request_id;
  ex.candidates = score(request);

  // Step 1: frequent leaf categories and brands (recency-weighted), recent items, what follows.
  const size_t n = request.history.size();
  const std::vector<double> w = recency_weights(n);
  std::unordered_map<int32_t, HistoryPatterns::Group> leaves, brands;
  double total_w = 0;
  for (size_t back = 0; back < n; ++back) {
    const size_t j = n - 1 - back;
    const ItemKeys* h = keys_of(request.history[j]);
    if (!h) continue;
    total_w += w[j];
    auto add = [&](std::unordered_map<int32_t, HistoryPatterns::Group>& groups, int32_t key,
                   const std::vector<std::string>& names) {
      if (key < 0) return;
      auto& g = groups[key];
      g.name = names[static_cast<size_t>(key)];
      g.weight += w[j];
      const std::string& id = request.history[j];
      if (g.items.size() < 3 && std::find(g.items.begin(), g.items.end(), id) == g.items.end()) g.items.push_back(id);
    };
    add(leaves, h->leaf, leaf_names_);
    add(brands, h->brand, brand_names_);
    if (ex.patterns.recent_items.size() < 3) ex.patterns.recent_items.push_back(request.history[j]);
  }
  auto top = [&](std::unordered_map<int32_t, HistoryPatterns::Group>& groups) {
    std::vector<HistoryPatterns::Group> v;
    for (auto& [key, g] : groups) {
      g.weight /= total_w;
      v.push_back(g);
    }
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      return a.weight != b.weight ? a.weight > b.weight : a.name < b.name;
    });
    if (v.size() > 3) v.resize(3);
    return v;
  };
  ex.patterns.categories = top(leaves);
  ex.patterns.brands = top(brands);
  for (const std::string& id : ex.patterns.recent_items) {
    const ItemKeys* h = keys_of(id);
    if (!h || h->leaf < 0) continue;
    std::vector<std::pair<double, int32_t>> next;
    for (size_t to = 0; to < leaf_names_.size(); ++to) {
      if (lift(h->leaf, static_cast<int32_t>(to)) > 0) next.emplace_back(next_probability(h->leaf, static_cast<int32_t>(to)), static_cast<int32_t>(to));
    }
    std::sort(next.begin(), next.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    for (size_t k = 0; k < next.size() && k < 2; ++k) {
      ex.patterns.followups.push_back({id, leaf_names_[static_cast<size_t>(h->leaf)],
                                       leaf_names_[static_cast<size_t>(next[k].second)], next[k].first});
    }
  }

  // Step 3 (the order) first, as step 2 follows it.
  ex.choice.order = order_by_score(ex.candidates);
  // Step 2: the strongest candidates and their evidence.
  for (size_t r = 0; r < ex.choice.order.size() && r < 3; ++r) {
    const CandidateScore& cs = ex.candidates[static_cast<size_t>(ex.choice.order[r])];
    CandidateMatch m;
    m.index = cs.index;
    m.item_id = cs.item_id;
    m.score = cs.score;
    for (const auto& f : cs.features) {
      if (f.contribution != 0) m.evidence.push_back(f);
    }
    std::stable_sort(m.evidence.begin(), m.evidence.end(), [](const auto& a, const auto& b) {
      return std::abs(a.contribution) > std::abs(b.contribution);
    });
    ex.strong.push_back(std::move(m));
  }
  if (!ex.choice.order.empty()) {
    const CandidateScore& best = ex.candidates[static_cast<size_t>(ex.choice.order[0])];
    ex.choice.top_item = best.item_id;
    ex.choice.top_incoming_index = best.index;
    ex.choice.margin = ex.choice.order.size() > 1
                           ? best.score - ex.candidates[static_cast<size_t>(ex.choice.order[1])].score
                           : 0.0;
    double largest = 0;
    for (const auto& f : best.features) {
      if (f.feature != "position" && f.contribution > largest) {
        largest = f.contribution;
        ex.choice.deciding_feature = f.feature;
      }
    }
  }
  return ex;
}

namespace {
Json contribution_json(const FeatureContribution& f) {
  Json j{{"feature", f.feature}, {"value", f.value}, {"weight", f.weight}, {"contribution", f.contribution}};
  if (!f.evidence_item.empty()) j["evidence_item"] = f.evidence_item;
  if (!f.detail.empty()) j["detail"] = f.detail;
  return j;
}
Json group_json(const HistoryPatterns::Group& g) {
  return Json{{"name", g.name}, {"weight", g.weight}, {"items", g.items}};
}
}  // namespace

Json HeuristicExplanation::to_json() const {
  Json categories = Json::array(), brand_list = Json::array(), followup_list = Json::array();
  for (const auto& g : patterns.categories) categories.push_back(group_json(g));
  for (const auto& g : patterns.brands) brand_list.push_back(group_json(g));
  for (const auto& f : patterns.followups) {
    followup_list.push_back(Json{{"after_item", f.after_item}, {"from_category", f.from_category},
                                 {"next_category", f.next_category}, {"probability", f.probability}});
  }
  Json cands = Json::array();
  for (const auto& c : candidates) {
    Json features = Json::array();
    for (const auto& f : c.features) features.push_back(contribution_json(f));
    cands.push_back(Json{{"index", c.index}, {"item_id", c.item_id}, {"score", c.score}, {"features", features}});
  }
  Json matches = Json::array();
  for (const auto& m : strong) {
    Json evidence = Json::array();
    for (const auto& f : m.evidence) evidence.push_back(contribution_json(f));
    matches.push_back(Json{{"index", m.index}, {"item_id", m.item_id}, {"score", m.score}, {"evidence", evidence}});
  }
  return Json{{"request_id", request_id},
              {"patterns", {{"categories", categories}, {"brands", brand_list},
                            {"recent_items", patterns.recent_items}, {"followups", followup_list}}},
              {"matches", matches},
              {"choice", {{"order", choice.order}, {"top_item", choice.top_item},
                          {"top_incoming_index", choice.top_incoming_index}, {"margin", choice.margin},
                          {"deciding_feature", choice.deciding_feature}}},
              {"candidates", cands}};
}

std::string render_explanation(const HeuristicExplanation& ex, const Catalog* catalog) {
  auto cite = [&](const std::string& id) {
    if (catalog) {
      if (auto idx = catalog->find(id)) return id + " (" + catalog->at(*idx).title + ")";
    }
    return id;
  };
  auto cite_list = [&](const std::vector<std::string>& ids) {
    std::string out;
    for (size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + ids[i];
    return out;
  };
  std::ostringstream s;
  s << "Step 1 - patterns in the history: ";
  if (ex.patterns.recent_items.empty()) {
    s << "the history is empty, so only the incoming order informs the choice.";
  } else {
    s << "frequent categories: ";
    for (size_t i = 0; i < ex.patterns.categories.size(); ++i) {
      const auto& g = ex.patterns.categories[i];
      s << (i ? "; " : "") << g.name << " " << fixed(100 * g.weight, 0) << "% (" << cite_list(g.items) << ")";
    }
    if (!ex.patterns.brands.empty()) {
      s << ". Frequent brands: ";
      for (size_t i = 0; i < ex.patterns.brands.size(); ++i) {
        const auto& g = ex.patterns.brands[i];
        s << (i ? "; " : "") << g.name << " " << fixed(100 * g.weight, 0) << "% (" << cite_list(g.items) << ")";
      }
    }
    s << ". Most recent: ";
    for (size_t i = 0; i < ex.patterns.recent_items.size(); ++i) s << (i ? ", " : "") << cite(ex.patterns.recent_items[i]);
    if (!ex.patterns.followups.empty()) {
      s << ". What usually follows: ";
      for (size_t i = 0; i < ex.patterns.followups.size(); ++i) {
        const auto& f = ex.patterns.followups[i];
        s << (i ? "; " : "") << "after " << f.after_item << " (" << last_part(f.from_category) << ") comes "
          << last_part(f.next_category) << " (P = " << fixed(f.probability, 2) << ")";
      }
    }
    s << ".";
  }
  s << "\nStep 2 - how the strong candidates match: ";
  for (size_t i = 0; i < ex.strong.size(); ++i) {
    const auto& m = ex.strong[i];
    s << (i ? " " : "") << cite(m.item_id) << " (incoming #" << m.index + 1 << ", score " << fixed(m.score, 2) << "): ";
    bool any = false;
    for (const auto& f : m.evidence) {
      if (f.feature == "position") continue;
      s << (any ? ", " : "") << f.feature;
      if (!f.detail.empty()) s << " " << f.detail;
      if (!f.evidence_item.empty()) s << " via " << f.evidence_item;
      s << " (" << (f.contribution >= 0 ? "+" : "") << fixed(f.contribution, 2) << ")";
      any = true;
    }
    if (!any) s << "no match with the history, kept by its incoming position";
    s << ".";
  }
  s << "\nStep 3 - choice: ";
  if (!ex.choice.order.empty()) {
    s << ex.choice.top_item << " first";
    if (ex.choice.top_incoming_index == 0) s << " (kept from incoming #1)";
    else s << " (moved up from incoming #" << ex.choice.top_incoming_index + 1 << ")";
    if (!ex.choice.deciding_feature.empty()) s << ", mainly by " << ex.choice.deciding_feature;
    s << ", margin " << fixed(ex.choice.margin, 2) << ". Ranking: ";
    for (size_t r = 0; r < ex.choice.order.size(); ++r) {
      s << (r ? " " : "") << ex.candidates[static_cast<size_t>(ex.choice.order[r])].item_id;
    }
    s << ".";
  }
  return s.str();
}

}  // namespace gr2
