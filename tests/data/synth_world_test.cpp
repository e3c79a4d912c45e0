// Tests of the synthetic world (`gr2 data synth`): determinism, readability by the data-layer
// readers, invariants of every file, the position bias of labels, routines, strict config.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include "gr2/core/config.h"
#include "gr2/core/file_io.h"
#include "gr2/data/catalog.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/events.h"
#include "gr2/data/slates.h"
#include "gr2/data/synth/synth_config.h"
#include "gr2/data/synth/synth_world.h"
#include "gr2/data/synth/taxonomy.h"
#include "gr2/data/truth.h"
#include "test_util.h"

namespace gr2 {
namespace {

synth::SynthConfig small_config(uint64_t seed = 42) {
  synth::SynthConfig c;
  c.seed = seed;
  c.num_items = 800;
  c.num_users = 250;
  return c;
}

const char* kFiles[] = {"catalog.jsonl", "corpus.txt", "events.jsonl", "events_train.jsonl",
                        "slates_train.jsonl", "slates_valid.jsonl", "slates_test.jsonl",
                        "truth.jsonl", "data.json"};

// One small world per suite, generated once.
class SynthWorld : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ::setenv("GR2_QUIET", "1", 1);
    dir_ = new TempDir();
    summary_ = new synth::SynthSummary(synth::generate_world(small_config(), dir_->path()));
    catalog_ = new Catalog(Catalog::read_jsonl(DataDir{dir_->path()}.catalog()));
  }
  static void TearDownTestSuite() {
    delete catalog_;
    delete summary_;
    delete dir_;
  }
  static DataDir data() { return DataDir{dir_->path()}; }
  static TempDir* dir_;
  static synth::SynthSummary* summary_;
  static Catalog* catalog_;
};
TempDir* SynthWorld::dir_ = nullptr;
synth::SynthSummary* SynthWorld::summary_ = nullptr;
Catalog* SynthWorld::catalog_ = nullptr;

TEST_F(SynthWorld, SameSeedGivesIdenticalFilesAndAnotherSeedDiffers) {
  TempDir again, other;
  synth::generate_world(small_config(), again.path());
  synth::generate_world(small_config(7), other.path());
  for (const char* f : kFiles) {
    EXPECT_EQ(read_file(join_path(dir_->path(), f)), read_file(again.path(f))) << f;
  }
  EXPECT_NE(read_file(data().catalog()), read_file(DataDir{other.path()}.catalog()));
  EXPECT_NE(read_file(data().slates(SplitPart::Train)), read_file(DataDir{other.path()}.slates(SplitPart::Train)));
}

TEST_F(SynthWorld, CatalogHasReadableTreeTitlesAndText) {
  ASSERT_EQ(catalog_->size(), 800u);
  std::set<std::string> departments;
  for (const Item& item : catalog_->items()) {
    ASSERT_EQ(item.category.size(), 3u) << item.item_id;
    departments.insert(item.category[0]);
    EXPECT_FALSE(item.brand.empty());
    EXPECT_EQ(item.title.rfind(item.brand + " ", 0), 0u) << item.title;       // "<Brand> ..."
    EXPECT_NE(item.title.find(item.category[2]), std::string::npos) << item.title;  // "... Shampoo ..."
    EXPECT_FALSE(item.text.empty());
  }
  EXPECT_EQ(departments.size(), 8u);
  const std::string corpus = read_file(data().corpus());
  EXPECT_EQ(std::count(corpus.begin(), corpus.end(), '\n'), 800);
}

TEST_F(SynthWorld, AllFilesPassTheReadersAndInvariantsHold) {
  const Json info = Json::parse(read_file(data().info()));
  const TimeSplit split{info["split"]["valid_start"].get<int64_t>(), info["split"]["test_start"].get<int64_t>()};
  EXPECT_EQ(info["seed"], 42);
  EXPECT_EQ(info["config"]["num_items"], 800);
  EXPECT_LT(split.valid_start, split.test_start);

  // Events: known items, each user's events in time order; events_train = events before valid.
  std::unordered_map<std::string, std::vector<Event>> by_user;
  int64_t before_valid = 0, all = 0;
  for_each_event(data().events(), catalog_, [&](const Event& e) {
    auto& v = by_user[e.user_id];
    if (!v.empty()) {
      EXPECT_LE(v.back().ts, e.ts);
    }
    v.push_back(e);
    ++all;
    if (e.ts < split.valid_start) ++before_valid;
  });
  int64_t train_events = 0;
  for_each_event(data().train_events(), catalog_, [&](const Event& e) {
    EXPECT_LT(e.ts, split.valid_start);
    ++train_events;
  });
  EXPECT_EQ(all, summary_->events);
  EXPECT_EQ(train_events, before_valid);
  EXPECT_GT(train_events, 0);

  const TruthTable truth = read_truth(data().truth());
  const int max_history = synth::SynthConfig{}.max_history;
  int64_t slates = 0;
  for (SplitPart part : {SplitPart::Train, SplitPart::Valid, SplitPart::Test}) {
    const std::vector<Slate> read = read_slates(data().slates(part), catalog_);
    EXPECT_FALSE(read.empty()) << split_part_name(part);
    for (const Slate& s : read) {
      ++slates;
      EXPECT_EQ(split.part_of(s.ts), part) << s.request_id;
      ASSERT_EQ(s.size(), 10);
      ASSERT_EQ(s.labels.size(), 10u);
      std::set<std::string> distinct;
      for (const auto& c : s.candidates) distinct.insert(c.item_id);
      EXPECT_EQ(distinct.size(), 10u);
      for (int p = 1; p < s.size(); ++p) {
        EXPECT_GE(s.candidates[size_t(p - 1)].score, s.candidates[size_t(p)].score) << "incoming order = upstream score";
      }
      auto t = truth.find(s.request_id);
      ASSERT_NE(t, truth.end()) << s.request_id;
      EXPECT_EQ(t->second.size(), 10u);
      // The history is exactly the user's latest events before the request.
      std::vector<std::string> expected;
      for (const Event& e : by_user[s.user_id]) {
        if (e.ts < s.ts) expected.push_back(e.item_id);
      }
      if (expected.size() > size_t(max_history)) expected.erase(expected.begin(), expected.end() - max_history);
      EXPECT_EQ(s.history, expected) << s.request_id;
    }
  }
  EXPECT_EQ(slates, summary_->total_slates());
  EXPECT_EQ(static_cast<int64_t>(truth.size()), slates);
}

