// The /v1/rerank JSON contract: a valid body becomes a RankRequest as sent; every malformed body is
// an ApiError 400 whose message names the field; the response lists top_n results best first.
#include <gtest/gtest.h>

#include <set>

#include "gr2/core/utf8.h"
#include "gr2/serve/api_error.h"
#include "gr2/serve/rerank_api.h"

namespace gr2::serve {
namespace {

const std::set<std::string> kCatalog = {"a", "b", "c", "d", "h1", "h2"};
bool known(const std::string& id) { return kCatalog.count(id) > 0; }

RerankCall parse(const std::string& body, RerankLimits limits = {}) { return parse_rerank_request(body, limits, known); }

// The message of the 400 a body gets ("" when it parses).
std::string rejection(const std::string& body, RerankLimits limits = {}) {
  try {
    parse(body, limits);
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    return e.what();
  }
  return "";
}

TEST(RerankApi, ParsesAValidRequestAsSent) {
  const RerankCall call = parse(R"({"model": "m", "user_id": "u7", "history": ["h1", "h2"],
      "candidates": ["c", {"item_id": "a", "score": 0.5, "title": "x", "category": ["y"]}, "b"],
      "top_n": 2, "return_reasoning": true, "timeout_ms": 250, "extra": {"ignored": 1}})");
  EXPECT_EQ(call.model, "m");
  EXPECT_EQ(call.request.user_id, "u7");
  EXPECT_EQ(call.request.history, (std::vector<std::string>{"h1", "h2"}));
  ASSERT_EQ(call.request.size(), 3);
  EXPECT_EQ(call.request.candidates[0].item_id, "c");
  EXPECT_EQ(call.request.candidates[1].item_id, "a");
  EXPECT_DOUBLE_EQ(call.request.candidates[1].score, 0.5);
  EXPECT_EQ(call.top_n, 2);
  EXPECT_TRUE(call.return_reasoning);
  EXPECT_DOUBLE_EQ(call.timeout_ms, 250);
}

TEST(RerankApi, DefaultsTopNToKAndNeedsNoHistory) {
  const RerankCall call = parse(R"({"candidates": ["a", "b", "c", "d"]})");
  EXPECT_EQ(call.top_n, 4);
  EXPECT_TRUE(call.request.history.empty());
  EXPECT_FALSE(call.return_reasoning);
  EXPECT_EQ(call.timeout_ms, 0);
}

TEST(RerankApi, EveryMalformedBodyIsA400NamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "not valid JSON"},
      {"", "not valid JSON"},
      {"[1, 2]", "must be a JSON object"},
      {R"({"history": ["a"]})", "missing field 'candidates'"},
      {R"({"candidates": "a"})", "candidates: expected an array"},
      {R"({"candidates": []})", "candidates: must hold at least one item"},
      {R"({"candidates": [5]})", "candidates[0]: expected an item id"},
      {R"({"candidates": [""]})", "candidates[0]: must not be empty"},
      {R"({"candidates": [{"score": 1}]})", "candidates[0]: missing field 'item_id'"},
      {R"({"candidates": [{"item_id": 3}]})", "candidates[0].item_id: expected a string"},
      {R"({"candidates": [{"item_id": "a", "score": "high"}]})", "candidates[0].score: expected a finite number"},
      {R"({"candidates": [{"item_id": "a", "title": 1}]})", "candidates[0].title: expected a string"},
      {R"({"candidates": [{"item_id": "a", "category": "x"}]})", "candidates[0].category: expected an array"},
      {R"({"candidates": ["a", "b", "a"]})", "candidates[2]: duplicate item 'a'"},
      {R"({"candidates": ["a", "zz"]})", "candidates[1]: unknown item 'zz'"},
      {R"({"candidates": ["a"], "history": "h1"})", "history: expected an array"},
      {R"({"candidates": ["a"], "history": ["h1", "new"]})", "history[1]: unknown item 'new'"},
      {R"({"candidates": ["a", "b"], "top_n": 3})", "top_n: 3 is outside [1, 2]"},
      {R"({"candidates": ["a", "b"], "top_n": 0})", "top_n: 0 is outside"},
      {R"({"candidates": ["a", "b"], "top_n": 1.5})", "top_n: expected an integer"},
      {R"({"candidates": ["a"], "return_reasoning": "yes"})", "return_reasoning: expected true or false"},
      {R"({"candidates": ["a"], "timeout_ms": 0})", "timeout_ms: must be in (0, 60000]"},
      {R"({"candidates": ["a"], "timeout_ms": 1e9})", "timeout_ms: must be in"},
      {R"({"candidates": ["a"], "user_id": 12})", "user_id: expected a string"},
      {R"({"candidates": ["a", "b"], "top_n": 18446744073709551615})", "top_n: 18446744073709551615 is out of range"},
      {R"({"candidates": ["a", "b"], "top_n": 9223372036854775808})", "top_n: 9223372036854775808 is out of range"},
      {R"({"candidates": ["a", "x\u0000y"]})", "unknown item 'x\\u0000y': not among the served items"},
      {R"({"candidates": ["a"], "model": null, "user_id": null})", ""},  // null = absent
  };
  for (const auto& [body, expected] : cases) {
    const std::string message = rejection(body);
    if (expected.empty()) {
      EXPECT_EQ(message, "") << body;
    } else {
      EXPECT_NE(message.find(expected), std::string::npos) << body << " -> " << message;
    }
  }
}

