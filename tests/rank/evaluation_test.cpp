// Tests for the evaluation loop and the reports (Markdown, JSON, SVG) on constructed slates.
#include <gtest/gtest.h>

#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/rank/reference_policies.h"
#include "gr2/rank/evaluation.h"
#include "gr2/rank/report.h"
#include "test_util.h"

namespace gr2 {
namespace {

// 40 slates of 5 candidates: the positive is at incoming position i % 5 (so incoming R@1 = 0.2),
// every 4th slate has no positive, and every 5th has only positives (no AUC).
std::vector<Slate> make_slates(TruthTable* truth) {
  std::vector<Slate> out;
  for (int i = 0; i < 40; ++i) {
    Slate s;
    s.request_id = "r" + std::to_string(i);
    s.user_id = "u";
    for (int c = 0; c < 5; ++c) s.candidates.push_back({"item" + std::to_string(c), 0.0});
    s.labels.assign(5, 0);
    if (i % 4 != 3) s.labels[static_cast<size_t>(i % 5)] = 1;
    if (i % 5 == 4 && i % 4 != 3) s.labels.assign(5, 1);
    if (truth) {
      std::vector<double> rel(5);
      for (int c = 0; c < 5; ++c) rel[static_cast<size_t>(c)] = s.labels[static_cast<size_t>(c)];
      (*truth)[s.request_id] = rel;
    }
    out.push_back(s);
  }
  return out;
}

EvalOptions quiet_options() {
  EvalOptions o;
  o.show_progress = false;
  o.bootstrap.resamples = 300;
  o.batch_size = 7;
  o.robustness_slates = 20;
  return o;
}

// Well-formedness check for the SVG: every tag closed in order.
bool tags_balanced(const std::string& xml) {
  std::vector<std::string> stack;
  size_t pos = 0;
  while ((pos = xml.find('<', pos)) != std::string::npos) {
    const size_t end = xml.find('>', pos);
    if (end == std::string::npos) return false;
    std::string tag = xml.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    if (tag.empty() || tag[0] == '?' || tag[0] == '!') continue;
    if (tag.back() == '/') continue;
    if (tag[0] == '/') {
      if (stack.empty() || stack.back() != tag.substr(1)) return false;
      stack.pop_back();
    } else {
      stack.push_back(tag.substr(0, tag.find(' ')));
    }
  }
  return stack.empty();
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

class EvaluationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    slates_ = make_slates(&truth_);
    oracle_ = std::make_unique<OraclePolicy>(truth_, slates_);
    result_ = evaluate({oracle_.get(), &random_}, slates_, quiet_options());
  }
  TruthTable truth_;
  std::vector<Slate> slates_;
  std::unique_ptr<OraclePolicy> oracle_;
  RandomPolicy random_{1};
  EvalResult result_;
};

TEST_F(EvaluationTest, CountsSlatesAndPrependsIncoming) {
  EXPECT_EQ(result_.slates_total, 40);
  EXPECT_EQ(result_.skipped_no_positive, 10);
  EXPECT_EQ(result_.slates_evaluated, 30);
  // Slates i % 5 == 4 with a positive are all-positive: i in {4, 9, 14, 24, 29, 34} (19, 39 have none).
  EXPECT_EQ(result_.auc_slates, 24);
  ASSERT_EQ(result_.policies.size(), 3u);
  EXPECT_EQ(result_.policies[0].policy, "incoming");
  EXPECT_EQ(result_.policies[1].policy, "oracle");
  EXPECT_EQ(result_.policies[2].policy, "random");
  EXPECT_EQ(result_.robustness_slates, 20);
}

TEST_F(EvaluationTest, MetricsAndIntervals) {
  const PolicyResult& incoming = result_.policies[0];
  const PolicyResult& oracle = result_.policies[1];
  ASSERT_EQ(incoming.metrics[0].metric, "R@1");
  // Incoming R@1: slates with the positive first (i % 5 == 0) plus the all-positive ones.
  EXPECT_NEAR(incoming.metrics[0].mean, 12.0 / 30.0, 1e-12);
  EXPECT_DOUBLE_EQ(incoming.metrics[0].diff.estimate, 0.0);
  EXPECT_DOUBLE_EQ(incoming.metrics[0].diff.lo, 0.0);
  for (const auto& m : oracle.metrics) {
    EXPECT_DOUBLE_EQ(m.mean, 1.0) << m.metric;
  }
  EXPECT_NEAR(oracle.metrics[0].diff.estimate, 18.0 / 30.0, 1e-12);
  EXPECT_GT(oracle.metrics[0].diff.lo, 0.0);
  EXPECT_EQ(oracle.metrics[5].metric, "AUC");
  EXPECT_EQ(oracle.metrics[5].n, 24);
  EXPECT_EQ(oracle.metrics[0].n, 30);
  // Incoming is ideal on the slates with the positive first and the all-positive ones.
  EXPECT_EQ(result_.incoming_ideal, 12);
}

TEST_F(EvaluationTest, PairedComparisonsBetweenNamedPolicies) {
  EvalOptions o = quiet_options();
  o.comparisons = {{"oracle", "random"}, {"random", "oracle"}, {"oracle", "incoming"}};
  const EvalResult r = evaluate({oracle_.get(), &random_}, slates_, o);
  ASSERT_EQ(r.comparisons.size(), 3u);
  const double oracle_r1 = r.policies[1].metrics[0].mean, random_r1 = r.policies[2].metrics[0].mean;
  EXPECT_EQ(r.comparisons[0].policy, "oracle");
  EXPECT_EQ(r.comparisons[0].reference, "random");
  EXPECT_DOUBLE_EQ(r.comparisons[0].metrics[0].mean, oracle_r1);
  EXPECT_NEAR(r.comparisons[0].metrics[0].diff.estimate, oracle_r1 - random_r1, 1e-12);
  EXPECT_NEAR(r.comparisons[1].metrics[0].diff.estimate, random_r1 - oracle_r1, 1e-12);
  EXPECT_GT(r.comparisons[0].metrics[0].diff.lo, 0.0);  // the oracle is always right, random rarely
  EXPECT_LT(r.comparisons[1].metrics[0].diff.hi, 0.0);
  // Against incoming it is the same interval as the main table's.
  EXPECT_DOUBLE_EQ(r.comparisons[2].metrics[0].diff.estimate, r.policies[1].metrics[0].diff.estimate);
  EXPECT_DOUBLE_EQ(r.comparisons[2].metrics[0].diff.lo, r.policies[1].metrics[0].diff.lo);
  const std::string md = format_report_markdown(r);
  EXPECT_NE(md.find("| oracle vs random |"), std::string::npos) << md;
  const Json j = report_to_json(r);
  EXPECT_EQ(j.at("comparisons").size(), 3u);
  EXPECT_EQ(j.at("comparisons")[0].at("reference"), "random");
  // No comparisons: no section.
  EXPECT_EQ(format_report_markdown(result_).find(" vs "), std::string::npos);
}

TEST_F(EvaluationTest, ComparisonOfAPolicyThatIsNotEvaluatedIsRefusedBeforeRunning) {
  EvalOptions o = quiet_options();
  o.comparisons = {{"oracle", "sft_targeted"}};
  expect_error([&] { evaluate({oracle_.get()}, slates_, o); }, "'sft_targeted', which is not among the evaluated policies");
}

TEST_F(EvaluationTest, Diagnostics) {
  const PolicyDiagnostics& incoming = result_.policies[0].diagnostics;
  const PolicyDiagnostics& oracle = result_.policies[1].diagnostics;
  EXPECT_EQ(incoming.answers, 30);
  EXPECT_DOUBLE_EQ(incoming.identity_copy_rate, 1.0);
  EXPECT_DOUBLE_EQ(incoming.top1_kept_rate, 1.0);
  ASSERT_TRUE(incoming.has_robustness);
  EXPECT_LT(incoming.robustness.top1_agreement, 0.6);
  // The oracle follows items, but ties (all-positive slates) follow positions.
  EXPECT_EQ(oracle.robustness.slates, 20);
  EXPECT_GT(oracle.robustness.top1_agreement, 0.7);
  EXPECT_GE(oracle.mean_latency_ms, 0.0);
  // Oracle top-1 positions: the positive's position i % 5, 0 for all-positive slates.
  int64_t total = 0;
  for (int64_t c : oracle.top1_position_histogram) total += c;
  EXPECT_EQ(total, 30);
}

TEST_F(EvaluationTest, MarkdownTables) {
  const std::string md = format_report_markdown(result_);
  EXPECT_NE(md.find("| policy | R@1 | R@3 | R@5 | N@3 | N@5 | AUC |"), std::string::npos) << md;
  EXPECT_NE(md.find("| incoming | 0.400 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| oracle | 1.000 (+0.600 ["), std::string::npos) << md;
  EXPECT_NE(md.find("30 evaluated"), std::string::npos);
  EXPECT_NE(md.find("10 skipped without a positive"), std::string::npos);
  EXPECT_NE(md.find("## Diagnostics"), std::string::npos);
  EXPECT_NE(md.find("| incoming | - | 100.0% | 100.0% |"), std::string::npos) << md;
}

TEST(Report, MetricCellFormat) {
  MetricResult m;
  m.n = 10;
  m.mean = 0.3124;
  m.diff = {0.0411, 0.0296, 0.0524, 10};
  EXPECT_EQ(format_metric_cell(m, false), "0.312 (+0.041 [+0.030, +0.052])");
  EXPECT_EQ(format_metric_cell(m, true), "0.312");
  m.diff = {-0.02, -0.05, 0.01, 10};
  EXPECT_EQ(format_metric_cell(m, false), "0.312 (-0.020 [-0.050, +0.010])");
  m.n = 0;
  EXPECT_EQ(format_metric_cell(m, false), "n/a");
}

TEST_F(EvaluationTest, JsonHasEveryNumber) {
  const Json j = report_to_json(result_);
  EXPECT_EQ(j["slates"]["evaluated"], 30);
  EXPECT_EQ(j["slates"]["skipped_no_positive"], 10);
  EXPECT_EQ(j["bootstrap"]["resamples"], 300);
  ASSERT_EQ(j["policies"].size(), 3u);
  const Json& oracle = j["policies"][1];
  EXPECT_EQ(oracle["name"], "oracle");
  EXPECT_DOUBLE_EQ(oracle["metrics"]["R@1"]["mean"].get<double>(), 1.0);
  EXPECT_EQ(oracle["metrics"]["AUC"]["n"], 24);
  EXPECT_EQ(oracle["metrics"]["R@3"]["ci"].size(), 2u);
  EXPECT_TRUE(oracle["metrics"]["N@5"]["diff_vs_incoming"]["lo"].is_number());
  EXPECT_EQ(oracle["diagnostics"]["answers"], 30);
  EXPECT_TRUE(oracle["diagnostics"]["order_robustness"]["mean_kendall_tau"].is_number());
  EXPECT_EQ(j["policies"][0]["diagnostics"]["identity_copy_rate"], 1.0);
}

TEST_F(EvaluationTest, SvgIsWellFormedWithBars) {
  const std::string svg = render_svg_chart(result_);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_TRUE(tags_balanced(svg)) << svg;
  EXPECT_EQ(count(svg, "class=\"bar\""), 9u);  // 3 policies x R@1, R@3, N@3
  EXPECT_EQ(count(svg, "class=\"whisker\""), 9u);
  EXPECT_NE(svg.find(">R@1</text>"), std::string::npos);  // legend
  EXPECT_NE(svg.find(">oracle</text>"), std::string::npos);
}

TEST_F(EvaluationTest, WritesAllReportFiles) {
  TempDir dir;
  write_report(result_, dir.path("out/nested"));
  EXPECT_EQ(read_file(dir.path("out/nested/report.md")), format_report_markdown(result_));
  const Json j = Json::parse(read_file(dir.path("out/nested/report.json")));
  EXPECT_EQ(j["format"], "gr2-eval-report");
  EXPECT_EQ(read_file(dir.path("out/nested/report.svg")).rfind("<svg", 0), 0u);
}

TEST(Evaluation, RejectsBadInput) {
  std::vector<Slate> slates = make_slates(nullptr);
  RandomPolicy a(1), b(2);
  expect_error([&] { evaluate({&a, &b}, slates, quiet_options()); }, "policy 'random' is listed twice");
  for (auto& s : slates) s.labels.assign(5, 0);
  IncomingPolicy inc;
  expect_error([&] { evaluate({&inc}, slates, quiet_options()); }, "none of the 40 slates has a positive");
}

TEST(Evaluation, InvalidAnswersFallBackToIncomingInMetrics) {
  class AlwaysInvalid : public Policy {
   public:
    std::string name() const override { return "broken"; }
    bool can_fail() const override { return true; }
    PolicyAnswer rank(const RankRequest&) override {
      PolicyAnswer a;
      a.valid = false;
      a.failure = "unparseable";
      return a;
    }
  } broken;
  std::vector<Slate> slates = make_slates(nullptr);
  EvalResult r = evaluate({&broken}, slates, quiet_options());
  ASSERT_EQ(r.policies.size(), 2u);
  const PolicyResult& p = r.policies[1];
  EXPECT_DOUBLE_EQ(p.diagnostics.invalid_rate, 1.0);
  EXPECT_EQ(p.diagnostics.failures.at("unparseable"), 30);
  EXPECT_EQ(p.diagnostics.robustness.skipped_invalid, 20);
  EXPECT_DOUBLE_EQ(p.metrics[0].mean, r.policies[0].metrics[0].mean);
  EXPECT_DOUBLE_EQ(p.metrics[0].diff.estimate, 0.0);
  EXPECT_NE(format_diagnostics_table(r).find("| broken | 100.0% |"), std::string::npos);
}

}  // namespace
}  // namespace gr2
