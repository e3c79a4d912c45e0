// SIDs for new items from their text: the text model folds a catalog item's own text back onto its
// catalog embedding, survives a save/load, gives zeros for text without a known word; the assigner
// keeps every SID unique (against the table and its own earlier answers) and places an item near
// its text's twin in the catalog; take_nearest_free_sid walks deduplicate's order.
#include <gtest/gtest.h>

#include <set>

#include <torch/torch.h>

#include "gr2/core/safetensors_torch.h"
#include "gr2/data/events.h"
#include "gr2/sid/embedder.h"
#include "gr2/sid/embeddings.h"
#include "gr2/sid/rq_kmeans.h"
#include "gr2/sid/sid_assigner.h"
#include "gr2/sid/sid_table.h"
#include "gr2/sid/text_embedder.h"
#include "sid/sid_fixtures.h"
#include "test_util.h"

namespace gr2::sid {
namespace {

// Cosine of each catalog row with the text model's embedding of that item's own text: [N].
torch::Tensor fold_in_cosines(const Catalog& catalog, const ItemEmbeddings& e, const TextEmbedder& model) {
  std::vector<torch::Tensor> rows;
  for (const Item& item : catalog.items()) rows.push_back(model.embed(item.title, item.category, item.brand));
  return (torch::stack(rows) * e.vectors).sum(1);
}

TEST(TextEmbedder, FoldingInACatalogItemsTextGivesItsEmbedding) {
  const Catalog catalog = tiny_catalog(300);
  SidConfig c = tiny_config();
  TextEmbedder model;
  const ItemEmbeddings e = embed_catalog(catalog, {}, c, torch::kCPU, nullptr, &model);
  ASSERT_FALSE(model.empty());
  EXPECT_EQ(model.output_dim(), e.vectors.size(1));
  const torch::Tensor cos = fold_in_cosines(catalog, e, model);
  // Catalog rows are U S of a randomized SVD, new items A V: equal up to the part of A V outside
  // the SVD's range (Halko et al. 2011), small with power iterations.
  EXPECT_GT(cos.mean().item<float>(), 0.99f) << cos.min().item<float>();
  EXPECT_GT(cos.min().item<float>(), 0.9f);
}

TEST(TextEmbedder, CollaborativeDimensionsOfANewItemAreZero) {
  const Catalog catalog = tiny_catalog(60);
  std::vector<Event> events;
  for (int u = 0; u < 100; ++u) {  // only items 0..29 have events
    for (int j = 0; j < 3; ++j)
      events.push_back({"u" + std::to_string(u), "I" + std::to_string(1000 + (u % 10) * 3 + j), j + 1, "purchase"});
  }
  SidConfig c = tiny_config();
  c.collab_dim = 8;
  TextEmbedder model;
  const ItemEmbeddings e = embed_catalog(catalog, events, c, torch::kCPU, nullptr, &model);
  ASSERT_GT(e.vectors.size(1), model.text_dim());
  EXPECT_EQ(model.output_dim(), e.vectors.size(1));
  const torch::Tensor v = model.embed("Aurora gentle Shampoo", {"Beauty", "Hair Care", "Shampoo"}, "Aurora");
  EXPECT_NEAR(v.norm().item<float>(), 1.0f, 1e-5);
  EXPECT_EQ(v.narrow(0, model.text_dim(), v.size(0) - model.text_dim()).abs().max().item<float>(), 0.0f);
  // Items without events are embedded the same way in the catalog: their fold-in matches.
  const torch::Tensor cos = fold_in_cosines(catalog, e, model);
  EXPECT_GT(cos.slice(0, 30, 60).mean().item<float>(), 0.99f);
}

TEST(TextEmbedder, UnknownWordsGiveZerosAndSaveLoadKeepsTheModel) {
  const Catalog catalog = tiny_catalog(120);
  TextEmbedder model;
  embed_catalog(catalog, {}, tiny_config(), torch::kCPU, nullptr, &model);
  int64_t known = -1;
  const torch::Tensor none = model.embed("zzz qqq", {}, "", &known);
  EXPECT_EQ(known, 0);
  EXPECT_EQ(none.abs().max().item<float>(), 0.0f);
  const torch::Tensor some = model.embed("volumizing Shampoo", {"Beauty"}, "Cedar", &known);
  EXPECT_GT(known, 2);

  TempDir dir;
  const std::string path = default_text_embedder_path(dir.path("emb.safetensors"));
  EXPECT_EQ(path, dir.path("emb.text_embedder.safetensors"));
  model.save(path);
  const TextEmbedder loaded = TextEmbedder::load(path);
  EXPECT_EQ(loaded.terms(), model.terms());
  EXPECT_TRUE(loaded.embed("volumizing Shampoo", {"Beauty"}, "Cedar").equal(some));
  save_tensors(dir.path("other.safetensors"), {{"x", torch::zeros({2})}});
  expect_error([&] { TextEmbedder::load(dir.path("other.safetensors")); }, "not a gr2 text embedder");
}

TEST(SidTable, TakeNearestFreeSidWalksDeduplicatesOrder) {
  std::unordered_set<std::string> used;
  int32_t a[2] = {0, 0};
  ASSERT_TRUE(take_nearest_free_sid(a, 2, 2, used));  // free: kept
  EXPECT_EQ(a[0], 0);
  EXPECT_EQ(a[1], 0);
  int32_t b[2] = {0, 0};
  ASSERT_TRUE(take_nearest_free_sid(b, 2, 2, used));  // taken: the other last code first
  EXPECT_EQ(b[0], 0);
  EXPECT_EQ(b[1], 1);
  int32_t c[2] = {0, 1};
  ASSERT_TRUE(take_nearest_free_sid(c, 2, 2, used));  // both last codes of prefix 0 taken: prefix 1
  EXPECT_EQ(c[0], 1);
  int32_t d[2] = {1, 1};
  ASSERT_TRUE(take_nearest_free_sid(d, 2, 2, used));
  int32_t e[2] = {0, 0};
  EXPECT_FALSE(take_nearest_free_sid(e, 2, 2, used));  // all four used
  EXPECT_EQ(e[0], 0);
  EXPECT_EQ(e[1], 0);
}

// A catalog of 400 items with a trained RQ-KMeans tokenizer and its de-duplicated SID table.
struct TokenizedCatalog {
  Catalog catalog = tiny_catalog(400);
  TextEmbedder text;
  ItemEmbeddings embeddings;
  SidModel tokenizer;
  SidTable table;

