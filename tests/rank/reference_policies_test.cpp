// Tests for the baseline policies and the policy factory.
#include <gtest/gtest.h>

#include <algorithm>

#include "gr2/rank/reference_policies.h"
#include "gr2/eval/policy_factory.h"
#include "test_util.h"

namespace gr2 {
namespace {

RankRequest request(const std::string& id, const std::vector<std::string>& items) {
  RankRequest r;
  r.request_id = id;
  r.user_id = "u";
  for (const auto& item : items) r.candidates.push_back({item, 0.0});
  return r;
}

std::vector<std::string> ten_items() {
  std::vector<std::string> items;
  for (int i = 0; i < 10; ++i) items.push_back("i" + std::to_string(i));
  return items;
}

TEST(Baselines, IncomingIsTheIdentity) {
  IncomingPolicy p;
  EXPECT_EQ(p.rank(request("r", {"a", "b", "c"})).order, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(p.name(), "incoming");
  EXPECT_FALSE(p.can_fail());
}

TEST(Baselines, RandomIsSeededAndOrderIndependent) {
  RandomPolicy p(42), same(42), other(43);
  const RankRequest a = request("req-a", ten_items());
  const RankRequest b = request("req-b", ten_items());
  const std::vector<int> answer_a = p.rank(a).order;
  EXPECT_TRUE(is_permutation_of(answer_a, 10));
  EXPECT_EQ(same.rank(a).order, answer_a);
  EXPECT_NE(other.rank(a).order, answer_a);
  EXPECT_NE(p.rank(b).order, answer_a);  // another request, another permutation
  // Answers do not depend on what was ranked before or on the batch order.
  auto forward = same.rank_batch({a, b});
  auto backward = same.rank_batch({b, a});
  EXPECT_EQ(forward[0].order, backward[1].order);
  EXPECT_EQ(forward[1].order, backward[0].order);
}

TEST(Baselines, PopularityCountsEventsAndKeepsIncomingOrderOnTies) {
  std::vector<Event> events = {{"u1", "b", 1, "click"}, {"u2", "b", 2, "purchase"},
                               {"u1", "c", 3, "click"}, {"u3", "d", 4, "click"},
                               {"u3", "b", 5, "click"}};
  PopularityPolicy p(events);
  EXPECT_EQ(p.count("b"), 3);
  EXPECT_EQ(p.count("zzz"), 0);
  // Counts: a 0, b 3, c 1, d 1, e 0: b first; c before d and a before e (incoming order).
  EXPECT_EQ(p.rank(request("r", {"a", "b", "c", "d", "e"})).order, (std::vector<int>{1, 2, 3, 0, 4}));
  // Reversed presentation: ties follow the new incoming order.
  EXPECT_EQ(p.rank(request("r", {"e", "d", "c", "b", "a"})).order, (std::vector<int>{3, 1, 2, 0, 4}));
}

TEST(Baselines, OracleSortsByTrueRelevanceByItem) {
  Slate s;
  s.request_id = "r1";
  s.candidates = {{"a", 0}, {"b", 0}, {"c", 0}};
  s.labels = {0, 0, 1};
  TruthTable truth = {{"r1", {0.2, 0.9, 0.2}}};
  OraclePolicy p(truth, {s});
  EXPECT_EQ(p.rank(make_request(s)).order, (std::vector<int>{1, 0, 2}));
  // The same request shuffled: the oracle follows the items, not the positions.
  EXPECT_EQ(p.rank(request("r1", {"c", "b", "a"})).order, (std::vector<int>{1, 0, 2}));
}

TEST(Baselines, OracleErrorsWithoutTruth) {
  Slate s;
  s.request_id = "r1";
  s.candidates = {{"a", 0}, {"b", 0}};
  s.labels = {0, 1};
  TruthTable truth = {{"other", {1.0, 0.0}}};
  OraclePolicy p(truth, {s});
  expect_error([&] { p.rank(make_request(s)); }, "no true relevance for request 'r1'");
  TruthTable short_truth = {{"r1", {1.0}}};
  expect_error([&] { OraclePolicy q(short_truth, {s}); }, "has 1 values but the slate has 2");
}

TEST(PolicyFactory, BuildsKnownPoliciesAndRejectsOthers) {
  std::vector<Event> events = {{"u", "a", 1, "click"}};
  TruthTable truth;
  std::vector<Slate> slates;
  Catalog catalog;
  catalog.add({"a", "Shampoo", {"Beauty", "Hair"}, "Lumora", ""});
  PolicyContext ctx;
  ctx.catalog = &catalog;
  ctx.train_events = &events;
  ctx.truth = &truth;
  ctx.slates = &slates;
  for (const auto& name : known_policy_names()) EXPECT_EQ(make_policy(name, ctx)->name(), name);
  expect_error([&] { make_policy("bogus", ctx); },
               "unknown policy 'bogus' (known policies: incoming, random, popularity, oracle, heuristic; trained baselines: din:MODEL_DIR, prm:MODEL_DIR; language models: lm:CHECKPOINT_DIR)");
  PolicyContext empty;
  expect_error([&] { make_policy("oracle", empty); }, "policy 'oracle' needs the true relevance");
  expect_error([&] { make_policy("popularity", empty); }, "events_train.jsonl");
  expect_error([&] { make_policy("heuristic", empty); }, "policy 'heuristic' needs the catalog");
  EXPECT_EQ(make_policy("incoming", empty)->name(), "incoming");
}

TEST(PolicyFactory, ParsesPolicyLists) {
  EXPECT_EQ(parse_policy_list("incoming, random ,oracle"),
            (std::vector<std::string>{"incoming", "random", "oracle"}));
  expect_error([] { parse_policy_list("a,,b"); }, "empty policy name");
  expect_error([] { parse_policy_list(""); }, "empty policy name");
  expect_error([] { parse_policy_list("a,b,a"); }, "listed twice");
}

}  // namespace
}  // namespace gr2
