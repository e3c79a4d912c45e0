// Tests for read_chat_reply: every shape of an OpenAI-compatible chat-completions reply becomes a
// valid attempt or a failed one with its cause named, and what it keeps is valid UTF-8.
#include <gtest/gtest.h>

#include <string>

#include "gr2/core/utf8.h"
#include "gr2/prompt/prompt_renderer.h"
#include "gr2/train/traces/teachers/chat_reply.h"
#include "test_util.h"
#include "train/trace_fixtures.h"

namespace gr2::train::traces::teachers {
namespace {

struct ReplyFixture {
  Catalog catalog;
  sid::SidTable sids;
  RankRequest request;
  ReplyFixture() {
    for (const char* id : {"S1", "C1", "R1", "B1", "K1"}) catalog.add(Item{id, std::string("Item ") + id, {"Shop"}, "", ""});
    sids = test::hand_sids(catalog);
    request.request_id = "r";
    request.history = {"S1"};
    for (const char* c : {"B1", "R1", "C1", "K1"}) request.candidates.push_back({c, 0.0});
  }
  prompt::PromptRenderer renderer() const { return prompt::PromptRenderer(catalog, sids); }
};

std::string reply_with(const Json& message, const char* finish_reason) {
  return Json{{"choices", Json::array({Json{{"index", 0}, {"message", message}, {"finish_reason", finish_reason}}})},
              {"usage", {{"prompt_tokens", 7}}}}
      .dump();
}

TeacherTrace read(const ReplyFixture& fx, const std::string& body, int max_tokens = 1024) {
  const prompt::PromptRenderer renderer = fx.renderer();
  TeacherTrace trace;
  read_chat_reply(body, TeachRequest{&fx.request, -1, 0}, renderer, ChatReplyOptions{true, max_tokens}, trace);
  return trace;
}

TEST(ChatReply, AValidAnswerGivesItsOrderAndKeepsUsageAndFinishReason) {
  ReplyFixture fx;
  const prompt::PromptRenderer renderer = fx.renderer();
  const std::string reasoning = "The user bought " + renderer.item_sid("S1") + "; " + renderer.item_sid("C1") + " fits.";
  const TeacherTrace t = read(fx, reply_with({{"content", "<think>\n" + renderer.render_answer(fx.request, {2, 0, 3, 1}, reasoning)}}, "stop"));
  ASSERT_TRUE(t.valid) << t.message;
  EXPECT_EQ(t.order, (std::vector<int>{2, 0, 3, 1}));
  EXPECT_EQ(t.info["finish_reason"], "stop");
  EXPECT_EQ(t.info["usage"]["prompt_tokens"], 7);
  EXPECT_FALSE(t.info.contains("reply"));
}

TEST(ChatReply, EachFailureNamesItsCause) {
  ReplyFixture fx;
  TeacherTrace t = read(fx, "<html>502</html>");
  EXPECT_EQ(t.failure, "bad_reply");
  EXPECT_NE(t.message.find("the reply is not JSON: <html>502</html>"), std::string::npos);
  EXPECT_EQ(t.info["reply"], "<html>502</html>");

  t = read(fx, R"({"choices": []})");
  EXPECT_EQ(t.failure, "bad_reply");
  EXPECT_NE(t.message.find("no choices[0].message.content"), std::string::npos);

  t = read(fx, reply_with({{"content", nullptr}}, "length"), 77);
  EXPECT_EQ(t.failure, "truncated");
  EXPECT_NE(t.message.find("cut off at http_max_tokens = 77"), std::string::npos);

  t = read(fx, reply_with({{"content", ""}, {"reasoning_content", "I think B1 is best"}}, "stop"));
  EXPECT_FALSE(t.valid);
  EXPECT_NE(t.message.find("all of it is in the reasoning field"), std::string::npos);
  EXPECT_NE(t.info["reply"].get<std::string>().find("I think B1 is best"), std::string::npos);
}

TEST(ChatReply, WhatAFailedAttemptKeepsIsValidUtf8AndBounded) {
  ReplyFixture fx;
  // A gateway's error page in latin-1, longer than what is kept, with a multi-byte character on the cut.
  std::string body = "<p>Erreur \xE9tendue</p>" + std::string(kFailedReplyKeptBytes, 'x');
  TeacherTrace t = read(fx, body);
  EXPECT_EQ(t.failure, "bad_reply");
  const std::string kept = t.info["reply"];
  EXPECT_FALSE(first_invalid_utf8(kept).has_value());
  EXPECT_LE(kept.size(), kFailedReplyKeptBytes + 2);  // U+FFFD is 3 bytes for the 1 it replaces
  EXPECT_NE(kept.find("Erreur \xEF\xBF\xBDtendue"), std::string::npos);
  const Json stored{{"info", t.info}, {"message", t.message}};
  EXPECT_NO_THROW((void)stored.dump());

  const std::string long_content = std::string(kFailedReplyKeptBytes - 1, 'a') + "\xC3\xA9 tail";
  t = read(fx, reply_with({{"content", long_content}}, "stop"));
  EXPECT_FALSE(t.valid);
  const std::string cut = t.info["reply"];
  EXPECT_FALSE(first_invalid_utf8(cut).has_value());
  EXPECT_LE(cut.size(), kFailedReplyKeptBytes);
  EXPECT_NO_THROW((void)t.info.dump());

  // The parser quotes 24 bytes of what it could not read: never half of a character (found by
  // fuzz_chat_reply: the message held invalid UTF-8).
  std::string accents = "a";
  for (int i = 0; i < 20; ++i) accents += "\xC3\xA9";
  t = read(fx, reply_with({{"content", "<think>\nx\n</think>\n" + accents}}, "stop"));
  EXPECT_EQ(t.failure, "unparseable");
  EXPECT_FALSE(first_invalid_utf8(t.message).has_value()) << t.message;
}

}  // namespace
}  // namespace gr2::train::traces::teachers
