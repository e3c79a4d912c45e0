// The checkpoint teacher (a local gr2 re-ranker sampled as the teacher of `gr2 traces`) and the
// citation check it shares with the http teacher: accepted and rejected reasonings, failures of an
// untrained model recorded as failed attempts, reproducible batches, and the errors a user can hit
// (targeted mode, a checkpoint without a think block, a missing directory).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include <torch/torch.h>

#include "gr2/core/file_io.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/lm/qwen3_model.h"
#include "gr2/lm/vocabulary.h"
#include "gr2/prompt/prompt_renderer.h"
#include "gr2/reranker/lm_reranker.h"
#include "gr2/train/traces/teachers/checkpoint_teacher.h"
#include "gr2/train/traces/teachers/teacher.h"
#include "gr2/train/traces/traces_config.h"
#include "test_util.h"
#include "train/trace_fixtures.h"

namespace gr2::train::traces::teachers {
namespace {

class CheckpointTeacherWorld : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir();
    world_ = new test::SmallWorld(tmp_->path("data"));
    // A tiny untrained re-ranker checkpoint: vocabulary from the catalog's titles + the SID block of
    // the hand-made SID table, a random 1-layer model, think = true.
    const lm::Vocabulary vocab = test::tiny_vocabulary(*world_);
    for (const std::string name : {"think", "direct"}) {
      const std::string dir = tmp_->path(name);
      test::write_tiny_checkpoint(dir, *world_, vocab, 1, 7);
      LmRerankerOptions o;
      o.prompt.think = name == "think";
      o.prompt.max_history = 6;
      o.prompt.title_chars = 16;
      o.max_think_tokens = 12;
      lm::update_gr2_json(dir, "reranker", o.to_json());
    }
  }
  static void TearDownTestSuite() {
    delete world_;
    delete tmp_;
  }
  static CheckpointTeacherOptions options(double temperature, uint64_t seed = 5) {
    CheckpointTeacherOptions o;
    o.dir = tmp_->path("think");
    o.temperature = temperature;
    o.seed = seed;
    o.batch_size = 8;
    return o;
  }
  static TempDir* tmp_;
  static test::SmallWorld* world_;
  prompt::PromptRenderer renderer_{world_->catalog, world_->sids};
};
TempDir* CheckpointTeacherWorld::tmp_ = nullptr;
test::SmallWorld* CheckpointTeacherWorld::world_ = nullptr;

TEST_F(CheckpointTeacherWorld, CitationCheckAcceptsCandidatesAndShownHistoryOnly) {
  const std::vector<Slate> slates = world_->with_positive(1);
  ASSERT_EQ(slates.size(), 1u);
  const RankRequest request = make_request(slates[0]);
  const std::string candidate = renderer_.item_sid(request.candidates[3].item_id);
  const std::string recent = renderer_.item_sid(request.history.back());
  TeacherTrace ok;
  EXPECT_TRUE(check_citations("Step 1: the user keeps buying " + recent + "; " + candidate + " fits.", request,
                              renderer_, ok));
  EXPECT_TRUE(ok.failure.empty());

  TeacherTrace none;
  EXPECT_FALSE(check_citations("the user likes " + recent + " only", request, renderer_, none));
  EXPECT_EQ(none.failure, "no_citation");

  // A catalog item that is neither a candidate nor in the history.
  std::set<std::string> in_prompt(request.history.begin(), request.history.end());
  for (const Candidate& c : request.candidates) in_prompt.insert(c.item_id);
  std::string stranger;
  for (const auto& it : world_->catalog.items())
    if (!in_prompt.count(it.item_id)) {
      stranger = it.item_id;
      break;
    }
  TeacherTrace bad;
  EXPECT_FALSE(check_citations(candidate + " and " + renderer_.item_sid(stranger), request, renderer_, bad));
  EXPECT_EQ(bad.failure, "bad_citation");
  EXPECT_NE(bad.message.find(renderer_.item_sid(stranger)), std::string::npos);
}

