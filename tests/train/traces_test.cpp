// Tests of trace generation: rejection and targeted modes on a small synthetic world, the traces
// file (records, torn last line, damaged lines), resuming after a partial run, the report, and the
// `gr2 traces` command end to end.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "gr2/core/file_io.h"
#include "gr2/prompt/answer_parser.h"
#include "gr2/prompt/prompt_renderer.h"
#include "gr2/train/traces/teachers/heuristic_teacher.h"
#include "gr2/train/traces/trace_file.h"
#include "gr2/train/traces/trace_generation.h"
#include "gr2/train/traces/trace_report.h"
#include "gr2/train/traces/traces_config.h"
#include "test_util.h"
#include "train/trace_fixtures.h"

namespace gr2::train::traces {
namespace {

std::map<std::string, const Slate*> by_id(const std::vector<Slate>& slates) {
  std::map<std::string, const Slate*> out;
  for (const Slate& s : slates) out[s.request_id] = &s;
  return out;
}

TraceRunOptions quiet_options(teachers::TeachMode mode, int attempts, double temperature) {
  TraceRunOptions o;
  o.mode = mode;
  o.attempts = attempts;
  o.temperature = temperature;
  o.show_progress = false;
  o.batch = 16;
  return o;
}

class TracesWorld : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir();
    world_ = new test::SmallWorld(tmp_->path("data"));
  }
  static void TearDownTestSuite() {
    delete world_;
    delete tmp_;
  }
  teachers::HeuristicTeacher teacher(double temperature, uint64_t seed = 3) const {
    teachers::HeuristicTeacherOptions o;
    o.temperature = temperature;
    o.seed = seed;
    return teachers::HeuristicTeacher(world_->catalog, world_->train_events, renderer_, o);
  }
  static TempDir* tmp_;
  static test::SmallWorld* world_;
  prompt::PromptRenderer renderer_{world_->catalog, world_->sids};
};
TempDir* TracesWorld::tmp_ = nullptr;
test::SmallWorld* TracesWorld::world_ = nullptr;

TEST_F(TracesWorld, RejectionKeepsOnlyPositiveFirstWithinTheAttemptLimit) {
  TempDir out;
  teachers::HeuristicTeacher t = teacher(1.0);
  const TraceRunResult r = generate_traces(t, world_->train_slates, out.path("traces.jsonl"),
                                           quiet_options(teachers::TeachMode::Rejection, 3, 1.0));
  const auto slates = by_id(world_->train_slates);
  int64_t with_positive = 0;
  for (const Slate& s : world_->train_slates) with_positive += s.has_positive();
  EXPECT_EQ(r.eligible, with_positive);
  EXPECT_EQ(r.made, with_positive);
  EXPECT_EQ(r.resumed, 0);
  const TraceFileContents file = read_trace_file(out.path("traces.jsonl"));
  ASSERT_EQ(static_cast<int64_t>(file.records.size()), with_positive);
  int64_t accepted = 0, retried = 0;
  for (const TraceRecord& rec : file.records) {
    const Slate& s = *slates.at(rec.request_id);
    EXPECT_TRUE(s.has_positive());
    EXPECT_EQ(rec.teacher, "heuristic");
    EXPECT_EQ(rec.mode, "rejection");
    EXPECT_EQ(rec.target, -1);
    EXPECT_GE(rec.attempts, 1);
    EXPECT_LE(rec.attempts, 3);
    ASSERT_EQ(rec.attempt_log.size(), static_cast<size_t>(rec.attempts));
    for (int a = 0; a < rec.attempts; ++a) EXPECT_EQ(rec.attempt_log[size_t(a)].attempt, a);
    ASSERT_TRUE(is_permutation_of(rec.order, s.size()));  // the heuristic is always valid
    for (size_t k = 0; k < rec.order.size(); ++k) EXPECT_EQ(rec.ranking[k], s.candidates[size_t(rec.order[k])].item_id);
    EXPECT_EQ(rec.seed, teachers::attempt_seed(3, rec.request_id, rec.attempt));
    EXPECT_EQ(rec.top1_label, s.labels[size_t(rec.order[0])]);
    if (rec.accepted) {
      ++accepted;
      EXPECT_GT(s.labels[size_t(rec.order[0])], 0) << rec.request_id;
      EXPECT_EQ(rec.attempt, rec.attempts - 1) << "sampling stops at the first accepted attempt";
      for (int a = 0; a + 1 < rec.attempts; ++a) EXPECT_EQ(rec.attempt_log[size_t(a)].top1_label, 0);
      retried += rec.attempt > 0;
      // The kept trace renders and parses back.
      const RankRequest q = make_request(s);
      const prompt::ParsedAnswer p = renderer_.parse(renderer_.render_answer(q, rec.order, rec.reasoning), q);
      ASSERT_TRUE(p.valid());
      EXPECT_EQ(p.order, rec.order);
    } else {
      EXPECT_EQ(rec.attempts, 3);
      EXPECT_EQ(s.labels[size_t(rec.order[0])], 0);
    }
  }
  EXPECT_GT(accepted, with_positive / 3);
  EXPECT_LT(accepted, with_positive);
  EXPECT_GT(retried, 0) << "rejection sampling should rescue some slates on later attempts";
  // The report agrees with the file.
  EXPECT_EQ(r.report.records, with_positive);
  EXPECT_EQ(r.report.accepted, accepted);
  EXPECT_NEAR(r.report.acceptance_rate, double(accepted) / double(with_positive), 1e-12);
  EXPECT_GE(r.report.mean_attempts, 1.0);
  EXPECT_LE(r.report.mean_attempts, 3.0);
  EXPECT_GT(r.report.mean_reasoning_tokens, 40);
  EXPECT_LT(r.report.mean_reasoning_tokens, 120);
  EXPECT_GE(r.report.mean_cited_sids, 3.0);
  EXPECT_GT(r.report.attempt_top1, 0.0);
  EXPECT_NEAR(r.report.first_attempt_top1 * with_positive,
              std::count_if(file.records.begin(), file.records.end(),
                            [](const TraceRecord& x) { return x.attempt_log[0].top1_label > 0; }),
              1e-6);
  const Json report = Json::parse(read_file(out.path("traces.jsonl.report.json")));
  EXPECT_EQ(report["accepted"], accepted);
  EXPECT_EQ(report["mode"], "rejection");
  EXPECT_EQ(report["teacher"]["teacher"], "heuristic");
  EXPECT_EQ(report["max_attempts"], 3);
}

