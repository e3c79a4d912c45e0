// The heuristic teacher: sampled rankings and the compact three-step rationale (see
// heuristic_teacher.h).
#include "gr2/train/traces/teachers/heuristic_teacher.h"

#include <algorithm>
#include <cmath>

#include "gr2/core/error.h"
#include "gr2/core/rng.h"
#include "gr2/train/traces/teachers/plackett_luce.h"

namespace gr2::train::traces::teachers {
namespace {

// The last component of "A > B > C", sanitized.
std::string last_part(const std::string& path) {
  const size_t at = path.rfind(" > ");
  return prompt::sanitize_text(at == std::string::npos ? path : path.substr(at + 3));
}

}  // namespace

HeuristicTeacher::HeuristicTeacher(const Catalog& catalog, const std::vector<Event>& train_events,
                                   const prompt::PromptRenderer& renderer, HeuristicTeacherOptions options)
    : catalog_(&catalog),
      renderer_(&renderer),
      options_(options),
      heuristic_(catalog, train_events, options.heuristic) {
  require(std::isfinite(options_.temperature) && options_.temperature >= 0,
          "heuristic teacher: temperature must be >= 0, got " + std::to_string(options_.temperature));
  require(options_.max_history >= -1, "heuristic teacher: max_history must be >= -1");
  require(options_.strong >= 1, "heuristic teacher: strong must be >= 1");
}

Json HeuristicTeacher::describe() const {
  return Json{{"teacher", name()},
              {"temperature", options_.temperature},
              {"seed", options_.seed},
              {"max_history", options_.max_history},
              {"strong", options_.strong},
              {"fitted_events", heuristic_.fitted_events()}};
}

std::string HeuristicTeacher::leaf_of(const std::string& item_id) const {
  const auto idx = catalog_->find(item_id);
  if (!idx) return "";
  const Item& item = catalog_->at(*idx);
  return item.category.empty() ? "" : prompt::sanitize_text(item.category.back());
}

std::string HeuristicTeacher::rationale(const RankRequest& request, const HeuristicExplanation& ex,
                                        const std::vector<int>& order) const {
  check_internal(is_permutation_of(order, request.size()), "heuristic teacher: order is not a permutation");
  std::string out = "1. History: ";
  const HistoryPatterns& p = ex.patterns;
  if (p.recent_items.empty()) {
    out += "none.";
  } else {
    // Frequent = shared by at least two history items.
    std::string groups;
    for (size_t i = 0, shown = 0; i < p.categories.size() && shown < 2; ++i) {
      if (p.categories[i].items.size() < 2) continue;
      groups += (shown++ ? ", " : "") + last_part(p.categories[i].name);
    }
    if (!p.brands.empty() && p.brands[0].items.size() >= 2) {
      groups += (groups.empty() ? "brand " : "; brand ") + prompt::sanitize_text(p.brands[0].name);
    }
    if (!groups.empty()) out += groups + ". ";
    const std::string& last = p.recent_items[0];
    out += "Last " + renderer_->item_sid(last);
    for (const auto& f : p.followups) {
      if (f.after_item == last) {
        out += ", then often " + last_part(f.next_category);
        break;
      }
    }
    out += ".";
  }

  out += "\n2. ";
  const size_t strong = std::min(order.size(), static_cast<size_t>(options_.strong));
  for (size_t r = 0; r < strong; ++r) {
    const CandidateScore& c = ex.candidates[static_cast<size_t>(order[r])];
    std::vector<const FeatureContribution*> evidence;
    for (const auto& f : c.features) {
      if (f.feature != "position" && f.contribution > 0) evidence.push_back(&f);
    }
    std::stable_sort(evidence.begin(), evidence.end(),
                     [](const auto* a, const auto* b) { return a->contribution > b->contribution; });
    const bool has_leaf = std::any_of(evidence.begin(), evidence.end(), [](const auto* f) { return f->feature == "leaf"; });
    const auto idx = catalog_->find(c.item_id);
    const Item* item = idx ? &catalog_->at(*idx) : nullptr;
    std::vector<std::string> phrases;
    for (const FeatureContribution* f : evidence) {
      if (phrases.size() == 2) break;
      std::string phrase;
      if (f->feature == "transition") {
        const std::string from = leaf_of(f->evidence_item);
        if (!from.empty()) phrase = "follows " + from;
      } else if (f->feature == "leaf") {
        if (item && !item->category.empty()) phrase = "matches " + prompt::sanitize_text(item->category.back());
      } else if (f->feature == "parent") {
        if (!has_leaf && item && item->category.size() >= 2) {
          phrase = "near " + prompt::sanitize_text(item->category[item->category.size() - 2]);
        }
      } else if (f->feature == "brand") {
        if (item && !item->brand.empty()) phrase = "brand " + prompt::sanitize_text(item->brand);
      } else if (f->feature == "repeat") {
        phrase = "rebuy";
      }
      if (!phrase.empty()) phrases.push_back(phrase);
    }
    if (phrases.empty()) phrases.push_back("upstream #" + std::to_string(c.index + 1));
    out += (r ? "; " : "") + renderer_->item_sid(c.item_id) + " ";
    for (size_t i = 0; i < phrases.size(); ++i) out += (i ? ", " : "") + phrases[i];
  }
  out += ".\n3. Choice: " + renderer_->item_sid(request.candidates[static_cast<size_t>(order[0])].item_id) + ".";
  return out;
}

std::string HeuristicTeacher::template_text() {
  return "1. History: none. Last, then often.\n"
         "1. History: A, B; brand C. Last, then often D.\n"
         "2. follows A, brand B; matches C; near D; rebuy; upstream #1.\n"
         "3. Choice: .";
}

TeacherTrace HeuristicTeacher::teach(const TeachRequest& t) {
  check_internal(t.request != nullptr, "heuristic teacher: no request");
  const RankRequest& full = *t.request;
  require(t.target >= -1 && t.target < full.size(),
          "heuristic teacher: target " + std::to_string(t.target) + " is not a candidate of request '" +
              full.request_id + "'");
  RankRequest request = full;
  if (options_.max_history >= 0 && request.history.size() > static_cast<size_t>(options_.max_history)) {
    request.history.erase(request.history.begin(),
                          request.history.end() - static_cast<std::ptrdiff_t>(options_.max_history));
  }
  const HeuristicExplanation ex = heuristic_.explain(request);
  std::vector<double> scores;
  scores.reserve(ex.candidates.size());
  for (const auto& c : ex.candidates) scores.push_back(c.score);

  TeacherTrace trace;
  trace.seed = attempt_seed(options_.seed, full.request_id, t.attempt);
  Rng rng(trace.seed);
  if (t.target < 0) {
    trace.order = sample_plackett_luce(scores, options_.temperature, rng);
  } else {
    std::vector<int> rest;
    std::vector<double> rest_scores;
    for (int i = 0; i < full.size(); ++i) {
      if (i == t.target) continue;
      rest.push_back(i);
      rest_scores.push_back(scores[static_cast<size_t>(i)]);
    }
    trace.order = {t.target};
    for (int r : sample_plackett_luce(rest_scores, options_.temperature, rng)) trace.order.push_back(rest[static_cast<size_t>(r)]);
  }
  trace.reasoning = rationale(request, ex, trace.order);
  trace.valid = true;
  trace.info["scores"] = scores;  // per candidate (incoming order): soft targets for SFT's choice loss

  return trace;
}

}  // namespace gr2::train::traces::teachers
