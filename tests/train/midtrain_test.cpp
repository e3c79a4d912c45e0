// Mid-training: task formats put the loss on the targets only, the task data comes from the
// training events only (never test events), evaluation cases follow the documented protocol, and
// `gr2 midtrain` runs end to end on a small synthetic world (checkpoint with SID tokens, next-item
// metrics, resume).
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <set>

#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/data/catalog.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/events.h"
#include "gr2/data/synth/synth_config.h"
#include "gr2/data/synth/synth_world.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/lm/sid_trie.h"
#include "gr2/lm/vocabulary.h"
#include "gr2/sid/sid_table.h"
#include "gr2/train/midtrain/midtrain_data.h"
#include "gr2/train/midtrain/midtrain_task.h"
#include "gr2/train/midtrain/midtrain_formats.h"
#include "gr2/train/midtrain/next_item_eval.h"
#include "test_util.h"

namespace gr2::train::midtrain {
namespace {

// SIDs (3 levels x 16 codes) = the item index in base 16: unique for up to 4096 items.
sid::SidTable base16_sids(const Catalog& catalog) {
  sid::SidTable t;
  t.levels = 3;
  t.codes = 16;
  for (size_t i = 0; i < catalog.size(); ++i) {
    t.ids.push_back(catalog.at(static_cast<int32_t>(i)).item_id);
    t.sids.push_back(static_cast<int32_t>(i / 256));
    t.sids.push_back(static_cast<int32_t>((i / 16) % 16));
    t.sids.push_back(static_cast<int32_t>(i % 16));
  }
  return t;
}

Catalog small_catalog(int n) {
  Catalog c;
  const std::vector<std::string> things = {"Shampoo", "Conditioner", "Yoga Mat", "Tent", "Kettle"};
  for (int i = 0; i < n; ++i) {
    Item it;
    it.item_id = "I" + std::to_string(i);
    it.title = "Brand" + std::to_string(i % 7) + " " + things[static_cast<size_t>(i) % things.size()];
    it.category = {"Dept" + std::to_string(i % 3), things[static_cast<size_t>(i) % things.size()]};
    c.add(it);
  }
  return c;
}

const lm::Vocabulary& small_vocab() {
  static const lm::Vocabulary v = [] {
    std::vector<std::string> docs;
    const Catalog catalog = small_catalog(40);
    for (const auto& it : catalog.items()) docs.push_back(it.title + ". " + it.category[0]);
    docs.push_back("History: Next: Find: Item (>)");
    lm::TextTokenizerOptions o;
    o.vocab_size = 300;
    return lm::Vocabulary::train(docs, o).with_sids(3, 16);
  }();
  return v;
}

// Positions with weight > 0, and the tokens there.
std::vector<int64_t> weighted_tokens(const LmExample& e) {
  std::vector<int64_t> out;
  for (size_t i = 1; i < e.tokens.size(); ++i)
    if (e.weights[i] > 0) out.push_back(e.tokens[i]);
  return out;
}

TEST(MidtrainTasks, LossOnlyOnTargets) {
  const Catalog catalog = small_catalog(40);
  const sid::SidTable sids = base16_sids(catalog);
  const lm::Vocabulary& vocab = small_vocab();
  const MidtrainFormat f(vocab, catalog, sids);
  const std::vector<int32_t> history = {3, 17, 5, 22, 9};

  const LmExample next = f.next_item(history, 11, 3);
  EXPECT_EQ(weighted_tokens(next), f.item(11));
  // The prompt is the context exactly, with the newest 3 items, oldest first.
  const auto prompt = f.next_item_prompt(history, 3);
  ASSERT_EQ(next.tokens.size(), prompt.size() + f.item(11).size());
  EXPECT_TRUE(std::equal(prompt.begin(), prompt.end(), next.tokens.begin()));
  EXPECT_EQ(vocab.decode(prompt), "History:" + vocab.decode(f.item(5)) + vocab.decode(f.item(22)) +
                                      vocab.decode(f.item(9)));
  // With a history weight, every history item after the first is a target too.
  const LmExample dense = f.next_item(history, 11, 3, 0.5f);
  std::vector<int64_t> dense_targets = f.item(22);
  dense_targets.insert(dense_targets.end(), f.item(9).begin(), f.item(9).end());
  dense_targets.insert(dense_targets.end(), f.item(11).begin(), f.item(11).end());
  EXPECT_EQ(weighted_tokens(dense), dense_targets);
  EXPECT_DOUBLE_EQ(dense.target_weight(), 0.5 * 10 + 5);
  EXPECT_EQ(vocab.decode(f.item(11)), "<|sid_begin|><s_a_0><s_b_0><s_c_11><|sid_end|>");

  const LmExample s2t = f.sid_to_text(21);
  auto target = weighted_tokens(s2t);
  ASSERT_FALSE(target.empty());
  EXPECT_EQ(target.back(), vocab.eos_id());
  target.pop_back();
  EXPECT_EQ(vocab.decode(target), " " + MidtrainFormat::describe(catalog.at(21)));
  EXPECT_EQ(MidtrainFormat::describe(catalog.at(21)), "Brand0 Conditioner (Dept0 > Conditioner)");

  const LmExample t2s = f.text_to_sid(21);
  EXPECT_EQ(weighted_tokens(t2s), f.item(21));
  EXPECT_NE(vocab.decode(t2s.tokens).find("Find: Brand0 Conditioner"), std::string::npos);

  const LmExample inter = f.interleaved(history, 30, 2);
  EXPECT_EQ(weighted_tokens(inter), f.item(30));
  EXPECT_EQ(vocab.decode(inter.tokens), "History:" + vocab.decode(f.item(22)) + " " + catalog.at(22).title + "\n" +
                                            vocab.decode(f.item(9)) + " " + catalog.at(9).title + "\nNext:" +
                                            vocab.decode(f.item(30)));

  const LmExample text = f.text({5, 6, 7, 8});
  EXPECT_EQ(weighted_tokens(text), (std::vector<int64_t>{6, 7, 8}));
  // Collated: targets only where the weight is.
  const LmBatch b = collate({next, s2t, t2s, inter}, vocab.pad_id(), 512);
  EXPECT_EQ(b.target_count(), static_cast<int64_t>(5 + weighted_tokens(s2t).size() + 5 + 5));
}

// A data directory with train events (before the cut-off) and test events on items that only the
// test period has.
struct LeakWorld {
  TempDir dir;
  Catalog catalog = small_catalog(40);
  std::set<int32_t> test_only;
  LeakWorld() {
    catalog.write_jsonl(dir.path("catalog.jsonl"));
    EventWriter all(dir.path("events.jsonl"));
    EventWriter train(dir.path("events_train.jsonl"));
    for (int u = 0; u < 6; ++u) {
      for (int k = 0; k < 5; ++k) {  // train period: items 0..29
        Event e{"U" + std::to_string(u), "I" + std::to_string((u * 5 + k) % 30), 1000 + k, "purchase"};
        all.write(e);
        train.write(e);
      }
      all.write(Event{"U" + std::to_string(u), "I" + std::to_string(30 + u % 5), 3000, "click"});      // valid period
      all.write(Event{"U" + std::to_string(u), "I" + std::to_string(35 + u % 5), 5000, "purchase"});   // test period
    }
    all.commit();
    train.commit();
    for (int i = 30; i < 40; ++i) test_only.insert(i);
    write_file_atomic(dir.path("data.json"), R"({"split": {"valid_start": 2000, "test_start": 4000}})");
    dir.write("corpus.txt", "Brand1 Shampoo. Dept1\nBrand2 Tent. Dept2\n");
  }
};

TEST(MidtrainData, TasksNeverSeeTestEvents) {
  LeakWorld w;
  const TrainSequences seqs = read_train_sequences(DataDir{w.dir.path()}.train_events(), w.catalog);
  EXPECT_EQ(seqs.events, 30);
  const sid::SidTable sids = base16_sids(w.catalog);
  const lm::Vocabulary& vocab = small_vocab();
  const MidtrainFormat f(vocab, w.catalog, sids);
  const lm::SidTrie trie(sids, vocab.sid_offset());
  MidtrainConfig c;
  c.train.batch_size = 16;
  c.train.seq_len = 256;
  c.mix = {1, 0, 0, 1, 0};  // the tasks that read events
  MidtrainTask task(f, seqs, {}, trie, {}, c);
  // No row of any batch mentions an item that only later events have: decode every SID span
  // (<|sid_begin|> a b c) of the inputs (a target span's codes are inputs too; only its closing
  // <|sid_end|> is not).
  int64_t spans = 0;
  for (int64_t step = 0; step < 50; ++step) {
    const LmBatch b = task.batch(step);
    auto ids = b.input_ids.contiguous();
    const auto a = ids.accessor<int64_t, 2>();
    for (int64_t r = 0; r < ids.size(0); ++r) {
      for (int64_t t = 0; t + 3 < ids.size(1); ++t) {
        if (a[r][t] != vocab.sid_begin_id()) continue;
        int64_t item = 0;
        for (int64_t l = 0; l < 3; ++l) item = item * 16 + vocab.sid_of_token(a[r][t + 1 + l]).second;
        EXPECT_FALSE(w.test_only.count(static_cast<int32_t>(item))) << "step " << step << " item " << item;
        ++spans;
      }
    }
  }
  EXPECT_GT(spans, 50 * 16);
  // The evaluation cases do reach the later events (so the check above is meaningful).
  std::string protocol;
  const auto test = next_item_cases(w.dir.path(), w.catalog, SplitPart::Test, &protocol);
  ASSERT_EQ(test.size(), 6u);
  for (const auto& tc : test) {
    EXPECT_TRUE(w.test_only.count(tc.target)) << tc.target;
    EXPECT_EQ(tc.history.size(), 6u);  // 5 train events + the validation-period click
  }
  EXPECT_NE(protocol.find("test_start"), std::string::npos);
  // Validation: the first purchase in [valid_start, test_start) — only clicks there, so none.
  EXPECT_TRUE(next_item_cases(w.dir.path(), w.catalog, SplitPart::Valid).empty());
}

TEST(MidtrainData, LeaveOneOutCasesFromSequences) {
  TempDir dir;
  const Catalog catalog = small_catalog(10);
  catalog.write_jsonl(dir.path("catalog.jsonl"));
  dir.write("sequences.jsonl",
            "{\"user_id\":\"A\",\"train\":[\"I1\",\"I2\"],\"valid_target\":\"I3\",\"test_target\":\"I4\"}\n"
            "{\"user_id\":\"B\",\"train\":[\"I5\"],\"valid_target\":null,\"test_target\":null}\n");
  const auto valid = next_item_cases(dir.path(), catalog, SplitPart::Valid);
  ASSERT_EQ(valid.size(), 1u);
  EXPECT_EQ(valid[0].history, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(valid[0].target, 3);
  const auto test = next_item_cases(dir.path(), catalog, SplitPart::Test);
  ASSERT_EQ(test.size(), 1u);
  EXPECT_EQ(test[0].history, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(test[0].target, 4);
}

TEST(MidtrainMetrics, RanksToRecallAndNdcg) {
  NextItemMetrics m;
  add_rank(m, 1);
  add_rank(m, 3);
  add_rank(m, 7);
  add_rank(m, 0);
  finish_metrics(m);
  EXPECT_EQ(m.users, 4);
  EXPECT_DOUBLE_EQ(m.recall5, 0.5);
  EXPECT_DOUBLE_EQ(m.recall10, 0.75);
  EXPECT_NEAR(m.ndcg5, (1.0 + 0.5) / 4, 1e-12);
  EXPECT_NEAR(m.ndcg10, (1.0 + 0.5 + 1.0 / 3.0) / 4, 1e-12);
}

TEST(MidtrainCli, EndToEndOnASmallWorld) {
  TempDir dir;
  synth::SynthConfig sc;
  sc.num_items = 300;
  sc.num_users = 80;
  sc.sessions_per_user = 8;
  synth::generate_world(sc, dir.path("data"));
  const Catalog catalog = Catalog::read_jsonl(DataDir{dir.path("data")}.catalog());
  sid::write_sids_jsonl(base16_sids(catalog), dir.path("sids.jsonl"));
  const std::string config = dir.write("tiny.toml", R"(
[vocab]
vocab_size = 400
[model]
hidden_size = 32
intermediate_size = 64
num_hidden_layers = 2
num_attention_heads = 2
num_key_value_heads = 1
head_dim = 16
[pretrain]
steps = 30
batch_size = 4
seq_len = 48
warmup_steps = 5
threads = 1
[midtrain]
steps = 40
batch_size = 8
seq_len = 96
warmup_steps = 5
max_history = 6
interleave_len = 3
eval_users = 20
test_users = 30
threads = 1
)");
  const CliResult p = run_cli("pretrain --data " + dir.path("data") + " --out " + dir.path("base") + " --config " +
                              config + " --device cpu");
  ASSERT_EQ(p.status, 0) << p.output;
  const std::string mid_args = "midtrain --base " + dir.path("base") + " --data " + dir.path("data") + " --sids " +
                               dir.path("sids.jsonl") + " --out " + dir.path("mid") + " --config " + config +
                               " --device cpu";
  const CliResult m = run_cli(mid_args);
  ASSERT_EQ(m.status, 0) << m.output;
  EXPECT_NE(m.output.find("midtrain: next-item test (30 users)"), std::string::npos) << m.output;

  const lm::Vocabulary vocab = lm::Vocabulary::load(dir.path("mid"));
  EXPECT_EQ(vocab.sid_levels(), 3);
  EXPECT_EQ(vocab.sid_codes(), 16);
  lm::Qwen3Lm model = lm::load_model(dir.path("mid"), torch::kCPU);
  EXPECT_EQ(model->config().vocab_size, vocab.size());
  EXPECT_EQ(sid::read_sids_jsonl(dir.path("mid/sids.jsonl")).size(), 300);
  const Json eval = Json::parse(read_file(dir.path("mid/next_item_eval.json")));
  for (const char* part : {"valid", "test"}) {
    ASSERT_TRUE(eval.contains(part)) << eval.dump();
    for (const char* k : {"R@5", "R@10", "N@5", "N@10"}) {
      const double v = eval[part][k].get<double>();
      EXPECT_GE(v, 0.0);
      EXPECT_LE(v, 1.0);
    }
    EXPECT_GE(eval[part]["R@10"].get<double>(), eval[part]["R@5"].get<double>());
  }
  EXPECT_EQ(eval["test"]["users"], 30);
  const Json training = lm::read_gr2_json(dir.path("mid"))["training"];
  EXPECT_EQ(training["stage"], "midtrain");
  EXPECT_LT(training["summary"]["last_loss"].get<double>(), training["summary"]["first_loss"].get<double>());
  // --resume on a finished run only re-evaluates and rewrites the same weights.
  const std::string before = read_file(dir.path("mid/model.safetensors"));
  const CliResult again = run_cli(mid_args + " --resume --no-eval");
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_TRUE(before == read_file(dir.path("mid/model.safetensors")));
}

}  // namespace
}  // namespace gr2::train::midtrain