TEST_F(TracesWorld, TargetedAcceptsEveryTraceWithTheTargetFirst) {
  TempDir out;
  teachers::HeuristicTeacher t = teacher(0.5);
  TraceRunOptions o = quiet_options(teachers::TeachMode::Targeted, 4, 0.5);
  o.limit = 40;
  const TraceRunResult r = generate_traces(t, world_->train_slates, out.path("t.jsonl"), o);
  EXPECT_EQ(r.eligible, 40);
  const auto slates = by_id(world_->train_slates);
  const TraceFileContents file = read_trace_file(out.path("t.jsonl"));
  ASSERT_EQ(file.records.size(), 40u);
  for (const TraceRecord& rec : file.records) {
    const Slate& s = *slates.at(rec.request_id);
    EXPECT_TRUE(rec.accepted);
    EXPECT_EQ(rec.attempts, 1);
    EXPECT_EQ(rec.target, teachers::target_candidate(s.labels));
    EXPECT_EQ(rec.order[0], rec.target);
    EXPECT_EQ(rec.top1_label, *std::max_element(s.labels.begin(), s.labels.end()));
  }
  EXPECT_DOUBLE_EQ(r.report.acceptance_rate, 1.0);
  EXPECT_DOUBLE_EQ(r.report.attempt_top1, 1.0);
}

TEST_F(TracesWorld, DistillKeepsTheTeachersRankingOfEverySlateWithOrWithoutAPositive) {
  TempDir out;
  teachers::HeuristicTeacher t = teacher(0.0);
  const TraceRunResult r = generate_traces(t, world_->train_slates, out.path("sub/d.jsonl"),
                                           quiet_options(teachers::TeachMode::Distill, 4, 0.0));
  int64_t without_positive = 0;
  for (const Slate& s : world_->train_slates) without_positive += !s.has_positive();
  ASSERT_GT(without_positive, 0) << "the small world should have slates without a positive";
  EXPECT_EQ(r.eligible, static_cast<int64_t>(world_->train_slates.size()));
  const TraceFileContents file = read_trace_file(out.path("sub/d.jsonl"));  // the parent was created
  ASSERT_EQ(file.records.size(), world_->train_slates.size());
  const auto slates = by_id(world_->train_slates);
  teachers::HeuristicTeacher again = teacher(0.0);
  for (const TraceRecord& rec : file.records) {
    const Slate& s = *slates.at(rec.request_id);
    EXPECT_TRUE(rec.accepted) << rec.request_id;
    EXPECT_EQ(rec.attempts, 1);
    EXPECT_EQ(rec.target, -1);  // the label is never shown
    EXPECT_EQ(rec.top1_label, s.labels[static_cast<size_t>(rec.order[0])]);
    // The kept order is the teacher's own answer with the label hidden.
    const RankRequest request = make_request(s);
    const teachers::TeacherTrace direct = again.teach(teachers::TeachRequest{&request, -1, 0});
    EXPECT_EQ(rec.order, direct.order) << rec.request_id;
  }
  EXPECT_DOUBLE_EQ(r.report.acceptance_rate, 1.0);
  EXPECT_EQ(teachers::parse_teach_mode("distill"), teachers::TeachMode::Distill);
  EXPECT_EQ(teachers::teach_mode_name(teachers::TeachMode::Distill), "distill");
}

