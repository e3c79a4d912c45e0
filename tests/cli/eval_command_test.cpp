// End-to-end tests of `gr2 eval` on a tiny hand-written data directory.
#include <gtest/gtest.h>

#include <string>

#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "test_util.h"

namespace gr2 {
namespace {

// Four items, three test slates (one without a positive), train events that make "c" popular.
void write_data(const TempDir& dir, bool with_truth) {
  dir.write("catalog.jsonl",
            "{\"item_id\":\"a\",\"title\":\"Shampoo\"}\n"
            "{\"item_id\":\"b\",\"title\":\"Conditioner\"}\n"
            "{\"item_id\":\"c\",\"title\":\"Soap\"}\n"
            "{\"item_id\":\"d\",\"title\":\"Towel\"}\n");
  dir.write("events_train.jsonl",
            "{\"user_id\":\"u1\",\"item_id\":\"c\",\"ts\":1,\"action\":\"click\"}\n"
            "{\"user_id\":\"u2\",\"item_id\":\"c\",\"ts\":2,\"action\":\"purchase\"}\n"
            "{\"user_id\":\"u2\",\"item_id\":\"b\",\"ts\":3,\"action\":\"click\"}\n");
  dir.write("slates_test.jsonl",
            "{\"request_id\":\"q1\",\"user_id\":\"u1\",\"ts\":10,\"history\":[\"a\"],"
            "\"candidates\":[{\"item_id\":\"a\",\"score\":0.9},{\"item_id\":\"b\",\"score\":0.5},"
            "{\"item_id\":\"c\",\"score\":0.4},{\"item_id\":\"d\",\"score\":0.1}],\"labels\":[0,0,2,0]}\n"
            "{\"request_id\":\"q2\",\"user_id\":\"u2\",\"ts\":11,\"history\":[],"
            "\"candidates\":[{\"item_id\":\"d\",\"score\":0.9},{\"item_id\":\"c\",\"score\":0.5},"
            "{\"item_id\":\"b\",\"score\":0.4}],\"labels\":[1,0,0]}\n"
            "{\"request_id\":\"q3\",\"user_id\":\"u3\",\"ts\":12,\"history\":[\"b\"],"
            "\"candidates\":[{\"item_id\":\"a\",\"score\":0.9},{\"item_id\":\"b\",\"score\":0.5}],"
            "\"labels\":[0,0]}\n");
  if (with_truth) {
    dir.write("truth.jsonl",
              "{\"request_id\":\"q1\",\"relevance\":[0.1,0.2,0.9,0.0]}\n"
              "{\"request_id\":\"q2\",\"relevance\":[0.8,0.1,0.3]}\n"
              "{\"request_id\":\"q3\",\"relevance\":[0.5,0.4]}\n");
  }
}

TEST(EvalCommand, PrintsTheTableAndWritesReports) {
  TempDir dir;
  write_data(dir, true);
  CliResult r = run_cli("eval --data " + dir.path() + " --quiet --bootstrap 100");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("| policy | R@1 | R@3 | R@5 | N@3 | N@5 | AUC |"), std::string::npos) << r.output;
  for (const char* p : {"| incoming |", "| random |", "| popularity |", "| oracle |", "| heuristic |"}) {
    EXPECT_NE(r.output.find(p), std::string::npos) << p << "\n" << r.output;
  }
  EXPECT_NE(r.output.find("2 evaluated"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 skipped without a positive"), std::string::npos) << r.output;
  // Incoming hits the positive first on q2 only; the oracle on both.
  EXPECT_NE(r.output.find("| incoming | 0.500 |"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("| oracle | 1.000 (+0.500 ["), std::string::npos) << r.output;
  // Popularity puts c first on q1 (a hit) but c (count 2) before d on q2 (a miss).
  EXPECT_NE(r.output.find("| popularity | 0.500 (+0.000 ["), std::string::npos) << r.output;
  ASSERT_TRUE(file_exists(dir.path("eval/report.md")));
  ASSERT_TRUE(file_exists(dir.path("eval/report.svg")));
  const Json j = Json::parse(read_file(dir.path("eval/report.json")));
  EXPECT_EQ(j["split"], "test");
  EXPECT_EQ(j["slates"]["skipped_no_positive"], 1);
  EXPECT_EQ(j["policies"].size(), 5u);
}

TEST(EvalCommand, WithoutTruthTheDefaultListHasNoOracle) {
  TempDir dir;
  write_data(dir, false);
  CliResult r = run_cli("eval --data " + dir.path() + " --quiet --bootstrap 50 --out " + dir.path("o"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.find("| oracle |"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("| popularity |"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("| heuristic |"), std::string::npos) << r.output;
  EXPECT_TRUE(file_exists(dir.path("o/report.json")));
  CliResult oracle = run_cli("eval --data " + dir.path() + " --quiet --policies incoming,oracle");
  EXPECT_EQ(oracle.status, 2) << oracle.output;
  EXPECT_NE(oracle.output.find("gr2: error: policy 'oracle' needs the true relevance"), std::string::npos)
      << oracle.output;
}

TEST(EvalCommand, LimitAndPolicySelection) {
  TempDir dir;
  write_data(dir, true);
  CliResult r = run_cli("eval --data " + dir.path() +
                        " --quiet --bootstrap 50 --limit 1 --policies random,oracle");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("1 evaluated (at least one positive label) of 1;"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("| popularity |"), std::string::npos);
  EXPECT_NE(r.output.find("| incoming |"), std::string::npos);  // always the reference row
}

TEST(EvalCommand, BadInputExitsWithStatus2) {
  TempDir dir;
  CliResult missing = run_cli("eval --data " + dir.path("nope") + " --quiet");
  EXPECT_EQ(missing.status, 2) << missing.output;
  EXPECT_NE(missing.output.find("gr2: error:"), std::string::npos) << missing.output;
  EXPECT_NE(missing.output.find("catalog.jsonl"), std::string::npos) << missing.output;

  write_data(dir, true);
  CliResult split = run_cli("eval --data " + dir.path() + " --quiet --split valid");
  EXPECT_EQ(split.status, 2) << split.output;
  EXPECT_NE(split.output.find("slates_valid.jsonl"), std::string::npos) << split.output;

  CliResult unknown = run_cli("eval --data " + dir.path() + " --quiet --policies incoming,bogus");
  EXPECT_EQ(unknown.status, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("gr2: error: unknown policy 'bogus'"), std::string::npos) << unknown.output;

  dir.write("slates_test.jsonl", "{\"request_id\":\"q1\",\"user_id\":\"u1\"}\n");
  CliResult bad = run_cli("eval --data " + dir.path() + " --quiet");
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("gr2: error: "), std::string::npos);
  EXPECT_NE(bad.output.find("slates_test.jsonl:1"), std::string::npos) << bad.output;
}

TEST(EvalCommand, HelpDescribesTheOptions) {
  CliResult r = run_cli("eval --help");
  EXPECT_EQ(r.status, 0);
  for (const char* opt : {"--data", "--split", "--policies", "--out", "--seed", "--bootstrap", "--limit"}) {
    EXPECT_NE(r.output.find(opt), std::string::npos) << opt;
  }
}

}  // namespace
}  // namespace gr2
