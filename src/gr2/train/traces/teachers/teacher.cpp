// Teacher helpers: modes, targets, per-attempt seeds (see teacher.h).
#include "gr2/train/traces/teachers/teacher.h"

#include <algorithm>
#include <unordered_set>

#include "gr2/core/error.h"
#include "gr2/core/rng.h"
#include "gr2/prompt/answer_parser.h"
#include "gr2/prompt/prompt_renderer.h"

namespace gr2::train::traces::teachers {

std::string teach_mode_name(TeachMode mode) {
  switch (mode) {
    case TeachMode::Targeted: return "targeted";
    case TeachMode::Rejection: return "rejection";
    case TeachMode::Distill: return "distill";
  }
  return "?";
}

TeachMode parse_teach_mode(const std::string& name) {
  if (name == "targeted") return TeachMode::Targeted;
  if (name == "rejection") return TeachMode::Rejection;
  if (name == "distill") return TeachMode::Distill;
  throw Error("unknown trace mode '" + name + "' (expected targeted, rejection or distill)");
}

int target_candidate(const std::vector<int>& labels) {
  int best = -1;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] > 0 && (best < 0 || labels[i] > labels[static_cast<size_t>(best)])) best = static_cast<int>(i);
  }
  return best;
}

bool check_citations(const std::string& reasoning, const RankRequest& request, const prompt::PromptRenderer& renderer,
                     TeacherTrace& trace) {
  const prompt::CandidateSids candidates = renderer.candidate_sids(request);
  std::unordered_set<std::string> shown(candidates.begin(), candidates.end());
  const auto& history = request.history;
  const size_t n = std::min(history.size(), static_cast<size_t>(std::max(0, renderer.options().max_history)));
  for (size_t i = history.size() - n; i < history.size(); ++i) shown.insert(renderer.item_sid(history[i]));
  for (const std::string& sid : prompt::cited_sids(reasoning)) {
    if (!shown.count(sid)) {
      trace.failure = "bad_citation";
      trace.message = "the reasoning cites " + sid + ", which is not an item of the prompt";
      return false;
    }
  }
  if (prompt::cited_candidates(reasoning, candidates).empty()) {
    trace.failure = "no_citation";
    trace.message = "the reasoning cites no candidate by SID";
    return false;
  }
  return true;
}

uint64_t attempt_seed(uint64_t seed, const std::string& request_id, int attempt) {
  return derive_seed(derive_seed(seed, request_id), "attempt-" + std::to_string(attempt));
}

std::vector<TeacherTrace> Teacher::teach_batch(const std::vector<TeachRequest>& requests) {
  std::vector<TeacherTrace> out;
  out.reserve(requests.size());
  for (const TeachRequest& r : requests) out.push_back(teach(r));
  return out;
}

}  // namespace gr2::train::traces::teachers