TEST_F(TracesWorld, DeterministicTeacherMakesOneAttempt) {
  TempDir out;
  teachers::HeuristicTeacher t = teacher(0.0);
  TraceRunOptions o = quiet_options(teachers::TeachMode::Rejection, 5, 0.0);
  o.limit = 50;
  const TraceRunResult r = generate_traces(t, world_->train_slates, out.path("d.jsonl"), o);
  EXPECT_DOUBLE_EQ(r.report.mean_attempts, 1.0);
  EXPECT_DOUBLE_EQ(r.report.acceptance_rate, r.report.first_attempt_top1);
}

TEST_F(TracesWorld, ResumeAfterAPartialRunWithATornLineGivesTheSameFile) {
  TempDir out;
  const std::string full = out.path("full.jsonl");
  const std::string part = out.path("part.jsonl");
  teachers::HeuristicTeacher t = teacher(1.0);
  TraceRunOptions o = quiet_options(teachers::TeachMode::Rejection, 3, 1.0);
  o.limit = 120;
  generate_traces(t, world_->train_slates, full, o);

  // A run "killed" after 50 records, in the middle of the 51st line.
  TraceRunOptions first = o;
  first.limit = 51;
  generate_traces(t, world_->train_slates, part, first);
  std::string text = read_file(part);
  const size_t cut = text.rfind('\n', text.size() - 2);  // start of the last line
  text.resize(cut + 1 + (text.size() - cut - 1) / 2);
  write_file_atomic(part, text);
  const TraceFileContents torn = read_trace_file(part, /*truncate_torn=*/false);
  EXPECT_EQ(torn.records.size(), 50u);
  EXPECT_EQ(torn.torn_lines, 1);

  // Different batch size on purpose: traces must not depend on batching.
  TraceRunOptions again = o;
  again.batch = 7;
  const TraceRunResult r = generate_traces(t, world_->train_slates, part, again);
  EXPECT_EQ(r.torn_lines, 1);
  EXPECT_EQ(r.resumed, 50);
  EXPECT_EQ(r.made, 70);
  EXPECT_EQ(read_file(part), read_file(full));
  EXPECT_EQ(r.report.to_json(), summarize_traces(read_trace_file(full).records).to_json());

  // Another run over a finished file changes nothing.
  const TraceRunResult idle = generate_traces(t, world_->train_slates, part, again);
  EXPECT_EQ(idle.made, 0);
  EXPECT_EQ(read_file(part), read_file(full));

  // Mixing teachers, modes or temperatures in one file is refused.
  teachers::HeuristicTeacher cold = teacher(0.0);
  expect_error([&] { generate_traces(cold, world_->train_slates, part, quiet_options(teachers::TeachMode::Rejection, 3, 0.0)); },
               "holds traces of teacher 'heuristic', mode rejection, temperature 1.0");
  expect_error([&] { generate_traces(t, world_->train_slates, part, quiet_options(teachers::TeachMode::Targeted, 3, 1.0)); },
               "Delete the file or write to another --out");
}

// A teacher whose server is down for some requests: it answers the incoming order, or fails in
// transport for request ids in `down`.
class FlakyTeacher : public teachers::Teacher {
 public:
  std::set<std::string> down;
  std::string name() const override { return "flaky"; }
  Json describe() const override { return Json{{"teacher", "flaky"}}; }
  teachers::TeacherTrace teach(const teachers::TeachRequest& t) override {
    teachers::TeacherTrace trace;
    if (down.count(t.request->request_id)) {
      trace.failure = "timeout";
      trace.message = "no reply within 1 s";
      return trace;
    }
    trace.valid = true;
    for (int i = 0; i < t.request->size(); ++i) trace.order.push_back(i);
    trace.reasoning = "as given";
    return trace;
  }
};