  TokenizedCatalog() {
    SidConfig c = tiny_config();
    c.levels = 3;
    c.codes = 16;
    embeddings = embed_catalog(catalog, {}, c, torch::kCPU, nullptr, &text);
    tokenizer = fit_rq_kmeans(embeddings.vectors, c, torch::kCPU);
    const torch::Tensor codes = tokenizer.encode(embeddings.vectors).to(torch::kInt32).contiguous();
    table.levels = c.levels;
    table.codes = c.codes;
    table.ids = embeddings.ids;
    table.sids.assign(codes.data_ptr<int32_t>(), codes.data_ptr<int32_t>() + codes.numel());
    deduplicate(table);
  }
};

TEST(SidAssigner, NewItemsGetUniqueSidsNearTheirTextTwins) {
  TokenizedCatalog w;
  SidAssigner assigner(w.text, w.tokenizer, w.table, 16);
  std::set<std::vector<int32_t>> seen;
  for (int64_t i = 0; i < w.table.size(); ++i) seen.insert(std::vector<int32_t>(w.table.sid(i), w.table.sid(i) + 3));
  const torch::Tensor nearest = w.tokenizer.encode(w.embeddings.vectors).to(torch::kInt32).contiguous();
  int64_t same_first_code = 0;
  const int64_t n = 200;
  for (int64_t i = 0; i < n; ++i) {
    // A "new" item with the text of catalog item i (a relisting under another id, say).
    const Item& twin = w.catalog.at(static_cast<int32_t>(i));
    int64_t known = 0;
    const torch::Tensor e = assigner.embed(twin.title, twin.category, twin.brand, &known);
    ASSERT_GT(known, 0);
    const std::vector<int32_t> sid = assigner.assign(e);
    ASSERT_EQ(sid.size(), 3u);
    EXPECT_TRUE(seen.insert(sid).second) << "item " << i << ": a SID another item holds";
    same_first_code += sid[0] == nearest[i][0].item<int32_t>();
  }
  // Twins share the level-0 code (the coarsest cluster) almost always; SIDs held by the table are
  // moved, so most of them were moved.
  EXPECT_GE(same_first_code, n * 95 / 100) << same_first_code;
  EXPECT_GT(assigner.moved(), n / 2);
  // The same text twice: two different SIDs.
  const Item& again = w.catalog.at(0);
  const torch::Tensor e = assigner.embed(again.title, again.category, again.brand, nullptr);
  EXPECT_NE(assigner.assign(e), assigner.assign(e));
}

TEST(SidAssigner, RefusesAMismatchedTokenizer) {
  TokenizedCatalog w;
  expect_error([&] { SidAssigner(w.text, w.tokenizer, w.table, 8); }, "vocabulary only 8");
  SidTable two_levels = w.table;
  two_levels.levels = 2;
  expect_error([&] { SidAssigner(w.text, w.tokenizer, two_levels, 16); }, "SID table has 2 levels");
  SidModel wide = w.tokenizer;
  wide.input_dim += 1;
  expect_error([&] { SidAssigner(w.text, wide, w.table, 16); }, "were they made from the same");
  TempDir dir;
  expect_error([&] { SidAssigner::load(dir.path("."), "", w.table, 16); }, "no SID tokenizer");
}

}  // namespace
}  // namespace gr2::sid
