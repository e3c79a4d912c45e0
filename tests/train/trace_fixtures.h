// Shared fixtures of the teacher and traces tests: a small synthetic world on disk with a SID table
// for its catalog (built by hand: distinct codes per item, no tokenizer training).
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "gr2/data/catalog.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/events.h"
#include "gr2/data/slates.h"
#include "gr2/data/synth/synth_config.h"
#include "gr2/data/synth/synth_world.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/lm/qwen3_model.h"
#include "gr2/lm/vocabulary.h"
#include "gr2/sid/sid_table.h"
#include "test_util.h"

namespace gr2::test {

// Item i gets the base-16 digits of (i * 7919 mod 65536) as 4 levels of 16 codes: distinct SIDs
// that do not follow the catalog order.
inline sid::SidTable hand_sids(const Catalog& catalog) {
  sid::SidTable t;
  t.levels = 4;
  t.codes = 16;
  for (size_t i = 0; i < catalog.size(); ++i) {
    t.ids.push_back(catalog.at(static_cast<int32_t>(i)).item_id);
    const int32_t v = static_cast<int32_t>((i * 7919) % 65536);
    for (int k = 3; k >= 0; --k) t.sids.push_back((v >> (4 * k)) & 15);
  }
  return t;
}

// A small synthetic world (600 items, 150 users) in `dir`, with sids.jsonl.
struct SmallWorld {
  std::string root;
  Catalog catalog;
  std::vector<Event> train_events;
  std::vector<Slate> train_slates;
  sid::SidTable sids;
  std::string sids_path;

  explicit SmallWorld(const std::string& dir) : root(dir) {
    ::setenv("GR2_QUIET", "1", 1);
    synth::SynthConfig config;
    config.num_items = 600;
    config.num_users = 150;
    synth::generate_world(config, dir);
    const DataDir data{dir};
    catalog = Catalog::read_jsonl(data.catalog());
    train_events = read_events(data.train_events(), &catalog);
    train_slates = read_slates(data.slates(SplitPart::Train), &catalog);
    sids = hand_sids(catalog);
    sids_path = join_path(dir, "sids.jsonl");
    sid::write_sids_jsonl(sids, sids_path);
  }

  std::vector<Slate> with_positive(size_t n) const {
    std::vector<Slate> out;
    for (const Slate& s : train_slates) {
      if (s.has_positive() && out.size() < n) out.push_back(s);
    }
    return out;
  }
};

// A vocabulary trained on the world's titles and leaf categories (600 pieces) + its SID block.
inline lm::Vocabulary tiny_vocabulary(const SmallWorld& world) {
  std::vector<std::string> docs;
  for (const auto& it : world.catalog.items()) docs.push_back(it.title + " | " + it.category.back());
  lm::TextTokenizerOptions topt;
  topt.vocab_size = 600;
  return lm::Vocabulary::train(docs, topt).with_sids(world.sids.levels, world.sids.codes);
}

// Writes an untrained re-ranker checkpoint to `dir`: `vocab`, a random Qwen3 of `layers` layers
// (hidden 32, 2 heads, 1 KV head, seeded with `seed`) and the world's SID table. The caller adds the
// "reranker" settings to gr2.json when it needs them.
inline void write_tiny_checkpoint(const std::string& dir, const SmallWorld& world, const lm::Vocabulary& vocab,
                                  int64_t layers, uint64_t seed) {
  vocab.save(dir);
  lm::ModelConfig c;
  c.vocab_size = vocab.size();
  c.hidden_size = 32;
  c.intermediate_size = 64;
  c.num_hidden_layers = layers;
  c.num_attention_heads = 2;
  c.num_key_value_heads = 1;
  c.head_dim = 16;
  torch::manual_seed(seed);
  lm::Qwen3Lm model(c);
  lm::save_model(dir, model);
  sid::write_sids_jsonl(world.sids, join_path(dir, "sids.jsonl"));
}

}  // namespace gr2::test