TEST_F(TracesWorld, UnansweredRequestsAreLeftForTheNextRun) {
  TempDir out;
  const std::string path = out.path("f.jsonl");
  FlakyTeacher teacher;
  std::vector<std::string> ids;
  for (const Slate& s : world_->train_slates) {
    if (s.has_positive() && ids.size() < 30) ids.push_back(s.request_id);
  }
  teacher.down = {ids[3], ids[20]};
  TraceRunOptions o = quiet_options(teachers::TeachMode::Rejection, 2, 0.0);
  o.limit = 30;
  const TraceRunResult first = generate_traces(teacher, world_->train_slates, path, o);
  EXPECT_EQ(first.made, 28);
  EXPECT_EQ(first.unanswered, 2);
  EXPECT_EQ(first.first_unanswered, ids[3] + ": no reply within 1 s");
  EXPECT_EQ(read_trace_file(path).records.size(), 28u);
  // The server is back: the next run makes the two missing traces.
  teacher.down.clear();
  const TraceRunResult second = generate_traces(teacher, world_->train_slates, path, o);
  EXPECT_EQ(second.resumed, 28);
  EXPECT_EQ(second.made, 2);
  EXPECT_EQ(second.unanswered, 0);
  EXPECT_EQ(second.report.records, 30);
  // A teacher that answers nothing of the first batch stops the run before writing anything.
  FlakyTeacher dead;
  for (const Slate& s : world_->train_slates) dead.down.insert(s.request_id);
  expect_error([&] { generate_traces(dead, world_->train_slates, out.path("dead.jsonl"), o); },
               "the teacher answered none of the first 16 requests");
  EXPECT_TRUE(read_trace_file(out.path("dead.jsonl")).records.empty());
}

TEST(TracesFile, RecordsRoundTripAndDamageIsReported) {
  TraceRecord r;
  r.request_id = "q1";
  r.teacher = "http";
  r.mode = "rejection";
  r.accepted = true;
  r.attempt = 1;
  r.attempts = 2;
  r.temperature = 0.7;
  r.seed = 18446744073709551615ull;
  r.order = {2, 0, 1};
  r.ranking = {"c", "a", "b"};
  r.reasoning = "1. History: none.\n2. x\n3. Choice: y.";
  r.top1_label = 2;
  r.attempt_log = {{0, false, -1, 0, "unparseable", "no </think>"}, {1, true, 2, 2, "", ""}};
  r.attempt_log[0].info = Json{{"reply", "I pick c"}, {"finish_reason", "stop"}};  // a failed attempt's reply
  r.info = Json{{"tries", 1}};
  const TraceRecord back = TraceRecord::from_json(r.to_json(), "here");
  EXPECT_EQ(back.to_json(), r.to_json());
  EXPECT_EQ(back.attempt_log[0].info["reply"], "I pick c");
  EXPECT_EQ(back.seed, r.seed);
  expect_error([&] { Json j = r.to_json(); j["mode"] = "both"; TraceRecord::from_json(j, "f:3"); }, "f:3: field 'mode'");
  expect_error([&] { Json j = r.to_json(); j["extra"] = 1; TraceRecord::from_json(j, "f:3"); }, "extra");

  TempDir tmp;
  const std::string line = r.to_json().dump();
  EXPECT_TRUE(read_trace_file(tmp.path("missing.jsonl")).records.empty());
  // A damaged line before the end is an error; a torn last line is cut off.
  tmp.write("bad.jsonl", line + "\n{\"request_id\n" + line + "\n");
  expect_error([&] { read_trace_file(tmp.path("bad.jsonl")); }, "bad.jsonl:2: damaged trace record");
  const std::string torn = tmp.write("torn.jsonl", line + "\n\n" + line + "\n" + line.substr(0, 30));
  const TraceFileContents c = read_trace_file(torn);
  EXPECT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.torn_lines, 1);
  EXPECT_EQ(read_file(torn), line + "\n\n" + line + "\n");
  // A complete record without its newline is also dropped (it is rewritten on resume).
  const std::string no_newline = tmp.write("nl.jsonl", line + "\n" + line);
  EXPECT_EQ(read_trace_file(no_newline).records.size(), 1u);
  EXPECT_EQ(read_file(no_newline), line + "\n");
}