TEST_F(SynthWorld, LabelsArePositionBiased) {
  std::vector<double> clicks(10, 0.0);
  double n = 0;
  for (SplitPart part : {SplitPart::Train, SplitPart::Valid, SplitPart::Test}) {
    for (const Slate& s : read_slates(data().slates(part), catalog_)) {
      ++n;
      for (size_t p = 0; p < 10; ++p) clicks[p] += s.labels[p] > 0 ? 1.0 : 0.0;
    }
  }
  const double first = clicks[0] / n, last = clicks[9] / n;
  EXPECT_GT(first, 3.0 * last) << "click rate at position 1: " << first << ", at 10: " << last;
  EXPECT_GT(first, 0.1);
  EXPECT_GT(last, 0.0);
}

TEST_F(SynthWorld, RoutinesShowInTransitions) {
  // Leaf type -> its routine successor, from the word list (e.g. Shampoo -> Conditioner).
  std::map<std::string, std::string> next;
  for (const auto& d : synth::shop_departments()) {
    for (const auto& c : d.categories) {
      for (size_t j = 0; j + 1 < c.leaves.size(); ++j) next[c.leaves[j].name] = c.leaves[j + 1].name;
    }
  }
  std::unordered_map<std::string, std::string> last_leaf;
  double pairs = 0, routine = 0;
  for_each_event(data().events(), catalog_, [&](const Event& e) {
    const std::string& leaf = catalog_->at(catalog_->index_of(e.item_id, "")).category[2];
    auto it = last_leaf.find(e.user_id);
    if (it != last_leaf.end()) {
      ++pairs;
      auto n = next.find(it->second);
      if (n != next.end() && n->second == leaf) ++routine;
    }
    last_leaf[e.user_id] = leaf;
  });
  // By chance a next event is the routine successor about 1 time in 128 leaf types.
  EXPECT_GT(routine / pairs, 0.08) << routine << " routine steps in " << pairs << " consecutive pairs";
}

TEST(SynthConfig, RejectsUnknownAndOutOfRangeKeys) {
  expect_error([] { synth::SynthConfig::from_config(Config::parse("[synth]\nnum_itmes = 5\n", "w.toml")); },
               "w.toml:2: unknown key 'synth.num_itmes'");
  expect_error([] { synth::SynthConfig::from_config(Config::parse("[synth]\nslate_size = 1\n", "w.toml")); },
               "slate_size");
  expect_error([] { synth::SynthConfig::from_config(Config::parse("[synth]\npool_size = 5\n", "w.toml")); },
               "pool_size");
  const synth::SynthConfig c = synth::SynthConfig::from_config(Config::parse("[synth]\nnum_items = 900\nseed = 3\n"));
  EXPECT_EQ(c.num_items, 900);
  EXPECT_EQ(c.seed, 3u);
  EXPECT_EQ(c.num_users, synth::SynthConfig{}.num_users);
  EXPECT_EQ(c.to_json()["num_items"], 900);
}

TEST(SynthCli, QuickConfigWritesADataDirectory) {
  TempDir tmp;
  const std::string config = std::string(kSourceDir) + "/configs/quick.toml";
  CliResult r = run_cli("data synth --config " + config + " --seed 5 --out " + tmp.path("world"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("slates train"), std::string::npos) << r.output;
  EXPECT_TRUE(file_exists(DataDir{tmp.path("world")}.slates(SplitPart::Test)));
  EXPECT_EQ(Json::parse(read_file(DataDir{tmp.path("world")}.info()))["seed"], 5);

  r = run_cli("data synth --set synth.num_itmes=5 --out " + tmp.path("bad"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("unknown key 'synth.num_itmes'"), std::string::npos) << r.output;
  r = run_cli("data synth --set model.layers=5 --out " + tmp.path("bad"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("[synth]"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace gr2