TEST(RerankApi, UnknownItemsWithTextAreNewItemsWhenTheServerAcceptsThem) {
  const std::string body = R"({"history": ["h1", "n1"], "candidates": ["a",
      {"item_id": "n1", "title": "Rose lipstick", "category": ["Beauty", "Makeup"], "brand": "Aurora"},
      {"item_id": "n2", "brand": "Cedar"}, {"item_id": "b", "title": "ignored: known"}]})";
  const RerankCall call = parse_rerank_request(body, {}, known, true);
  ASSERT_EQ(call.new_items.size(), 2u);  // n1 once, though named twice; the history's mention first
  EXPECT_EQ(call.new_items[0].item.item_id, "n1");
  EXPECT_EQ(call.new_items[0].where, "history[1]");
  EXPECT_EQ(call.new_items[0].item.title, "Rose lipstick");
  EXPECT_EQ(call.new_items[0].item.category, (std::vector<std::string>{"Beauty", "Makeup"}));
  EXPECT_EQ(call.new_items[0].item.brand, "Aurora");
  EXPECT_EQ(call.new_items[1].item.item_id, "n2");
  EXPECT_EQ(call.new_items[1].item.brand, "Cedar");
  EXPECT_EQ(call.request.candidates[1].item_id, "n1");
  EXPECT_TRUE(parse(R"({"candidates": ["a"]})").new_items.empty());

  auto refused = [](const std::string& b, bool accept) {
    try {
      parse_rerank_request(b, {}, known, accept);
    } catch (const ApiError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(refused(R"({"candidates": ["a", "zz"]})", true).find("candidates[1]: unknown item 'zz': not among the "
                                                                   "served items; send its text"),
            std::string::npos);
  EXPECT_NE(refused(R"({"candidates": ["a", {"item_id": "zz", "title": "", "category": [""]}]})", true)
                .find("send its text"),
            std::string::npos);  // empty text is no text
  EXPECT_NE(refused(R"({"candidates": ["a", {"item_id": "zz", "title": "t"}]})", false).find("--sid DIR"),
            std::string::npos);
}

TEST(RerankApi, AnInvalidUtf8BodyGetsAValidUtf8Message) {
  // Found by fuzz_rerank_request: the JSON parser's message quotes the byte it stopped at.
  const std::string message = rejection("{\"candidates\":[\"a\"]\x86");
  EXPECT_NE(message.find("not valid JSON"), std::string::npos) << message;
  EXPECT_FALSE(first_invalid_utf8(message).has_value()) << message;
}

TEST(RerankApi, LimitsAreEnforcedWithTheLimitInTheMessage) {
  RerankLimits limits;
  limits.max_candidates = 3;
  limits.max_history = 1;
  limits.max_id_chars = 4;
  limits.max_text_chars = 5;
  EXPECT_NE(rejection(R"({"candidates": ["a", "b", "c", "d"]})", limits).find("4 items, more than the limit of 3"),
            std::string::npos);
  EXPECT_NE(rejection(R"({"candidates": ["a"], "history": ["h1", "h2"]})", limits).find("limit of 1"),
            std::string::npos);
  EXPECT_NE(rejection(R"({"candidates": ["abcdefgh"]})", limits).find("limit of 4"), std::string::npos);
  EXPECT_NE(rejection(R"({"candidates": [{"item_id": "a", "brand": "toolong"}]})", limits).find("brand: 7 bytes"),
            std::string::npos);
  EXPECT_EQ(rejection(R"({"candidates": ["a", "b", "c"], "history": ["h1"]})", limits), "");
}

TEST(RerankApi, ResponseListsTopNBestFirstWithRankScores) {
  const RerankCall call = parse(R"({"candidates": ["a", "b", "c", "d"], "top_n": 3, "return_reasoning": true})");
  RerankOutcome outcome;
  outcome.order = {2, 0, 3, 1};
  outcome.reasoning = "because";
  outcome.prompt_tokens = 100;
  outcome.completion_tokens = 9;
  const Json r = rerank_response("rerank-1", "gr2", call, outcome);
  EXPECT_EQ(r["object"], "rerank");
  EXPECT_TRUE(r["fallback"].is_null());
  ASSERT_EQ(r["results"].size(), 3u);
  EXPECT_EQ(r["results"][0]["index"], 2);
  EXPECT_EQ(r["results"][0]["item_id"], "c");
  EXPECT_DOUBLE_EQ(r["results"][0]["relevance_score"].get<double>(), 1.0);
  EXPECT_EQ(r["results"][2]["item_id"], "d");
  EXPECT_DOUBLE_EQ(r["results"][2]["relevance_score"].get<double>(), 0.5);
  EXPECT_EQ(r["reasoning"], "because");
  EXPECT_EQ(r["usage"]["total_tokens"], 109);

  outcome.fallback = "timeout";
  RerankCall quiet = call;
  quiet.return_reasoning = false;
  const Json f = rerank_response("rerank-2", "gr2", quiet, outcome);
  EXPECT_EQ(f["fallback"], "timeout");
  EXPECT_FALSE(f.contains("reasoning"));

  outcome.order = {0, 0, 1, 2};
  EXPECT_THROW(rerank_response("rerank-3", "gr2", call, outcome), Error);
}

}  // namespace
}  // namespace gr2::serve
