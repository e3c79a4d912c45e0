// Tests of the history heuristic: learned transitions, scores and their explanation agree with the
// ranking, the rationale cites history items, and it is fit on training events only.
#include <gtest/gtest.h>

#include <cstdlib>
#include <numeric>

#include "gr2/data/catalog.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/events.h"
#include "gr2/data/slates.h"
#include "gr2/data/synth/synth_config.h"
#include "gr2/data/synth/synth_world.h"
#include "gr2/rank/history_heuristic.h"
#include "test_util.h"

namespace gr2 {
namespace {

Catalog tiny_catalog() {
  Catalog c;
  auto add = [&](const char* id, std::vector<std::string> path, const char* brand) {
    c.add(Item{id, std::string(brand) + " " + path.back(), path, brand, ""});
  };
  add("S1", {"Beauty", "Hair Care", "Shampoo"}, "Alma");
  add("S2", {"Beauty", "Hair Care", "Shampoo"}, "Alma");
  add("C1", {"Beauty", "Hair Care", "Conditioner"}, "Bora");
  add("R1", {"Personal Care", "Shaving", "Razor"}, "Rex");
  add("B1", {"Personal Care", "Shaving", "Razor Blades"}, "Rex");
  add("K1", {"Kitchen", "Coffee", "Coffee Maker"}, "Kafa");
  add("K2", {"Kitchen", "Coffee", "Coffee Beans"}, "Kafa");
  return c;
}

std::vector<Event> tiny_events() {
  std::vector<Event> events;
  for (int u = 0; u < 20; ++u) {
    const std::string user = "u" + std::to_string(u);
    int64_t t = 100;
    for (const char* item : {"S1", "C1", "R1", "B1", "K1", "K2"}) events.push_back({user, item, t++, "purchase"});
  }
  return events;
}

RankRequest request(std::vector<std::string> history, std::vector<std::string> candidates) {
  RankRequest r;
  r.request_id = "q1";
  r.history = std::move(history);
  for (auto& id : candidates) r.candidates.push_back({id, 0.0});
  return r;
}

TEST(HistoryHeuristic, LearnsWhatFollowsWhat) {
  const Catalog catalog = tiny_catalog();
  HistoryHeuristic h(catalog, tiny_events());
  EXPECT_EQ(h.fitted_events(), 120);
  EXPECT_EQ(h.name(), "heuristic");
  const double after_shampoo = h.transition_probability("Beauty > Hair Care > Shampoo", "Beauty > Hair Care > Conditioner");
  const double unrelated = h.transition_probability("Beauty > Hair Care > Shampoo", "Kitchen > Coffee > Coffee Beans");
  EXPECT_GT(after_shampoo, 0.5);
  EXPECT_LT(unrelated, 0.1);
}

TEST(HistoryHeuristic, ExplanationMatchesRankingAndCitesHistory) {
  const Catalog catalog = tiny_catalog();
  HistoryHeuristic h(catalog, tiny_events());
  // Latest history item: a shampoo. The conditioner sits last in the incoming order.
  const RankRequest r = request({"K2", "S2"}, {"B1", "R1", "C1"});
  const PolicyAnswer answer = h.rank(r);
  ASSERT_TRUE(is_permutation_of(answer.order, 3));
  EXPECT_EQ(answer.order[0], 2) << "the conditioner follows the shampoo";

  const HeuristicExplanation ex = h.explain(r);
  EXPECT_EQ(ex.choice.order, answer.order);
  EXPECT_EQ(ex.choice.top_item, "C1");
  EXPECT_EQ(ex.choice.top_incoming_index, 2);
  EXPECT_EQ(ex.choice.deciding_feature, "transition");
  ASSERT_FALSE(ex.strong.empty());
  EXPECT_EQ(ex.strong[0].item_id, "C1");
  bool cites_shampoo = false;
  for (const auto& f : ex.strong[0].evidence) cites_shampoo |= f.feature == "transition" && f.evidence_item == "S2";
  EXPECT_TRUE(cites_shampoo);
  ASSERT_FALSE(ex.patterns.recent_items.empty());
  EXPECT_EQ(ex.patterns.recent_items[0], "S2");
  ASSERT_FALSE(ex.patterns.followups.empty());
  EXPECT_EQ(ex.patterns.followups[0].after_item, "S2");
  EXPECT_EQ(ex.patterns.followups[0].next_category, "Beauty > Hair Care > Conditioner");

  const std::string text = render_explanation(ex, &catalog);
  for (const char* fragment : {"Step 1", "Step 2", "Step 3", "S2", "C1 (Bora Conditioner)", "Shampoo -> Conditioner"}) {
    EXPECT_NE(text.find(fragment), std::string::npos) << fragment << " missing in:\n" << text;
  }
  const Json j = ex.to_json();
  EXPECT_EQ(j["choice"]["top_item"], "C1");
  EXPECT_EQ(j["candidates"].size(), 3u);
}

TEST(HistoryHeuristic, EmptyHistoryAndUnknownItemsKeepIncomingOrder) {
  const Catalog catalog = tiny_catalog();
  HistoryHeuristic h(catalog, tiny_events());
  EXPECT_EQ(h.rank(request({}, {"K1", "R1", "C1"})).order, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(h.rank(request({"nope"}, {"zz", "R1", "C1"})).order, (std::vector<int>{0, 1, 2}));
  EXPECT_NE(render_explanation(h.explain(request({}, {"K1", "R1"}))).find("history is empty"), std::string::npos);
}

// On a small synthetic world: fit on events_train only, explanations agree with every ranking.
TEST(HistoryHeuristic, OnSyntheticWorldFitsTrainEventsAndExplainsEveryRanking) {
  ::setenv("GR2_QUIET", "1", 1);
  TempDir tmp;
  synth::SynthConfig config;
  config.num_items = 600;
  config.num_users = 150;
  const synth::SynthSummary summary = synth::generate_world(config, tmp.path());
  const DataDir dir{tmp.path()};
  const Catalog catalog = Catalog::read_jsonl(dir.catalog());
  const std::vector<Event> train = read_events(dir.train_events(), &catalog);
  for (const Event& e : train) ASSERT_LT(e.ts, summary.split.valid_start) << "training events leak";
  HistoryHeuristic h(catalog, train);
  EXPECT_EQ(h.fitted_events(), static_cast<int64_t>(train.size()));

  int moved = 0;
  for (const Slate& s : read_slates(dir.slates(SplitPart::Test), &catalog)) {
    const RankRequest r = make_request(s);
    const PolicyAnswer a = h.rank(r);
    ASSERT_TRUE(is_permutation_of(a.order, s.size()));
    const HeuristicExplanation ex = h.explain(r);
    ASSERT_EQ(ex.choice.order, a.order) << s.request_id;
    for (const CandidateScore& c : ex.candidates) {
      double sum = 0;
      for (const auto& f : c.features) sum += f.contribution;
      EXPECT_NEAR(sum, c.score, 1e-9);
    }
    for (size_t k = 1; k < a.order.size(); ++k) {
      EXPECT_GE(ex.candidates[size_t(a.order[k - 1])].score, ex.candidates[size_t(a.order[k])].score);
    }
    // Every cited item is in the request's history.
    for (const auto& m : ex.strong) {
      for (const auto& f : m.evidence) {
        if (!f.evidence_item.empty()) {
          EXPECT_NE(std::find(s.history.begin(), s.history.end(), f.evidence_item), s.history.end());
        }
      }
    }
    moved += a.order[0] != 0;
  }
  EXPECT_GT(moved, 0) << "the heuristic should change some top-1 choices";
}

}  // namespace
}  // namespace gr2
