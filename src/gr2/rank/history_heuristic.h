// "heuristic": a history-aware re-ranker without a model. It scores each candidate by what the
// request's history shows (recency-weighted category and brand affinity, learned "what follows
// what" transitions between leaf categories, repeat behaviour) plus a small prior from the incoming
// position, and explains its choice as a structured three-step rationale that cites items by id
// (the shape of the GR2 teacher's reasoning: patterns -> matches -> choice).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/data/catalog.h"
#include "gr2/data/events.h"
#include "gr2/rank/policy.h"

namespace gr2 {

// Weights and smoothing of the heuristic. score = sum over features of weight * value:
//   leaf       recency-weighted share of history events in the candidate's leaf category   [0, 1]
//   parent     same for the parent category (e.g. "Beauty > Hair Care")                   [0, 1]
//   brand      same for the candidate's brand                                               [0, 1]
//   transition recency-weighted mean over the latest `transition_window` history events of
//              max(0, log lift) of "leaf of that event -> candidate's leaf", learned from
//              consecutive training events per user and smoothed toward the marginal      [0, ~5]
//   repeat     when the candidate itself is in the history: log of its leaf's learned repeat
//              rate over the average repeat rate (negative for durables), else 0           [~-3, ~3]
//   position   -log2(1 + incoming position): 0 for the first candidate, -3.3 for the tenth
struct HeuristicOptions {
  double recency_half_life = 4.0;    // in events: the r-th latest event weighs 0.5^(r / half_life)
  int transition_window = 3;         // latest history events whose successors are looked up
  double transition_smoothing = 10;  // pseudo-count pulling P(next | leaf) toward P(next)
  double repeat_smoothing = 20;      // pseudo-count pulling a leaf's repeat rate toward the mean
  double weight_leaf = 1.0;
  double weight_parent = 0.6;
  double weight_brand = 1.0;
  double weight_transition = 0.8;
  double weight_repeat = 0.6;
  double weight_position = 0.35;
};

// One feature's part of a candidate's score.
struct FeatureContribution {
  std::string feature;   // "leaf", "parent", "brand", "transition", "repeat", "position"
  double value = 0;      // the feature value (see HeuristicOptions)
  double weight = 0;
  double contribution = 0;  // weight * value
  std::string evidence_item;  // history item id that supports it most ("" when none)
  std::string detail;    // human-readable fact, e.g. "Shampoo -> Conditioner (P = 0.31)"
};

// A candidate's score with its features, in the order of HeuristicOptions.
struct CandidateScore {
  int index = 0;         // position in the incoming order (0-based)
  std::string item_id;
  double score = 0;
  std::vector<FeatureContribution> features;
};

// Step 1: patterns in the history.
struct HistoryPatterns {
  struct Group {                      // a frequent leaf category or brand
    std::string name;                 // "Beauty > Hair Care > Shampoo" or "Lumora"
    double weight = 0;                // recency-weighted share of the history
    std::vector<std::string> items;   // cited history items, newest first (at most 3)
  };
  struct Followup {                   // what usually follows a recent item
    std::string after_item;           // history item id
    std::string from_category;        // its leaf category
    std::string next_category;        // a likely next leaf category
    double probability = 0;           // smoothed P(next | from), learned from training events
  };
  std::vector<Group> categories;      // top leaf categories (at most 3)
  std::vector<Group> brands;          // top brands (at most 3)
  std::vector<std::string> recent_items;  // latest history items, newest first (at most 3)
  std::vector<Followup> followups;
};

// Step 2: how a strong candidate matches the patterns.
struct CandidateMatch {
  int index = 0;
  std::string item_id;
  double score = 0;
  std::vector<FeatureContribution> evidence;  // its features with a non-zero contribution,
                                              // largest first
};

// Step 3: the choice.
struct RankingChoice {
  std::vector<int> order;          // the heuristic's ranking (indices into the candidates)
  std::string top_item;
  int top_incoming_index = 0;      // where the chosen top item was in the incoming order
  double margin = 0;               // score(rank 1) - score(rank 2)
  std::string deciding_feature;    // the top item's largest non-position contribution ("" if none)
};

// The full rationale for one request.
struct HeuristicExplanation {
  std::string request_id;
  HistoryPatterns patterns;
  std::vector<CandidateScore> candidates;  // incoming order
  std::vector<CandidateMatch> strong;      // the top candidates (at most 3), best first
  RankingChoice choice;

  Json to_json() const;
};

// The rationale as three numbered steps of plain text, citing items by id (and title when
// `catalog` is given).
std::string render_explanation(const HeuristicExplanation& explanation, const Catalog* catalog = nullptr);

class HistoryHeuristic : public Policy {
 public:
  // Learns transitions and repeat rates from `train_events` (grouped by user, time order within a
  // user; file order breaks ties). Only training events may be given: nothing else is read.
  // Items unknown to `catalog` are skipped. `catalog` must outlive the policy.
  HistoryHeuristic(const Catalog& catalog, const std::vector<Event>& train_events,
                   HeuristicOptions options = {});

  std::string name() const override { return "heuristic"; }
  // Sorts candidates by score (descending); ties keep the incoming order. Always valid.
  PolicyAnswer rank(const RankRequest& request) override;

  // Per-candidate scores and feature contributions, in incoming order. History or candidate items
  // unknown to the catalog contribute nothing.
  std::vector<CandidateScore> score(const RankRequest& request) const;
  // The structured rationale; its choice.order equals rank(request).order.
  HeuristicExplanation explain(const RankRequest& request) const;

  // Smoothed P(next leaf | previous leaf) learned from training events (by leaf category path,
  // e.g. "Beauty > Hair Care > Shampoo"); the marginal when `from` is unknown.
  double transition_probability(const std::string& from, const std::string& to) const;
  int64_t fitted_events() const { return fitted_events_; }
  const HeuristicOptions& options() const { return options_; }

 private:
  struct ItemKeys {
    int32_t leaf = -1;
    int32_t parent = -1;
    int32_t brand = -1;
  };
  const ItemKeys* keys_of(const std::string& item_id) const;
  double next_probability(int32_t from, int32_t to) const;  // smoothed P(to | from)
  double lift(int32_t from, int32_t to) const;              // log(P(to | from) / P(to))
  std::vector<double> recency_weights(size_t n) const;      // aligned with the history

  const Catalog* catalog_;
  HeuristicOptions options_;
  std::vector<ItemKeys> item_keys_;         // by catalog index
  std::vector<std::string> leaf_names_;     // "A > B > C"
  std::vector<std::string> parent_names_;   // "A > B"
  std::vector<std::string> brand_names_;
  std::unordered_map<std::string, int32_t> leaf_index_;
  std::unordered_map<int64_t, double> transition_counts_;  // from * num_leaves + to
  std::vector<double> from_totals_;         // [leaves]
  std::vector<double> next_marginal_;       // [leaves], smoothed P(to)
  std::vector<double> repeat_log_ratio_;    // [leaves]
  int64_t fitted_events_ = 0;
};

}  // namespace gr2
