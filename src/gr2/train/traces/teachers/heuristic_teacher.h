// The "heuristic" teacher: the built-in analyst grown from the history heuristic
// (gr2/rank/history_heuristic.h). It is the offline stand-in for the large teacher LLM of the GR2
// recipe (Qwen3-32B in the paper): no model, no network, milliseconds per slate, so the whole
// recipe runs on a laptop; a real teacher plugs in through HttpTeacher.
//
// Its trace is a compact three-step rationale with a fixed, small vocabulary (a tiny student learns
// it on CPU), citing items by SID spelling, then its ranking:
//
//   1. History: {leaf}, {leaf}; brand {brand}. Last {SID}, then often {leaf}.
//   2. {SID} follows {leaf}, brand {brand}; {SID} matches {leaf}; {SID} upstream #{k}.
//   3. Choice: {SID}.
//
// Step 1: the most frequent leaf categories (at most 2) and brand of the recency-weighted history
// (each shared by at least two history items; omitted otherwise),
// the newest history item and what usually follows its category in the training events (learned
// transitions). Step 2: the first `strong` candidates of the ranking, each with its (at most 2)
// strongest positive heuristic features: "follows X" (a learned transition from the history
// category X), "matches X" (same leaf category as history items), "near X" (same parent category),
// "brand X", "rebuy" (a re-bought item in a category people re-buy); "upstream #k" when nothing in
// the history supports it. Step 3: the chosen top item. Catalog names are sanitized
// (prompt::sanitize_text), so a rationale never contains a special token other than SIDs.
//
// Sampling: the ranking is a Plackett-Luce sample over heuristic score / temperature (Gumbel
// top-k), seeded by attempt_seed(seed, request id, attempt); temperature 0 gives the heuristic's
// own ranking (deterministic). In targeted mode the target is placed first and the other candidates
// follow in the (sampled) heuristic order; the rationale then explains the target with whatever the
// history offers, as a teacher that was told the answer would (post-hoc rationalisation is the
// known risk of targeted traces: GR2, arXiv 2602.07774, reasoning-trace generation).
#pragma once

#include <string>
#include <vector>

#include "gr2/data/catalog.h"
#include "gr2/data/events.h"
#include "gr2/prompt/prompt_renderer.h"
#include "gr2/rank/history_heuristic.h"
#include "gr2/train/traces/teachers/teacher.h"

namespace gr2::train::traces::teachers {

struct HeuristicTeacherOptions {
  double temperature = 0.0;  // >= 0; 0 = deterministic
  uint64_t seed = 0;
  int max_history = 20;      // newest history items the teacher considers, as the prompt's
                             // max_history (0 = none); -1 = all. Set it to the prompt's value so the
                             // teacher sees what the student will see
  int strong = 3;            // candidates explained in step 2 (>= 1; capped at K)
  HeuristicOptions heuristic;
};

class HeuristicTeacher : public Teacher {
 public:
  // Fits the heuristic on `train_events` (training events only). `catalog` and `renderer` (which
  // spells SIDs) must outlive the teacher. Throws Error on invalid options.
  HeuristicTeacher(const Catalog& catalog, const std::vector<Event>& train_events,
                   const prompt::PromptRenderer& renderer, HeuristicTeacherOptions options = {});

  std::string name() const override { return "heuristic"; }
  bool deterministic() const override { return options_.temperature == 0; }
  Json describe() const override;
  // Always valid. Throws Error when the target is out of range or an item has no SID.
  TeacherTrace teach(const TeachRequest& request) override;

  // The rationale of `order` for `request` (whose history is already cut to max_history), from the
  // heuristic's explanation of it.
  std::string rationale(const RankRequest& request, const HeuristicExplanation& explanation,
                        const std::vector<int>& order) const;

  // Every fixed word and punctuation mark of the rationale template, as text (no SIDs, no catalog
  // names). Add it, repeated a few hundred times, to a tokenizer's training corpus so that the
  // template words become single pieces: on the default synthetic world a rationale then costs ~81
  // tokens instead of ~112 with a vocabulary trained on the item corpus alone (docs/traces.md).
  static std::string template_text();

  const HistoryHeuristic& heuristic() const { return heuristic_; }
  const HeuristicTeacherOptions& options() const { return options_; }

 private:
  std::string leaf_of(const std::string& item_id) const;  // sanitized leaf category ("" if none)

  const Catalog* catalog_;
  const prompt::PromptRenderer* renderer_;
  HeuristicTeacherOptions options_;
  HistoryHeuristic heuristic_;
};

}  // namespace gr2::train::traces::teachers