TEST(TracesReport, CountsAttemptsFailuresAndTokens) {
  EXPECT_EQ(approx_token_count("3. Choice: <|sid_begin|><s_a_1><s_b_22><|sid_end|>."), 9);
  EXPECT_EQ(approx_token_count("follows Cat Litter, brand Quiwood"), 6);
  EXPECT_EQ(approx_token_count(""), 0);
  TraceRecord a;
  a.request_id = "a";
  a.accepted = true;
  a.attempt = 1;
  a.attempts = 2;
  a.order = {0, 1};
  a.reasoning = "<|sid_begin|><s_a_1><|sid_end|> x";
  a.attempt_log = {{0, false, -1, 0, "timeout", "slow"}, {1, true, 0, 1, "", ""}};
  TraceRecord b;
  b.request_id = "b";
  b.attempt = 0;
  b.attempts = 1;
  b.order = {1, 0};
  b.attempt_log = {{0, true, 1, 0, "", ""}};
  const TraceReport r = summarize_traces({a, b});
  EXPECT_EQ(r.records, 2);
  EXPECT_EQ(r.accepted, 1);
  EXPECT_DOUBLE_EQ(r.acceptance_rate, 0.5);
  EXPECT_DOUBLE_EQ(r.mean_attempts, 1.5);
  EXPECT_DOUBLE_EQ(r.mean_attempts_accepted, 2.0);
  EXPECT_EQ(r.invalid_attempts, 1);
  EXPECT_EQ(r.failures.at("timeout"), 1);
  EXPECT_DOUBLE_EQ(r.first_attempt_top1, 0.0);
  EXPECT_DOUBLE_EQ(r.attempt_top1, 1.0 / 3.0);
  EXPECT_EQ(r.accepted_at, (std::vector<int64_t>{0, 1}));
  EXPECT_DOUBLE_EQ(r.mean_reasoning_tokens, 4.0);
  EXPECT_DOUBLE_EQ(r.mean_cited_sids, 1.0);
  EXPECT_DOUBLE_EQ(r.top1_incoming_first, 1.0);
  EXPECT_NE(r.format().find("1 accepted (50.0%)"), std::string::npos) << r.format();
  EXPECT_DOUBLE_EQ(r.mean_reasoning_tokens_exact, -1.0);
  EXPECT_FALSE(r.to_json().contains("mean_reasoning_tokens"));
  const TraceReport exact = summarize_traces({a, b}, [](std::string_view text) { return int64_t(text.size()); });
  EXPECT_DOUBLE_EQ(exact.mean_reasoning_tokens_exact, double(a.reasoning.size()));
  EXPECT_EQ(exact.to_json()["mean_reasoning_tokens"], double(a.reasoning.size()));
  EXPECT_NE(exact.format().find("with the vocabulary"), std::string::npos);
}

TEST(TracesConfig, ReadsTheSectionStrictly) {
  const Config config = Config::parse(
      "[traces]\nteacher = \"http\"\nmode = \"targeted\"\nattempts = 2\ntemperature = 0.9\nhttp_model = \"m\"\n"
      "http_base_url = \"http://localhost:9/v1\"\nhttp_retries = 0\nhttp_instructions = \"Shampoo before conditioner.\"\n");
  const TracesConfig c = TracesConfig::from_config(config);
  EXPECT_EQ(c.teacher, "http");
  EXPECT_EQ(c.mode, "targeted");
  EXPECT_EQ(c.attempts, 2);
  EXPECT_DOUBLE_EQ(c.temperature, 0.9);
  EXPECT_EQ(c.http.model, "m");
  EXPECT_EQ(c.http.retries, 0);
  EXPECT_EQ(c.http.instructions, "Shampoo before conditioner.");
  expect_error([] { TracesConfig::from_config(Config::parse("[traces]\nattempt = 2\n")); }, "unknown key 'traces.attempt'");
  expect_error([] { TracesConfig::from_config(Config::parse("[traces]\nmode = \"both\"\n")); }, "unknown trace mode");
  expect_error([] { TracesConfig::from_config(Config::parse("[traces]\nteacher = \"gpt\"\n")); }, "unknown teacher 'gpt'");
  Catalog catalog;
  catalog.add(Item{"a", "A", {"X"}, "", ""});
  const sid::SidTable sids = test::hand_sids(catalog);
  const prompt::PromptRenderer renderer(catalog, sids);
  TracesConfig k;
  k.teacher = "checkpoint:/nonexistent/gr2-model";
  expect_error([&] { make_teacher(k, TeacherInputs{&catalog, nullptr, &renderer}); }, "no sids.jsonl");
  k.teacher = "heuristic";
  expect_error([&] { make_teacher(k, TeacherInputs{&catalog, nullptr, &renderer}); }, "training events");
}

