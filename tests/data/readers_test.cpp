// Bad-input tests for every data reader (catalog, events, slates, truth): each malformed input is
// a gr2::Error naming file:line and the field, and nothing crashes.
#include <gtest/gtest.h>

#include "gr2/data/catalog.h"
#include "gr2/data/events.h"
#include "gr2/data/slates.h"
#include "gr2/data/truth.h"
#include "test_util.h"

namespace gr2 {
namespace {

const char* kCatalog =
    R"({"item_id":"A","title":"Shampoo","category":["Beauty","Hair"],"brand":"Acme"})" "\n"
    R"({"item_id":"B","title":"Conditioner","category":["Beauty","Hair"]})" "\n"
    R"({"item_id":"C","title":"","brand":"Zed"})" "\n";

std::string slate_line(const std::string& body) { return body + "\n"; }

class ReadersTest : public ::testing::Test {
 protected:
  TempDir dir;
  Catalog catalog() { return Catalog::read_jsonl(dir.write("catalog.jsonl", kCatalog)); }
};

TEST_F(ReadersTest, CatalogRoundTrip) {
  Catalog c = catalog();
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c.at(0).brand, "Acme");
  EXPECT_EQ(c.at(1).category, (std::vector<std::string>{"Beauty", "Hair"}));
  EXPECT_EQ(*c.find("C"), 2);
  EXPECT_FALSE(c.find("Z").has_value());
  c.write_jsonl(dir.path("copy.jsonl"));
  Catalog d = Catalog::read_jsonl(dir.path("copy.jsonl"));
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d.at(2).brand, "Zed");
  EXPECT_EQ(d.at(0).title, "Shampoo");
}

TEST_F(ReadersTest, CatalogErrors) {
  auto bad = [&](const std::string& content, const std::string& fragment) {
    std::string path = dir.write("bad_catalog.jsonl", content);
    expect_error([&] { Catalog::read_jsonl(path); }, fragment);
  };
  bad("", "the catalog is empty");
  bad("{\"item_id\":\"A\",\"title\":\"x\"}\n{\"item_id\":\"A\",\"title\":\"y\"}\n", ":2: duplicate item_id 'A'");
  bad("{\"item_id\":\"A\",\"title\":\"x\"}\n{\"item_id\":\"B\",\"title\":", ":2: invalid JSON");
  bad("{\"title\":\"x\"}\n", ":1: field 'item_id': missing");
  bad("{\"item_id\":7,\"title\":\"x\"}\n", "field 'item_id': expected a string, got an integer");
  bad("{\"item_id\":\"A\"}\n", "field 'title': missing");
  bad("{\"item_id\":\"A\",\"title\":\"\"}\n", "field 'title': empty");
  bad("{\"item_id\":\"A\",\"title\":\"x\",\"category\":\"Beauty\"}\n", "field 'category': expected an array");
  bad("[1,2]\n", ":1: expected a JSON object, got an array");
  bad("{\"item_id\":\"A\",\"title\":\"\xc3\x28\"}\n", ":1: invalid JSON");
}

TEST_F(ReadersTest, EventsReadAndValidate) {
  Catalog c = catalog();
  std::string path = dir.write("events.jsonl",
                               "{\"user_id\":\"u1\",\"item_id\":\"A\",\"ts\":10,\"action\":\"purchase\"}\n"
                               "{\"user_id\":\"u1\",\"item_id\":\"B\",\"ts\":12}\n");
  auto events = read_events(path, &c);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].action, "purchase");
  EXPECT_EQ(events[1].action, "interaction");
  EXPECT_EQ(events[1].ts, 12);

  auto bad = [&](const std::string& content, const std::string& fragment) {
    std::string p = dir.write("bad_events.jsonl", content);
    expect_error([&] { read_events(p, &c); }, fragment);
  };
  bad("", "no events");
  bad("{\"user_id\":\"u\",\"item_id\":\"Q\",\"ts\":1}\n", ":1: field 'item_id': unknown item 'Q'");
  bad("{\"user_id\":\"u\",\"item_id\":\"A\",\"ts\":\"yesterday\"}\n", "field 'ts': expected an integer, got a string");
  bad("{\"user_id\":\"u\",\"item_id\":\"A\",\"ts\":1.5}\n", "field 'ts': expected an integer, got a number");
  bad("{\"user_id\":\"u\",\"item_id\":\"A\"}\n", "field 'ts': missing");
  bad("{\"user_id\":\"u\",\"item_id\":\"A\",\"ts\":1}\n{\"user_id\":\"u\"", ":2: invalid JSON");
  bad("{\"user_id\":\"u\xff\",\"item_id\":\"A\",\"ts\":1}\n", ":1: invalid JSON");
}

TEST_F(ReadersTest, EventWriterRoundTrip) {
  std::string path = dir.path("ev.jsonl");
  EventWriter w(path);
  w.write(Event{"user \"1\"", "A", 5, "click"});
  w.commit();
  auto events = read_events(path);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].user_id, "user \"1\"");
  EXPECT_EQ(events[0].action, "click");
}

const char* kGoodSlate =
    R"({"request_id":"r1","user_id":"u1","ts":100,"history":["A"],"candidates":[{"item_id":"B","score":0.9},{"item_id":"C","score":0.1}],"labels":[0,2]})";