TEST_F(CheckpointTeacherWorld, UntrainedModelAttemptsAreAnsweredAndReproducible) {
  const std::vector<Slate> slates = world_->with_positive(10);
  std::vector<RankRequest> requests;
  for (const Slate& s : slates) requests.push_back(make_request(s));
  std::vector<TeachRequest> asks;
  for (const RankRequest& r : requests) asks.push_back(TeachRequest{&r, -1, 0});

  CheckpointTeacher teacher(world_->catalog, renderer_, options(1.0));
  EXPECT_EQ(teacher.name(), "checkpoint");
  EXPECT_FALSE(teacher.deterministic());
  EXPECT_EQ(teacher.describe()["max_think_tokens"], 12);
  const std::vector<TeacherTrace> a = teacher.teach_batch(asks);
  ASSERT_EQ(a.size(), asks.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].seed, attempt_seed(5, requests[i].request_id, 0));
    if (a[i].valid) {
      // The constrained answer is a permutation and the reasoning passed the citation check.
      std::vector<int> sorted = a[i].order;
      std::sort(sorted.begin(), sorted.end());
      for (size_t k = 0; k < sorted.size(); ++k) EXPECT_EQ(sorted[k], static_cast<int>(k));
    } else {
      // An untrained model's reasoning is noise: rejected by the citation check, never by the parser.
      EXPECT_TRUE(a[i].failure == "no_citation" || a[i].failure == "bad_citation") << a[i].failure;
      EXPECT_TRUE(a[i].order.empty());
      EXPECT_TRUE(a[i].info.contains("reply"));
    }
    EXPECT_LE(a[i].info["think_tokens"].get<int64_t>(), 12);
  }
  // The same requests in the same batch: the same traces; another seed: other samples.
  CheckpointTeacher again(world_->catalog, renderer_, options(1.0));
  const std::vector<TeacherTrace> b = again.teach_batch(asks);
  CheckpointTeacher other(world_->catalog, renderer_, options(1.0, 6));
  const std::vector<TeacherTrace> c = other.teach_batch(asks);
  int differ = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    // (a sampled reply may hold invalid UTF-8: the trace file writes it with replacement characters)
    const auto dump = [](const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); };
    EXPECT_EQ(dump(a[i].info), dump(b[i].info));
    EXPECT_EQ(a[i].failure, b[i].failure);
    differ += a[i].info.value("reply", "") != c[i].info.value("reply", "");
  }
  EXPECT_GT(differ, 0);
}

TEST_F(CheckpointTeacherWorld, ErrorsNameTheProblem) {
  const std::vector<Slate> slates = world_->with_positive(1);
  const RankRequest request = make_request(slates[0]);
  CheckpointTeacher teacher(world_->catalog, renderer_, options(0.0));
  EXPECT_TRUE(teacher.deterministic());
  expect_error([&] { teacher.teach(TeachRequest{&request, 0, 0}); }, "rejection mode only");

  CheckpointTeacherOptions direct = options(0.5);
  direct.dir = tmp_->path("direct");
  expect_error([&] { CheckpointTeacher t(world_->catalog, renderer_, direct); }, "without a think block");
  CheckpointTeacherOptions missing = options(0.5);
  missing.dir = tmp_->path("nowhere");
  expect_error([&] { CheckpointTeacher t(world_->catalog, renderer_, missing); }, "sids.jsonl");

  // Through the factory: "checkpoint:DIR" in targeted mode is refused before loading anything.
  TracesConfig config;
  config.teacher = "checkpoint:" + tmp_->path("think");
  config.mode = "targeted";
  TeacherInputs inputs;
  inputs.catalog = &world_->catalog;
  inputs.renderer = &renderer_;
  expect_error([&] { make_teacher(config, inputs); }, "rejection or distill only");
  config.mode = "rejection";
  EXPECT_EQ(make_teacher(config, inputs)->name(), "checkpoint");
}

}  // namespace
}  // namespace gr2::train::traces::teachers
