// Tests of the prompt renderer and the strict answer parser: the exact template, render -> parse
// round trips over random slates, every failure type, history truncation and the direct variant.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "gr2/core/rng.h"
#include "gr2/data/catalog.h"
#include "gr2/prompt/answer_parser.h"
#include "gr2/prompt/prompt_renderer.h"
#include "gr2/prompt/tokens.h"
#include "gr2/reranker/lm_reranker.h"
#include "gr2/sid/sid_table.h"
#include "test_util.h"

namespace gr2::prompt {
namespace {

// A catalog of `n` items "i0", "i1", ... and a SID table giving each a distinct 3-level SID
// (codes in [0, 8), assigned from a seeded shuffle).
struct World {
  Catalog catalog;
  sid::SidTable sids;
};

World random_world(int n, uint64_t seed) {
  static const std::vector<std::string> words = {"Lumora", "Silk",  "Repair", "Shampoo", "Matte", "Extra-Long",
                                                 "Coffee", "Beans", "Ultra",  "Gentle",  "for",   "Dry",
                                                 "Hair",   "500ml", "Café",   "Crème"};
  static const std::vector<std::vector<std::string>> paths = {
      {"Beauty", "Hair Care", "Shampoo"}, {"Beauty", "Hair Care", "Conditioner"}, {"Kitchen", "Coffee", "Beans"},
      {"Beauty", "Makeup"}, {"Toys"}, {}};
  Rng rng(seed);
  World w;
  w.sids.levels = 3;
  w.sids.codes = 8;
  std::vector<int> codes(512);
  std::iota(codes.begin(), codes.end(), 0);
  rng.shuffle(codes);
  for (int i = 0; i < n; ++i) {
    Item item;
    item.item_id = "i" + std::to_string(i);
    const int n_words = static_cast<int>(rng.below(9));
    for (int k = 0; k < n_words; ++k) item.title += (k ? " " : "") + words[rng.below(words.size())];
    item.category = paths[rng.below(paths.size())];
    if (rng.bernoulli(0.5)) item.brand = words[rng.below(words.size())];
    w.catalog.add(item);
    w.sids.ids.push_back(item.item_id);
    const int c = codes[static_cast<size_t>(i)];
    for (int v : {c / 64, (c / 8) % 8, c % 8}) w.sids.sids.push_back(v);
  }
  return w;
}

RankRequest random_request(const World& w, Rng& rng, int k, int history) {
  RankRequest r;
  r.request_id = "q" + std::to_string(rng.below(1000000));
  std::vector<int> items(w.catalog.size());
  std::iota(items.begin(), items.end(), 0);
  rng.shuffle(items);
  for (int i = 0; i < k; ++i) r.candidates.push_back({w.catalog.at(items[static_cast<size_t>(i)]).item_id, 0.0});
  for (int i = 0; i < history; ++i) r.history.push_back(w.catalog.at(static_cast<int32_t>(rng.below(w.catalog.size()))).item_id);
  return r;
}

RankRequest make(std::vector<std::string> history, std::vector<std::string> candidates) {
  RankRequest r;
  r.request_id = "q1";
  r.history = std::move(history);
  for (auto& id : candidates) r.candidates.push_back({id, 0.0});
  return r;
}

// A small fixed world for hand-written cases: items a..e with SIDs (i, i+1, i+2).
World small_world() {
  World w;
  w.sids.levels = 3;
  w.sids.codes = 16;
  const std::vector<std::pair<std::string, std::string>> items = {
      {"a", "Lumora Silk Repair Shampoo 500ml"}, {"b", "Bora Conditioner"}, {"c", "Kafa Dark Roast Coffee Beans"},
      {"d", "Rex Razor"}, {"e", "Rex Razor Blades, pack of 10"}};
  const std::vector<std::vector<std::string>> paths = {{"Beauty", "Hair Care", "Shampoo"},
                                                       {"Beauty", "Hair Care", "Conditioner"},
                                                       {"Kitchen", "Coffee", "Coffee Beans"},
                                                       {"Personal Care", "Shaving", "Razor"},
                                                       {"Personal Care", "Shaving", "Razor Blades"}};
  for (size_t i = 0; i < items.size(); ++i) {
    w.catalog.add(Item{items[i].first, items[i].second, paths[i], "", ""});
    w.sids.ids.push_back(items[i].first);
    for (int v = 0; v < 3; ++v) w.sids.sids.push_back(static_cast<int32_t>(i) + v);
  }
  return w;
}

std::string sid_of(int i) {
  return "<|sid_begin|><s_a_" + std::to_string(i) + "><s_b_" + std::to_string(i + 1) + "><s_c_" +
         std::to_string(i + 2) + "><|sid_end|>";
}

TEST(Prompt, ExactTemplate) {
  const World w = small_world();
  PromptOptions options;
  options.title_chars = 20;
  const PromptRenderer renderer(w.catalog, w.sids, options);
  const RankRequest r = make({"a", "b"}, {"c", "d", "e"});
  const std::string expected =
      "<|im_start|>system\nRe-rank the 3 candidates for this user: reason in <think> </think>, citing items by "
      "SID, then list all 3 candidate SIDs, best first.<|im_end|>\n"
      "<|im_start|>user\nHistory (oldest first):\n"
      "1. " + sid_of(0) + " Lumora Silk Repair | Shampoo\n"
      "2. " + sid_of(1) + " Bora Conditioner | Conditioner\n"
      "Candidates:\n"
      "1. " + sid_of(2) + " Kafa Dark Roast | Coffee Beans\n"
      "2. " + sid_of(3) + " Rex Razor | Razor\n"
      "3. " + sid_of(4) + " Rex Razor Blades | Razor Blades<|im_end|>\n"
      "<|im_start|>assistant\n<think>\n";
  EXPECT_EQ(renderer.render_prompt(r), expected);

  const std::string answer = renderer.render_answer(r, {2, 0, 1}, "  Razor -> blades: " + sid_of(4) + ".\n");
  EXPECT_EQ(answer, "Razor -> blades: " + sid_of(4) + ".\n</think>\n" + sid_of(4) + sid_of(2) + sid_of(3) + "<|im_end|>");

  const RenderedExample ex = renderer.render_example(r, {2, 0, 1}, "Razor -> blades: " + sid_of(4) + ".");
  EXPECT_EQ(ex.prompt, expected);
  EXPECT_EQ(ex.reasoning_part, "Razor -> blades: " + sid_of(4) + ".\n</think>\n");
  EXPECT_EQ(ex.answer_part, sid_of(4) + sid_of(2) + sid_of(3) + "<|im_end|>");
  EXPECT_EQ(ex.full(), expected + answer);
  EXPECT_EQ(ex.full().substr(ex.assistant_begin()), answer);
  EXPECT_EQ(ex.full().substr(ex.answer_begin()), ex.answer_part);
}

TEST(Prompt, DirectVariantHasNoThinkBlock) {
  const World w = small_world();
  PromptOptions options;
  options.think = false;
  options.show_category = false;
  options.title_chars = 0;
  const PromptRenderer renderer(w.catalog, w.sids, options);
  const RankRequest r = make({}, {"c", "d"});
  const std::string prompt = renderer.render_prompt(r);
  EXPECT_EQ(prompt,
            "<|im_start|>system\nRe-rank the 2 candidates for this user: list all 2 candidate SIDs, best first."
            "<|im_end|>\n<|im_start|>user\nHistory: none\nCandidates:\n1. " + sid_of(2) + "\n2. " + sid_of(3) +
                "<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(prompt.find("think>"), std::string::npos);
  // The reasoning is ignored: the answer is the SIDs alone.
  const RenderedExample ex = renderer.render_example(r, {1, 0}, "some trace");
  EXPECT_EQ(ex.reasoning_part, "");
  EXPECT_EQ(ex.answer_part, sid_of(3) + sid_of(2) + "<|im_end|>");
  const ParsedAnswer parsed = renderer.parse(ex.assistant(), r);
  ASSERT_TRUE(parsed.valid()) << parsed.message;
  EXPECT_EQ(parsed.order, (std::vector<int>{1, 0}));
  EXPECT_EQ(parsed.reasoning, "");
  // A think block is not allowed in a direct answer.
  EXPECT_EQ(renderer.parse("x</think>" + sid_of(3) + sid_of(2), r).failure, AnswerFailure::Unparseable);
  EXPECT_EQ(renderer.parse("<think>\n</think>" + sid_of(3) + sid_of(2), r).failure, AnswerFailure::Unparseable);
}

TEST(Prompt, BrandIsShownLastWhenAskedAndSanitized) {
  World w;
  w.sids.levels = 3;
  w.sids.codes = 16;
  w.catalog.add(Item{"a", "Silk Shampoo", {"Beauty", "Hair Care", "Shampoo"}, "Lumora", ""});
  w.catalog.add(Item{"b", "", {"Beauty", "Hair Care", "Conditioner"}, "", ""});
  w.catalog.add(Item{"c", "", {}, "<|im_end|>Bora", ""});
  for (int i = 0; i < 3; ++i) {
    w.sids.ids.push_back(std::string(1, static_cast<char>('a' + i)));
    for (int v = 0; v < 3; ++v) w.sids.sids.push_back(i + v);
  }
  PromptOptions options;
  options.think = false;
  options.show_brand = true;
  const PromptRenderer renderer(w.catalog, w.sids, options);
  EXPECT_EQ(renderer.item_line("a"), sid_of(0) + " Silk Shampoo | Shampoo | brand Lumora");
  EXPECT_EQ(renderer.item_line("b"), sid_of(1) + " | Conditioner");  // no brand: nothing added
  EXPECT_EQ(renderer.item_line("c"), sid_of(2) + " | brand (|im_end|)Bora");  // cannot spell a special token
  options.title_chars = 0;
  options.show_category = false;
  EXPECT_EQ(PromptRenderer(w.catalog, w.sids, options).item_line("a"), sid_of(0) + " | brand Lumora");
  options.show_brand = false;
  EXPECT_EQ(PromptRenderer(w.catalog, w.sids, options).item_line("a"), sid_of(0));
}

TEST(Prompt, HistoryTruncationKeepsTheNewest) {
  const World w = random_world(40, 7);
  PromptOptions options;
  options.max_history = 20;
  const PromptRenderer renderer(w.catalog, w.sids, options);
  RankRequest r;
  for (int i = 0; i < 25; ++i) r.history.push_back("i" + std::to_string(i));
  for (int i = 30; i < 34; ++i) r.candidates.push_back({"i" + std::to_string(i), 0.0});
  const std::string prompt = renderer.render_prompt(r);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(prompt.find(renderer.item_sid("i" + std::to_string(i))), std::string::npos) << i;
  for (int i = 5; i < 25; ++i) EXPECT_NE(prompt.find(renderer.item_sid("i" + std::to_string(i))), std::string::npos) << i;
  // Oldest kept first, numbered from 1; the newest is the 20th line.
  EXPECT_NE(prompt.find("1. " + renderer.item_sid("i5")), std::string::npos);
  EXPECT_NE(prompt.find("20. " + renderer.item_sid("i24")), std::string::npos);
  EXPECT_EQ(prompt.find("21. "), std::string::npos);
  EXPECT_LT(prompt.find(renderer.item_sid("i5")), prompt.find(renderer.item_sid("i24")));

  options.max_history = 0;
  const std::string none = PromptRenderer(w.catalog, w.sids, options).render_prompt(r);
  EXPECT_NE(none.find("History: none\n"), std::string::npos);
  EXPECT_EQ(none.find(renderer.item_sid("i24")), std::string::npos);
}

TEST(Prompt, RoundTripOverRandomSlates) {
  int cases = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const World w = random_world(60, seed);
    Rng rng(seed * 977);
    for (int think = 0; think <= 1; ++think) {
      PromptOptions options;
      options.think = think == 1;
      options.max_history = static_cast<int>(rng.below(30));
      options.title_chars = static_cast<int>(rng.below(50));
      options.show_category = rng.bernoulli(0.5);
      options.show_brand = rng.bernoulli(0.5);
      const PromptRenderer renderer(w.catalog, w.sids, options);
      for (int t = 0; t < 5; ++t) {
        const int k = 2 + static_cast<int>(rng.below(11));
        const RankRequest r = random_request(w, rng, k, static_cast<int>(rng.below(40)));
        std::vector<int> order(static_cast<size_t>(k));
        std::iota(order.begin(), order.end(), 0);
        rng.shuffle(order);
        // A reasoning that cites history and candidate items, with newlines and padding.
        std::string reasoning = rng.bernoulli(0.2) ? "" : "\n Step 1: the user bought ";
        if (!r.history.empty()) reasoning += renderer.item_sid(r.history.back()) + ".\nStep 2: ";
        reasoning += renderer.item_sid(r.candidates[static_cast<size_t>(order[0])].item_id) + " matches < > | {}\n";

        const RenderedExample ex = renderer.render_example(r, order, reasoning);
        const std::string prompt = ex.prompt;
        EXPECT_EQ(prompt, renderer.render_prompt(r));
        EXPECT_EQ(ex.assistant(), renderer.render_answer(r, order, reasoning));
        const std::string opened = options.think ? "<|im_start|>assistant\n<think>\n" : "<|im_start|>assistant\n";
        ASSERT_GE(prompt.size(), opened.size());
        EXPECT_EQ(prompt.substr(prompt.size() - opened.size()), opened);
        // Every candidate appears in the prompt, once, in incoming order.
        size_t last = 0;
        for (const Candidate& c : r.candidates) {
          const size_t at = prompt.find(renderer.item_sid(c.item_id), prompt.find("Candidates:\n"));
          ASSERT_NE(at, std::string::npos);
          EXPECT_GT(at, last);
          last = at;
        }

        const ParsedAnswer parsed = renderer.parse(ex.assistant(), r);
        ASSERT_TRUE(parsed.valid()) << parsed.message << "\n" << ex.assistant();
        EXPECT_EQ(parsed.order, order);
        if (options.think) {
          const size_t b = reasoning.find_first_not_of(" \n");
          const size_t e = reasoning.find_last_not_of(" \n");
          EXPECT_EQ(parsed.reasoning, b == std::string::npos ? "" : reasoning.substr(b, e - b + 1));
          // The reasoning cites the chosen top item.
          EXPECT_EQ(cited_candidates(parsed.reasoning, renderer.candidate_sids(r)).back(), order[0]);
        }
        // The same answer with whitespace between the SIDs and without the stop token still parses.
        std::string spaced = ex.reasoning_part;
        for (int i : order) spaced += " \n\t" + renderer.item_sid(r.candidates[static_cast<size_t>(i)].item_id);
        EXPECT_EQ(renderer.parse(spaced + "\r\n", r).order, order);
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 400);
}

class PromptFailures : public ::testing::Test {
 protected:
  // Candidates: SIDs 0, 1, 2 (items a, b, c).
  CandidateSids sids{sid_of(0), sid_of(1), sid_of(2)};
  ParsedAnswer parse(const std::string& text, bool think = true) { return parse_answer(text, sids, think); }
};

TEST_F(PromptFailures, ValidWithToleratedWhitespace) {
  const ParsedAnswer a = parse(" why " + sid_of(2) + " \n</think>\n\n" + sid_of(1) + " " + sid_of(2) + "\n" + sid_of(0) +
                               "\n<|im_end|>\n");
  ASSERT_TRUE(a.valid()) << a.message;
  EXPECT_EQ(a.order, (std::vector<int>{1, 2, 0}));
  EXPECT_EQ(a.reasoning, "why " + sid_of(2));
  EXPECT_EQ(a.message, "");
  const PolicyAnswer p = to_policy_answer(a);
  EXPECT_TRUE(p.valid);
  EXPECT_EQ(p.order, a.order);
  EXPECT_EQ(p.failure, "");
}

TEST_F(PromptFailures, Unparseable) {
  const std::string ranking = sid_of(1) + sid_of(2) + sid_of(0);
  for (const std::string& text : {
           std::string("no close ") + ranking,                                    // no </think>
           "r</think>" + sid_of(1) + ", " + sid_of(2) + sid_of(0),               // comma between SIDs
           "r</think>1. " + ranking,                                             // list numbers
           "r</think>" + ranking + "<|im_end|>more",                              // text after the stop
           "r</think>" + sid_of(1) + sid_of(2) + "<|sid_begin|><s_a_0><s_b_1>",   // unterminated SID
           "r</think><|sid_begin|><s_a_0><s_c_1><|sid_end|>" + sid_of(1) + sid_of(2),  // level skipped
           "r</think><|sid_begin|><s_a_01><s_b_1><s_c_2><|sid_end|>" + sid_of(1) + sid_of(2),  // leading zero
           "r</think><|sid_begin|><|sid_end|>" + ranking,                        // empty SID
           "<think>r</think>" + ranking,                                          // nested <think>
           "r<|im_end|></think>" + ranking,                                       // stop inside reasoning
           "r</think>" + ranking + "</think>",                                    // second </think>
       }) {
    const ParsedAnswer a = parse(text);
    EXPECT_EQ(a.failure, AnswerFailure::Unparseable) << text;
    EXPECT_FALSE(a.valid());
    EXPECT_TRUE(a.order.empty());
    EXPECT_FALSE(a.message.empty());
    EXPECT_EQ(to_policy_answer(a).failure, "unparseable");
    EXPECT_FALSE(to_policy_answer(a).valid);
  }
  // Without think, reasoning text before the SIDs is unparseable.
  EXPECT_EQ(parse("because " + ranking, false).failure, AnswerFailure::Unparseable);
}

TEST_F(PromptFailures, UnknownItem) {
  const ParsedAnswer a = parse("r</think>" + sid_of(1) + sid_of(7) + sid_of(0));
  EXPECT_EQ(a.failure, AnswerFailure::UnknownItem);
  EXPECT_NE(a.message.find(sid_of(7)), std::string::npos) << a.message;
  EXPECT_EQ(a.reasoning, "r");
  EXPECT_EQ(to_policy_answer(a).failure, "unknown_item");
  // A SID with another number of levels is well formed but no candidate's.
  EXPECT_EQ(parse("r</think><|sid_begin|><s_a_0><s_b_1><|sid_end|>" + sid_of(1) + sid_of(2)).failure,
            AnswerFailure::UnknownItem);
  // Unknown wins over duplicate and missing.
  EXPECT_EQ(parse("r</think>" + sid_of(1) + sid_of(1) + sid_of(9)).failure, AnswerFailure::UnknownItem);
}

TEST_F(PromptFailures, Duplicate) {
  const ParsedAnswer a = parse("r</think>" + sid_of(1) + sid_of(2) + sid_of(1));
  EXPECT_EQ(a.failure, AnswerFailure::Duplicate);
  EXPECT_NE(a.message.find("ranks 1 and 3"), std::string::npos) << a.message;
  EXPECT_EQ(to_policy_answer(a).failure, "duplicate");
  // Duplicate wins over missing; a fourth SID that repeats one is a duplicate too.
  EXPECT_EQ(parse("r</think>" + sid_of(0) + sid_of(0)).failure, AnswerFailure::Duplicate);
  EXPECT_EQ(parse("r</think>" + sid_of(0) + sid_of(1) + sid_of(2) + sid_of(0)).failure, AnswerFailure::Duplicate);
}

TEST_F(PromptFailures, Missing) {
  const ParsedAnswer a = parse("r</think>" + sid_of(2) + sid_of(0) + "<|im_end|>");
  EXPECT_EQ(a.failure, AnswerFailure::Missing);
  EXPECT_NE(a.message.find("2 of 3"), std::string::npos) << a.message;
  EXPECT_EQ(to_policy_answer(a).failure, "missing");
  EXPECT_EQ(parse("r</think><|im_end|>").failure, AnswerFailure::Missing);
  EXPECT_EQ(parse("r</think>").failure, AnswerFailure::Missing);
  EXPECT_EQ(parse("", false).failure, AnswerFailure::Missing);
}

TEST_F(PromptFailures, FailureNames) {
  EXPECT_EQ(failure_name(AnswerFailure::None), "");
  EXPECT_EQ(failure_name(AnswerFailure::Unparseable), "unparseable");
  EXPECT_EQ(failure_name(AnswerFailure::UnknownItem), "unknown_item");
  EXPECT_EQ(failure_name(AnswerFailure::Duplicate), "duplicate");
  EXPECT_EQ(failure_name(AnswerFailure::Missing), "missing");
}

TEST_F(PromptFailures, CandidatesMustHaveDistinctSids) {
  EXPECT_THROW(parse_answer("x", {sid_of(0), sid_of(0)}, false), Error);
}

TEST(Prompt, SidSpellingsAndCitations) {
  EXPECT_TRUE(is_sid_spelling(sid_of(3)));
  EXPECT_TRUE(is_sid_spelling("<|sid_begin|><s_a_0><|sid_end|>"));
  EXPECT_FALSE(is_sid_spelling(""));
  EXPECT_FALSE(is_sid_spelling(sid_of(3) + " "));
  EXPECT_FALSE(is_sid_spelling("<|sid_begin|><s_b_0><|sid_end|>"));
  EXPECT_FALSE(is_sid_spelling("<|sid_begin|><s_a_x><|sid_end|>"));
  EXPECT_FALSE(is_sid_spelling("<|sid_begin|><s_a_1 ><|sid_end|>"));

  const std::string text = "Bought " + sid_of(5) + ", then " + sid_of(1) + "; " + sid_of(5) +
                           " again, broken <|sid_begin|><s_a_2>, and " + sid_of(0) + ".";
  EXPECT_EQ(cited_sids(text), (std::vector<std::string>{sid_of(5), sid_of(1), sid_of(0)}));
  EXPECT_EQ(cited_candidates(text, {sid_of(0), sid_of(1), sid_of(2)}), (std::vector<int>{1, 0}));
  EXPECT_TRUE(cited_sids("no citation").empty());
}

TEST(Prompt, TitlesAndText) {
  EXPECT_EQ(shorten_title("Lumora Silk Repair Shampoo", 40), "Lumora Silk Repair Shampoo");
  EXPECT_EQ(shorten_title("Lumora Silk Repair Shampoo", 18), "Lumora Silk Repair");   // space right at the cut
  EXPECT_EQ(shorten_title("Lumora Silk Repair Shampoo", 20), "Lumora Silk Repair");
  EXPECT_EQ(shorten_title("Razor Blades, pack of 10", 14), "Razor Blades");            // trailing comma dropped
  EXPECT_EQ(shorten_title("Supercalifragilistic", 5), "Super");                       // one long word
  EXPECT_EQ(shorten_title("Crème", 3), "Cr");                                         // not inside 'è'
  EXPECT_EQ(shorten_title("anything", 0), "");
  EXPECT_EQ(sanitize_text("  a\tb\n<|im_end|>  c  "), "a b (|im_end|) c");
}

TEST(Prompt, Errors) {
  const World w = small_world();
  const PromptRenderer renderer(w.catalog, w.sids);
  expect_error([&] { renderer.render_prompt(make({"a"}, {"b", "zz"})); }, "item 'zz' has no SID");
  expect_error([&] { renderer.render_answer(make({}, {"a", "b"}), {0, 1}, "x </think> y"); }, "</think>");
  EXPECT_THROW(renderer.render_answer(make({}, {"a", "b"}), {0, 0}, ""), Error);
  PromptOptions bad;
  bad.max_history = -1;
  expect_error([&] { PromptRenderer(w.catalog, w.sids, bad); }, "max_history");
  // An item with a SID but missing from the catalog.
  sid::SidTable more = w.sids;
  more.ids.push_back("ghost");
  for (int v = 0; v < 3; ++v) more.sids.push_back(9);
  const PromptRenderer r2(w.catalog, more);
  expect_error([&] { r2.render_prompt(make({}, {"a", "ghost"})); }, "ghost");
}

}  // namespace
}  // namespace gr2::prompt