TEST_F(ReadersTest, SlatesReadAndRoundTrip) {
  Catalog c = catalog();
  std::string path = dir.write("slates.jsonl", slate_line(kGoodSlate));
  auto slates = read_slates(path, &c);
  ASSERT_EQ(slates.size(), 1u);
  EXPECT_EQ(slates[0].size(), 2);
  EXPECT_DOUBLE_EQ(slates[0].candidates[0].score, 0.9);
  EXPECT_EQ(slates[0].labels, (std::vector<int>{0, 2}));
  EXPECT_TRUE(slates[0].has_positive());
  EXPECT_EQ(slates[0].max_label(), 2);
  write_slates(dir.path("copy.jsonl"), slates);
  auto again = read_slates(dir.path("copy.jsonl"), &c);
  EXPECT_EQ(again[0].history, slates[0].history);
  EXPECT_EQ(again[0].candidates[1].item_id, "C");
}

TEST_F(ReadersTest, SlateErrors) {
  Catalog c = catalog();
  auto bad = [&](const std::string& content, const std::string& fragment) {
    std::string p = dir.write("bad_slates.jsonl", content);
    expect_error([&] { read_slates(p, &c); }, fragment);
  };
  std::string good = kGoodSlate;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s + "\n";
  };
  bad("", "no slates");
  bad(good + "\n" + good + "\n", ":2: field 'request_id': duplicate request_id 'r1'");
  bad(with("\"labels\":[0,2]", "\"labels\":[0]"), "field 'labels': has 1 entries but there are 2 candidates");
  bad(with("\"labels\":[0,2]", "\"labels\":[0,-1]"), "field 'labels': element 1: -1 is outside");
  bad(with("\"labels\":[0,2]", "\"labels\":[0,\"x\"]"), "field 'labels': element 1: expected an integer");
  bad(with("{\"item_id\":\"C\",\"score\":0.1}", "{\"item_id\":\"B\",\"score\":0.1}"), "duplicate candidate 'B'");
  bad(with("{\"item_id\":\"C\",\"score\":0.1}", "{\"item_id\":\"Q\",\"score\":0.1}"), "unknown item 'Q'");
  bad(with("\"history\":[\"A\"]", "\"history\":[\"Nope\"]"), "field 'history': unknown item 'Nope'");
  bad(with("\"score\":0.9", "\"score\":\"high\""), "field 'score': expected a number, got a string");
  bad(with("[{\"item_id\":\"B\",\"score\":0.9},{\"item_id\":\"C\",\"score\":0.1}]", "[]"), "the slate is empty");
  bad(with("[{\"item_id\":\"B\",\"score\":0.9},{\"item_id\":\"C\",\"score\":0.1}]", "[{\"item_id\":\"B\"}]"),
      "at least 2 are needed");
  bad(with("\"ts\":100", "\"ts\":\"now\""), "field 'ts': expected an integer");
  bad(with("\"user_id\":\"u1\",", ""), "field 'user_id': missing");
  bad(good.substr(0, good.size() - 5) + "\n", ":1: invalid JSON");
  bad(with("\"u1\"", "\"u\xe2\x82\""), ":1: invalid JSON");
}

TEST_F(ReadersTest, NullScoreCountsAsAbsent) {
  std::string s = kGoodSlate;
  s.replace(s.find("\"score\":0.9"), 11, "\"score\":null");
  auto slates = read_slates(dir.write("s.jsonl", s + "\n"));
  EXPECT_DOUBLE_EQ(slates[0].candidates[0].score, 0.0);
}

TEST_F(ReadersTest, NonFiniteScoreIsRejected) {
  // JSON has no literal for infinity; an overflowing literal is rejected at parse time.
  std::string s = kGoodSlate;
  s.replace(s.find("0.9"), 3, "1e999");
  std::string p = dir.write("inf.jsonl", s + "\n");
  expect_error([&] { read_slates(p); }, ":1: invalid JSON (number overflow");
}

TEST_F(ReadersTest, OversizedSlateIsRejected) {
  SlateLimits limits;
  limits.max_candidates = 1 + 1;
  std::string s = R"({"request_id":"r","user_id":"u","ts":1,"history":[],"candidates":["A","B","C"],"labels":[0,0,1]})";
  std::string p = dir.write("big.jsonl", s + "\n");
  expect_error([&] { read_slates(p, nullptr, limits); }, "3 candidates exceeds the limit of 2");
}

TEST_F(ReadersTest, TruthReadAndErrors) {
  std::string p = dir.write("truth.jsonl", "{\"request_id\":\"r1\",\"relevance\":[0.5,0.25]}\n");
  TruthTable t = read_truth(p);
  ASSERT_EQ(t.count("r1"), 1u);
  EXPECT_DOUBLE_EQ(t["r1"][1], 0.25);
  auto bad = [&](const std::string& content, const std::string& fragment) {
    std::string path = dir.write("bad_truth.jsonl", content);
    expect_error([&] { read_truth(path); }, fragment);
  };
  bad("", "no truth records");
  bad("{\"request_id\":\"r1\",\"relevance\":[0.5,\"x\"]}\n", "field 'relevance': element 1");
  bad("{\"request_id\":\"r1\",\"relevance\":[1]}\n{\"request_id\":\"r1\",\"relevance\":[1]}\n", ":2: field 'request_id': duplicate");
  bad("{\"relevance\":[1]}\n", "field 'request_id': missing");
}

TEST_F(ReadersTest, TruthWriterRoundTrip) {
  TruthWriter w(dir.path("t.jsonl"));
  w.write("r9", {1.0, 0.0, 0.5});
  w.commit();
  TruthTable t = read_truth(dir.path("t.jsonl"));
  EXPECT_EQ(t.at("r9"), (std::vector<double>{1.0, 0.0, 0.5}));
}

}  // namespace
}  // namespace gr2
