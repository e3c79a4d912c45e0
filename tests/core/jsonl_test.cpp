// Tests for JSONL reading/writing: file:line errors, blank lines, atomic writes.
#include <gtest/gtest.h>

#include <fstream>

#include "gr2/core/jsonl.h"
#include "test_util.h"

namespace gr2 {
namespace {

TEST(Jsonl, ReadsRecordsAndSkipsBlankLines) {
  TempDir dir;
  std::string path = dir.write("a.jsonl", "{\"a\":1}\n\n  \n{\"a\":2}\r\n");
  JsonlReader reader(path);
  Json r;
  ASSERT_TRUE(reader.next(r));
  EXPECT_EQ(r["a"], 1);
  EXPECT_EQ(reader.line(), 1);
  ASSERT_TRUE(reader.next(r));
  EXPECT_EQ(r["a"], 2);
  EXPECT_EQ(reader.line(), 4);
  EXPECT_FALSE(reader.next(r));
}

TEST(Jsonl, TruncatedLineNamesFileAndLine) {
  TempDir dir;
  std::string path = dir.write("bad.jsonl", "{\"a\":1}\n{\"a\":");
  JsonlReader reader(path);
  Json r;
  ASSERT_TRUE(reader.next(r));
  expect_error([&] { reader.next(r); }, path + ":2: invalid JSON");
}

TEST(Jsonl, InvalidUtf8IsAnError) {
  TempDir dir;
  std::string path = dir.write("utf.jsonl", "{\"a\":\"\xff\xfe\"}\n");
  JsonlReader reader(path);
  Json r;
  expect_error([&] { reader.next(r); }, ":1: invalid JSON");
}

TEST(Jsonl, MissingFileIsAnError) {
  expect_error([] { JsonlReader reader("/nonexistent/x.jsonl"); }, "cannot open");
}

TEST(Jsonl, WriterIsAtomic) {
  TempDir dir;
  std::string path = dir.path("out.jsonl");
  {
    JsonlWriter writer(path);
    writer.write(Json{{"x", 1}});
    // Not committed: destroyed without commit must leave no file.
  }
  EXPECT_FALSE(file_exists(path));
  JsonlWriter writer(path);
  writer.write(Json{{"x", 1}});
  writer.write(Json{{"x", "two"}});
  EXPECT_FALSE(file_exists(path));
  writer.commit();
  auto records = read_jsonl(path);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["x"], "two");
}

TEST(JsonFields, TypeErrorsNameTheField) {
  Json rec = Json::parse(R"({"id":"a","n":"3","f":1e400,"arr":[1,"x"]})", nullptr, false);
  // 1e400 parses as inf in nlohmann; test an explicit non-finite through a double.
  Json rec2 = {{"id", "a"}, {"n", "3"}, {"f", std::numeric_limits<double>::infinity()}, {"arr", {1, "x"}}};
  JsonFields f(rec2, "file.jsonl:7");
  EXPECT_EQ(f.string("id"), "a");
  expect_error([&] { f.int64("n"); }, "file.jsonl:7: field 'n': expected an integer, got a string");
  expect_error([&] { f.number("f"); }, "field 'f': must be a finite number");
  expect_error([&] { f.string_array("arr"); }, "field 'arr': element 0: expected a string");
  expect_error([&] { f.string("missing"); }, "field 'missing': missing");
  expect_error([&] { JsonFields g(Json::array(), "x:1"); }, "x:1: expected a JSON object, got an array");
}

}  // namespace
}  // namespace gr2