// `gr2 traces` end to end: an interrupted run (a torn last line) resumed gives the uninterrupted file.
TEST_F(TracesWorld, SharedSidIsRefusedBeforeAnyWork) {
  TempDir out;
  // Item 1 gets item 0's SID.
  sid::SidTable shared = world_->sids;
  std::copy(shared.sid(0), shared.sid(0) + shared.levels, shared.sid(1));
  const std::string path = out.path("sids.jsonl");
  sid::write_sids_jsonl(shared, path);
  const CliResult r = run_cli("traces --data " + world_->root + " --sids " + path + " --out " + out.path("t.jsonl") +
                              " --mode rejection --quiet");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(path + ": items '" + shared.ids[0] + "' and '" + shared.ids[1] + "' share the SID " +
                          sid::sid_to_tokens(shared.sid(0), shared.levels)),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(file_exists(out.path("t.jsonl")));
}

TEST_F(TracesWorld, CliResumesToTheSameFile) {
  TempDir out;
  const std::string common = "traces --data " + world_->root + " --sids " + world_->sids_path +
                             " --attempts 3 --seed 11 --quiet";
  const std::string same = " --mode rejection --temperature 0.8";
  const CliResult full = run_cli(common + same + " --out " + out.path("full.jsonl") + " --limit 60");
  ASSERT_EQ(full.status, 0) << full.output;
  EXPECT_NE(full.output.find("60 slates with a positive"), std::string::npos) << full.output;
  EXPECT_NE(full.output.find("accepted ("), std::string::npos) << full.output;
  EXPECT_TRUE(file_exists(out.path("full.jsonl.report.json")));

  const CliResult part = run_cli(common + same + " --out " + out.path("part.jsonl") + " --limit 25 --batch 4");
  ASSERT_EQ(part.status, 0) << part.output;
  std::string text = read_file(out.path("part.jsonl"));
  text += text.substr(0, 40);  // a torn line, as a kill mid-write leaves it
  write_file_atomic(out.path("part.jsonl"), text);
  const CliResult resumed = run_cli(common + same + " --out " + out.path("part.jsonl") + " --limit 60 --batch 9");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("25 already in"), std::string::npos) << resumed.output;
  EXPECT_NE(resumed.output.find("torn last line was dropped"), std::string::npos) << resumed.output;
  EXPECT_EQ(read_file(out.path("part.jsonl")), read_file(out.path("full.jsonl")));

  // --vocab: exact reasoning lengths with a trained vocabulary.
  const CliResult vocab = run_cli("vocab train --corpus " + world_->root + "/corpus.txt --out " + out.path("vocab") +
                                  " --vocab-size 500 --sid-levels 4 --sid-codes 16");
  ASSERT_EQ(vocab.status, 0) << vocab.output;
  const CliResult counted = run_cli(common + same + " --out " + out.path("v.jsonl") + " --limit 5 --vocab " + out.path("vocab"));
  ASSERT_EQ(counted.status, 0) << counted.output;
  EXPECT_NE(counted.output.find("with the vocabulary"), std::string::npos) << counted.output;
  EXPECT_GT(Json::parse(read_file(out.path("v.jsonl.report.json")))["mean_reasoning_tokens"].get<double>(), 30.0);

  const CliResult config = run_cli(common + " --out " + out.path("x.jsonl") + " --set traces.attemps=2");
  EXPECT_EQ(config.status, 2);
  EXPECT_NE(config.output.find("unknown key 'traces.attemps'"), std::string::npos) << config.output;
  const CliResult other = run_cli(common + " --out " + out.path("x.jsonl") + " --set sft.x=1");
  EXPECT_EQ(other.status, 2);
  const CliResult mixed = run_cli(common + " --out " + out.path("full.jsonl") + " --limit 61 --mode rejection --temperature 0.5");
  EXPECT_EQ(mixed.status, 2);
  EXPECT_NE(mixed.output.find("holds traces of teacher"), std::string::npos) << mixed.output;
}

}  // namespace
}  // namespace gr2::train::traces
