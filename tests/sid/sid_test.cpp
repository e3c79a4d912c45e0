// Tests of the semantic-ID tokenizer: quantization and residual math on hand-checked cases, EMA
// update, k-means, SVD, uniqueness, random last level, de-duplication guarantee, round trips of
// codebooks and SID tables, bad input, determinism, resume and a tiny end-to-end run.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <set>

#include "gr2/core/config.h"
#include "gr2/core/jsonl.h"
#include "gr2/core/rng.h"
#include "gr2/core/safetensors_torch.h"
#include "gr2/data/catalog.h"
#include "gr2/data/events.h"
#include "gr2/sid/embedder.h"
#include "gr2/sid/embeddings.h"
#include "gr2/sid/kmeans.h"
#include "gr2/sid/quantize.h"
#include "gr2/sid/rq_kmeans.h"
#include "gr2/sid/rq_vae.h"
#include "gr2/sid/sid_config.h"
#include "gr2/sid/sid_model.h"
#include "gr2/sid/sid_pipeline.h"
#include "gr2/sid/sid_table.h"
#include "gr2/sid/svd.h"
#include "sid/sid_fixtures.h"
#include "test_util.h"

namespace gr2::sid {
namespace {

torch::Tensor mat(std::vector<std::vector<float>> rows) {
  torch::Tensor t = torch::empty({static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows[0].size())});
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j) t[i][j] = rows[i][j];
  return t;
}

SidTable table_of(std::vector<std::vector<int32_t>> sids, int64_t codes) {
  SidTable t;
  t.levels = static_cast<int64_t>(sids[0].size());
  t.codes = codes;
  for (size_t i = 0; i < sids.size(); ++i) {
    t.ids.push_back("item" + std::to_string(i));
    t.sids.insert(t.sids.end(), sids[i].begin(), sids[i].end());
  }
  return t;
}

TEST(SidQuantize, ResidualMathHandChecked) {
  torch::Tensor x = mat({{1.0f, 0.0f}, {0.2f, 0.9f}});
  std::vector<torch::Tensor> cbs = {mat({{1, 0}, {0, 1}}), mat({{0.1f, 0}, {0, -0.2f}, {0.2f, -0.1f}})};
  torch::Tensor residual;
  torch::Tensor codes = residual_encode(x, cbs, &residual);
  // item 0: level 0 -> [1,0] (dist 0); residual 0 -> nearest [0.1,0] (0.01 < 0.04 < 0.05).
  // item 1: level 0 -> [0,1] (0.05 < 1.45); residual [0.2,-0.1] -> code 2 exactly.
  EXPECT_EQ(codes[0][0].item<int64_t>(), 0);
  EXPECT_EQ(codes[0][1].item<int64_t>(), 0);
  EXPECT_EQ(codes[1][0].item<int64_t>(), 1);
  EXPECT_EQ(codes[1][1].item<int64_t>(), 2);
  EXPECT_NEAR(residual[0][0].item<float>(), -0.1f, 1e-6);
  EXPECT_NEAR(residual[1][0].item<float>(), 0.0f, 1e-6);
  EXPECT_NEAR(residual[1][1].item<float>(), 0.0f, 1e-6);
  torch::Tensor recon = residual_decode(codes, cbs);
  EXPECT_TRUE(torch::allclose(recon, mat({{1.1f, 0}, {0.2f, 0.9f}}), 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(recon + residual, x, 1e-6, 1e-6));
  EXPECT_TRUE(residual_encode_naive(x, cbs).equal(codes));
  // distances: ||x - e||^2
  torch::Tensor d = squared_distances(x, cbs[0]);
  EXPECT_NEAR(d[1][0].item<float>(), 1.45f, 1e-5);
  EXPECT_NEAR(d[1][1].item<float>(), 0.05f, 1e-5);
}

TEST(SidQuantize, BatchedMatchesNaiveLoopAndChunking) {
  torch::manual_seed(3);
  torch::Tensor x = torch::randn({300, 12});
  std::vector<torch::Tensor> cbs = {torch::randn({20, 12}), torch::randn({20, 12}) * 0.5, torch::randn({20, 12}) * 0.25};
  torch::Tensor a = residual_encode(x, cbs, nullptr, /*chunk=*/7);
  torch::Tensor b = residual_encode(x, cbs);
  EXPECT_TRUE(a.equal(b));
  EXPECT_TRUE(residual_encode_naive(x, cbs).equal(b));
  EXPECT_TRUE(nearest_code(x, cbs[0], 13).equal(b.select(1, 0)));
}

TEST(RqVae, EmaUpdateHandChecked) {
  torch::Tensor count = torch::tensor({1.0f, 1.0f});
  torch::Tensor sum = mat({{0}, {10}});
  torch::Tensor codebook = mat({{0}, {10}});
  // Two residuals 2 and 4, both assigned to code 0; decay 0.5, no smoothing:
  // N = 0.5*[1,1] + 0.5*[2,0] = [1.5, 0.5]; m = 0.5*[0,10] + 0.5*[6,0] = [3, 5]; e = m/N = [2, 10].
  ema_update(mat({{2}, {4}}), torch::tensor({0, 0}, torch::kLong), count, sum, codebook, 0.5, 0.0);
  EXPECT_NEAR(count[0].item<float>(), 1.5f, 1e-6);
  EXPECT_NEAR(count[1].item<float>(), 0.5f, 1e-6);
  EXPECT_NEAR(sum[0][0].item<float>(), 3.0f, 1e-6);
  EXPECT_NEAR(codebook[0][0].item<float>(), 2.0f, 1e-6);
  EXPECT_NEAR(codebook[1][0].item<float>(), 10.0f, 1e-5);
  // Laplace smoothing with eps = 0.1: N~ = (N + 0.1) / (2 + 0.2) * 2.
  torch::Tensor count2 = torch::tensor({1.0f, 1.0f});
  torch::Tensor sum2 = mat({{0}, {10}});
  torch::Tensor cb2 = mat({{0}, {10}});
  ema_update(mat({{2}, {4}}), torch::tensor({0, 0}, torch::kLong), count2, sum2, cb2, 0.5, 0.1);
  EXPECT_NEAR(cb2[0][0].item<float>(), 3.0 / (1.6 / 2.2 * 2), 1e-5);
  EXPECT_NEAR(cb2[1][0].item<float>(), 5.0 / (0.6 / 2.2 * 2), 1e-4);
}

TEST(SidKMeans, FindsSeparatedClustersAndIsDeterministic) {
  torch::manual_seed(1);
  torch::Tensor centres = mat({{0, 0}, {10, 0}, {0, 10}});
  torch::Tensor labels = torch::arange(150) % 3;
  torch::Tensor x = centres.index_select(0, labels) + 0.1 * torch::randn({150, 2});
  KMeansResult a = kmeans(x, 3, 20, 42);
  KMeansResult b = kmeans(x, 3, 20, 42);
  EXPECT_TRUE(a.centroids.equal(b.centroids));
  EXPECT_LT(a.inertia, 0.1);
  // Every true cluster maps to one learned cluster.
  for (int c = 0; c < 3; ++c) {
    torch::Tensor assigned = a.assignment.masked_select(labels == c);
    EXPECT_EQ(std::get<0>(torch::_unique(assigned)).size(0), 1);
  }
  // Fewer points than centres still gives k distinct finite centres.
  torch::Tensor few = kmeans_plus_plus(x.slice(0, 0, 2), 5, 1);
  EXPECT_EQ(few.size(0), 5);
  EXPECT_TRUE(torch::isfinite(few).all().item<bool>());
}

TEST(SidSvd, RecoversLowRankMatrixDenseAndSparse) {
  torch::manual_seed(2);
  torch::Tensor u = std::get<0>(torch::linalg_qr(torch::randn({60, 3})));
  torch::Tensor v = std::get<0>(torch::linalg_qr(torch::randn({40, 3})));
  torch::Tensor a = torch::mm(u * torch::tensor({5.0f, 3.0f, 1.0f}).unsqueeze(0), v.t());
  TruncatedSvd s = randomized_svd(a, 3, 5, 2, 9);
  EXPECT_NEAR(s.s[0].item<float>(), 5.0f, 1e-3);
  EXPECT_NEAR(s.s[2].item<float>(), 1.0f, 1e-3);
  EXPECT_TRUE(torch::allclose(torch::mm(s.u * s.s.unsqueeze(0), s.v.t()), a, 1e-3, 1e-3));
  TruncatedSvd sp = randomized_svd(a.to_sparse(), 3, 5, 2, 9);
  EXPECT_TRUE(torch::allclose(sp.s, s.s, 1e-4, 1e-4));
}

TEST(SidTable, UniquenessComputation) {
  SidTable t = table_of({{1, 2}, {1, 2}, {1, 3}, {0, 0}, {1, 2}, {0, 1}, {0, 1}}, 4);
  UniquenessStats s = uniqueness(t);
  EXPECT_EQ(s.items, 7);
  EXPECT_EQ(s.unique_items, 2);  // [1,3] and [0,0]
  EXPECT_EQ(s.collision_groups, 2);
  EXPECT_EQ(s.items_in_collisions, 5);
  EXPECT_EQ(s.largest_group, 3);
  EXPECT_NEAR(s.uniqueness(), 2.0 / 7.0, 1e-12);
}

TEST(SidTable, SpreadLastLevelSeparatesSharedPrefixes) {
  std::vector<std::vector<int32_t>> rows(10, {3, 5, 0});
  for (int i = 0; i < 6; ++i) rows.push_back({1, 1, 0});
  SidTable t = table_of(rows, 16);
  spread_last_level(t, 11);
  EXPECT_EQ(uniqueness(t).unique_items, 16);
  for (int64_t i = 0; i < t.size(); ++i) {  // prefixes untouched
    EXPECT_EQ(t.sid(i)[0], i < 10 ? 3 : 1);
  }
  // More items than codes under one prefix: only the overflow collides.
  SidTable big = table_of(std::vector<std::vector<int32_t>>(20, {2, 2, 2}), 16);
  spread_last_level(big, 11);
  EXPECT_EQ(uniqueness(big).collision_groups, 4);
  SidTable again = table_of(std::vector<std::vector<int32_t>>(20, {2, 2, 2}), 16);
  spread_last_level(again, 11);
  EXPECT_EQ(again.sids, big.sids);  // deterministic for a seed
}

TEST(SidTable, DeduplicationGuaranteesUniqueness) {
  // Worst case: N == C^L items that all share one SID.
  SidTable t = table_of(std::vector<std::vector<int32_t>>(9, {1, 2}), 3);
  EXPECT_EQ(deduplicate(t), 8);
  EXPECT_EQ(uniqueness(t).unique_items, 9);
  EXPECT_EQ(t.sid(0)[0], 1);  // the first holder keeps its SID
  EXPECT_EQ(t.sid(0)[1], 2);
  // Random collisions: only the later duplicates move.
  Rng rng(4);
  std::vector<std::vector<int32_t>> rows;
  for (int i = 0; i < 500; ++i) rows.push_back({int32_t(rng.below(3)), int32_t(rng.below(4)), int32_t(rng.below(8))});
  SidTable r = table_of(rows, 8);
  const UniquenessStats before = uniqueness(r);
  const int64_t moved = deduplicate(r);
  EXPECT_EQ(moved, before.items_in_collisions - before.collision_groups);
  EXPECT_EQ(uniqueness(r).unique_items, 500);
  SidTable too_many = table_of(std::vector<std::vector<int32_t>>(10, {0, 0}), 3);
  expect_error([&] { deduplicate(too_many); }, "cannot all have distinct SIDs");
}

TEST(SidTable, SidsJsonlRoundTripAndBadInput) {
  TempDir dir;
  SidTable t = table_of({{1, 2, 3, 4}, {5, 6, 7, 8}}, 256);
  t.ids[1] = "with \"quotes\"";
  write_sids_jsonl(t, dir.path("sids.jsonl"));
  SidTable back = read_sids_jsonl(dir.path("sids.jsonl"), 256);
  EXPECT_EQ(back.ids, t.ids);
  EXPECT_EQ(back.sids, t.sids);
  EXPECT_EQ(back.levels, 4);
  dir.write("short.jsonl", "{\"item_id\":\"a\",\"sid\":[1,2]}\n{\"item_id\":\"b\",\"sid\":[1]}\n");
  expect_error([&] { read_sids_jsonl(dir.path("short.jsonl")); }, "short.jsonl:2: field 'sid'");
  dir.write("range.jsonl", "{\"item_id\":\"a\",\"sid\":[1,300]}\n");
  expect_error([&] { read_sids_jsonl(dir.path("range.jsonl"), 256); }, "[0, 256)");
  dir.write("dup.jsonl", "{\"item_id\":\"a\",\"sid\":[1,2]}\n{\"item_id\":\"a\",\"sid\":[1,3]}\n");
  expect_error([&] { read_sids_jsonl(dir.path("dup.jsonl")); }, "duplicate item id 'a'");
  EXPECT_EQ(sid_to_tokens(t.sid(0), 4), "<|sid_begin|><s_a_1><s_b_2><s_c_3><s_d_4><|sid_end|>");
}

TEST(SidEmbeddings, ReadsSafetensorsAndNpyAndRejectsBadInput) {
  TempDir dir;
  ItemEmbeddings e;
  e.ids = {"a", "b", "c"};
  e.vectors = mat({{1, 2}, {3, 4}, {5, 6}});
  save_embeddings(e, dir.path("e.safetensors"));
  ItemEmbeddings back = load_embeddings(dir.path("e.safetensors"));
  EXPECT_EQ(back.ids, e.ids);
  EXPECT_TRUE(back.vectors.equal(e.vectors));
  // .npy (version 1, float32) with the ids next to it.
  {
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::ofstream out(dir.path("e.npy"), std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    const uint16_t len = static_cast<uint16_t>(header.size());
    out.put(static_cast<char>(len & 0xff));
    out.put(static_cast<char>(len >> 8));
    out << header;
    out.write(static_cast<const char*>(e.vectors.data_ptr()), 6 * 4);
  }
  dir.write("e.ids.txt", "a\nb\nc\n");
  EXPECT_TRUE(load_embeddings(dir.path("e.npy")).vectors.equal(e.vectors));
  expect_error([&] { load_embeddings(dir.path("e.safetensors"), "", 5); }, "d = 2 but the tokenizer expects d = 5");
  dir.write("two.txt", "a\nb\n");
  expect_error([&] { load_embeddings(dir.path("e.safetensors"), dir.path("two.txt")); }, "has 2 ids but");
  dir.write("four.txt", "a\nb\nc\nd\n");
  expect_error([&] { load_embeddings(dir.path("e.safetensors"), dir.path("four.txt")); }, "more ids than the 3 rows");
  dir.write("dup.txt", "a\nb\na\n");
  expect_error([&] { load_embeddings(dir.path("e.safetensors"), dir.path("dup.txt")); }, "line 3: duplicate item id 'a'");
  ItemEmbeddings nan = e;
  nan.vectors = e.vectors.clone();
  nan.vectors[1][1] = std::numeric_limits<float>::quiet_NaN();
  expect_error([&] { save_embeddings(nan, dir.path("nan.safetensors")); }, "row 1: non-finite");
  save_tensors(dir.path("inf.safetensors"), {{"embeddings", mat({{1, 2}, {INFINITY, 0}, {0, 0}})}});
  expect_error([&] { load_embeddings(dir.path("inf.safetensors"), dir.path("e.ids.txt")); }, "row 1: non-finite");
  save_tensors(dir.path("empty.safetensors"), {{"embeddings", torch::zeros({0, 4})}});
  expect_error([&] { load_embeddings(dir.path("empty.safetensors"), dir.path("e.ids.txt")); }, "no rows (empty catalog)");
  save_tensors(dir.path("flat.safetensors"), {{"embeddings", torch::zeros({6})}});
  expect_error([&] { load_embeddings(dir.path("flat.safetensors"), dir.path("e.ids.txt")); }, "must be 2-d");
}

TEST(SidEmbedder, TermsAndSimilarItemsAreCloser) {
  auto terms = item_terms("Rose Shampoo 250ml", {"Hair Care"}, "Aurora");
  std::set<std::string> s(terms.begin(), terms.end());
  EXPECT_TRUE(s.count("t:rose"));
  EXPECT_TRUE(s.count("t:rose_shampoo"));
  EXPECT_TRUE(s.count("c:hair_care"));
  EXPECT_TRUE(s.count("leaf:hair_care"));
  EXPECT_TRUE(s.count("b:aurora"));
  Catalog catalog = tiny_catalog(120);
  SidConfig c = tiny_config();
  ItemEmbeddings e = embed_catalog(catalog, {}, c, torch::kCPU);
  ASSERT_EQ(e.vectors.size(0), 120);
  EXPECT_NEAR(e.vectors.norm(2, 1).mean().item<float>(), 1.0f, 1e-4);
  // Same leaf category (i and i+6) is more similar on average than a different one (i and i+1).
  torch::Tensor same = (e.vectors.slice(0, 0, 114) * e.vectors.slice(0, 6, 120)).sum(1).mean();
  torch::Tensor diff = (e.vectors.slice(0, 0, 119) * e.vectors.slice(0, 1, 120)).sum(1).mean();
  EXPECT_GT(same.item<float>(), diff.item<float>() + 0.2f);
}

TEST(SidEmbedder, CollaborativePartPullsCoEngagedItemsTogether) {
  // Items 0..59 in 6 leaf categories (cycling); users buy triples (3t, 3t + 1, 3t + 2) of items in
  // different categories, which text alone cannot relate.
  Catalog catalog = tiny_catalog(60);
  std::vector<Event> events;
  for (int u = 0; u < 200; ++u) {
    const int first = (u % 20) * 3;
    for (int j = 0; j < 3; ++j) {
      events.push_back({"u" + std::to_string(u), "I" + std::to_string(1000 + first + j), j + 1, "purchase"});
    }
  }
  SidConfig c = tiny_config();
  ItemEmbeddings text = embed_catalog(catalog, events, c, torch::kCPU);  // collab_dim 0: text only
  c.collab_dim = 30;  // more than the 20 positive eigen-directions: negative ones must not hurt
  c.collab_weight = 0.5;
  EmbedStats stats;
  ItemEmbeddings both = embed_catalog(catalog, events, c, torch::kCPU, &stats);
  EXPECT_EQ(stats.items_with_events, 60);
  EXPECT_EQ(both.vectors.size(1), text.vectors.size(1) + stats.collab_dim);
  EXPECT_NEAR(both.vectors.norm(2, 1).mean().item<float>(), 1.0f, 1e-4);
  auto pair_cosine = [](const torch::Tensor& v, int64_t shift) {  // items 3t and 3t + shift
    return (v.slice(0, 0, 60 - shift, 3) * v.slice(0, shift, 60, 3)).sum(1).mean().item<float>();
  };
  EXPECT_GT(pair_cosine(both.vectors, 1), pair_cosine(text.vectors, 1) + 0.2f);
  EXPECT_GT(pair_cosine(both.vectors, 2), pair_cosine(text.vectors, 2) + 0.2f);
  EXPECT_LT(pair_cosine(both.vectors, 3), pair_cosine(text.vectors, 3) + 0.05f);  // other triples: no gain
  // co_engaged_pairs: each bought-together pair once, as (smaller, larger) catalog indices.
  auto pairs = co_engaged_pairs(catalog, events, 5);
  EXPECT_EQ(pairs.size(), 60u);
  for (const auto& [a, b] : pairs) EXPECT_TRUE(a / 3 == b / 3 && a < b) << a << " " << b;
}

TEST(RqVae, ContrastiveLossPullsPairsTogetherInLatentSpace) {
  torch::manual_seed(4);
  torch::Tensor x = torch::randn({200, 12});
  x = x / x.norm(2, 1, true);
  std::vector<std::pair<int64_t, int64_t>> pairs;
  for (int64_t i = 0; i < 200; i += 2) pairs.emplace_back(i, i + 1);
  SidConfig c = tiny_config();
  c.steps = 300;
  c.learning_rate = 5e-3;
  // Mean cosine of co-engaged pairs (i, i + 1) minus that of non-pairs (i, i + 3), in latent space.
  auto pair_gap = [&](RqVaeTrainer& t) {
    torch::NoGradGuard no_grad;
    torch::Tensor z = t.model()->encode(x);
    z = z / z.norm(2, 1, true);
    const double paired = (z.slice(0, 0, 200, 2) * z.slice(0, 1, 200, 2)).sum(1).mean().item<double>();
    const double other = (z.slice(0, 0, 197, 2) * z.slice(0, 3, 200, 2)).sum(1).mean().item<double>();
    return paired - other;
  };
  RqVaeTrainer plain(c, x, torch::kCPU, pairs);
  plain.initialize();
  plain.train(c.steps, "");
  c.contrastive_weight = 1.0;
  RqVaeTrainer ctr(c, x, torch::kCPU, pairs);
  ctr.initialize();
  RqVaeStepStats first = ctr.step_once();
  EXPECT_GT(first.contrastive, 0.0);
  ctr.train(c.steps, "");
  EXPECT_GT(pair_gap(ctr), pair_gap(plain) + 0.2) << pair_gap(ctr) << " vs " << pair_gap(plain);
}

TEST(RqVae, WarmUpTrainsTheAutoencoderBeforeKMeansInit) {
  torch::manual_seed(6);
  // Rank-6 data in 12 dimensions: an 8-dim latent can reconstruct it.
  torch::Tensor x = torch::mm(torch::randn({300, 6}), torch::randn({6, 12})) / 2.45;
  SidConfig c = tiny_config();
  c.warmup_steps = 0;
  RqVaeTrainer cold(c, x, torch::kCPU);
  cold.initialize();
  c.warmup_steps = 150;
  RqVaeTrainer warm(c, x, torch::kCPU);
  warm.initialize();
  EXPECT_EQ(warm.step(), 0);  // warm-up steps are not training steps
  auto ae_error = [&](RqVaeTrainer& t) {
    torch::NoGradGuard no_grad;
    return (t.model()->decode(t.model()->encode(x)) - x).pow(2).sum(1).mean().item<double>();
  };
  EXPECT_LT(ae_error(warm), 0.5 * ae_error(cold));
  // The level-0 codebook is fitted to the warmed-up latents: every code is some items' nearest.
  torch::NoGradGuard no_grad;
  torch::Tensor codes = residual_encode(warm.model()->encode(x), warm.model()->codebook_list());
  EXPECT_EQ(std::get<0>(torch::_unique(codes.select(1, 0))).size(0), c.codes);
}

TEST(RqVae, DeterministicForASeedAndResumesExactly) {
  torch::manual_seed(0);
  torch::Tensor x = torch::randn({200, 12});
  SidConfig c = tiny_config();
  c.dead_code_reset = true;
  c.dead_code_patience = 3;
  c.diversity_weight = 0.1;
  RqVaeTrainer a(c, x, torch::kCPU);
  a.initialize();
  a.train(30, "");
  RqVaeTrainer b(c, x, torch::kCPU);
  b.initialize();
  b.train(30, "");
  for (int64_t k = 0; k < c.levels; ++k) {
    EXPECT_TRUE(a.model()->codebook_list()[k].equal(b.model()->codebook_list()[k]));
  }
  // Killed after 12 steps (checkpoint at 10 and 12), resumed by a fresh trainer.
  TempDir dir;
  {
    RqVaeTrainer first(c, x, torch::kCPU);
    first.initialize();
    first.train(12, dir.path("ckpt"));
  }
  RqVaeTrainer resumed(c, x, torch::kCPU);
  ASSERT_TRUE(resumed.load_checkpoint(dir.path("ckpt")));
  EXPECT_EQ(resumed.step(), 12);
  resumed.train(30, dir.path("ckpt"));
  for (int64_t k = 0; k < c.levels; ++k) {
    EXPECT_TRUE(torch::allclose(a.model()->codebook_list()[k], resumed.model()->codebook_list()[k], 1e-5, 1e-6));
  }
  torch::Tensor xa = a.model()->encode(x), xr = resumed.model()->encode(x);
  EXPECT_TRUE(torch::allclose(xa, xr, 1e-5, 1e-6));
  // A checkpoint from another config is refused.
  SidConfig other = c;
  other.codes = 8;
  RqVaeTrainer wrong(other, x, torch::kCPU);
  expect_error([&] { wrong.load_checkpoint(dir.path("ckpt")); }, "different [sid] config");
}

TEST(SidModel, CodebooksRoundTripGivesSameCodes) {
  torch::manual_seed(0);
  torch::Tensor x = torch::randn({150, 10});
  SidConfig c = tiny_config();
  TempDir dir;
  SidModel km = fit_rq_kmeans(x, c, torch::kCPU);
  km.save(dir.path("km.safetensors"));
  SidModel km2 = SidModel::load(dir.path("km.safetensors"), torch::kCPU);
  EXPECT_TRUE(km2.encode(x).equal(km.encode(x)));
  EXPECT_EQ(km2.method, "rq_kmeans");
  RqVaeTrainer t(c, x, torch::kCPU);
  t.initialize();
  t.train(5, "");
  SidModel vae;
  vae.method = "rq_vae";
  vae.input_dim = 10;
  vae.levels = c.levels;
  vae.codes = c.codes;
  vae.network = t.model().ptr();
  for (const auto& cb : t.model()->codebook_list()) vae.codebooks.push_back(cb.detach());
  vae.save(dir.path("vae.safetensors"));
  SidModel vae2 = SidModel::load(dir.path("vae.safetensors"), torch::kCPU);
  EXPECT_TRUE(vae2.encode(x).equal(vae.encode(x)));
  EXPECT_TRUE(torch::allclose(vae2.reconstruct(vae.encode(x)), vae.reconstruct(vae.encode(x))));
  save_tensors(dir.path("other.safetensors"), {{"x", torch::zeros({2})}});
  expect_error([&] { SidModel::load(dir.path("other.safetensors"), torch::kCPU); }, "not a gr2 SID tokenizer");
}

TEST(SidConfigTest, StrictKeysAndRanges) {
  Config ok = Config::parse("[sid]\nlevels = 3\ncodes = 64\nema_decay = 0.95\n");
  SidConfig c = SidConfig::from_config(ok);
  EXPECT_EQ(c.levels, 3);
  EXPECT_EQ(c.codes, 64);
  expect_error([] { SidConfig::from_config(Config::parse("[sid]\nlevelz = 3\n")); }, "levelz");
  expect_error([] { SidConfig::from_config(Config::parse("[sid]\ncodes = 1\n")); }, "codes");
  expect_error([] { SidConfig::from_config(Config::parse("[sid]\nmethod = \"pq\"\n")); }, "method 'pq'");
}

TEST(SidEndToEnd, TinyCatalogReachesUniquenessAndResumes) {
  TempDir dir;
  Catalog catalog = tiny_catalog(500);
  catalog.write_jsonl(dir.path("catalog.jsonl"));
  SidConfig c = tiny_config();
  c.levels = 4;
  c.codes = 32;
  c.steps = 60;
  c.embed_dim = 24;
  EmbedOptions eo;
  eo.catalog = dir.path("catalog.jsonl");
  eo.out = dir.path("emb.safetensors");
  eo.device = "cpu";
  EmbedSummary es = run_embed(c, eo);
  EXPECT_EQ(es.items, 500);
  TrainOptions to;
  to.embeddings = eo.out;
  to.catalog = eo.catalog;
  to.out_dir = dir.path("sid");
  to.device = "cpu";
  to.stop_after_step = 25;  // "killed" here
  SidTrainSummary stopped = run_train(c, to);
  EXPECT_TRUE(stopped.stopped);
  EXPECT_FALSE(file_exists(dir.path("sid/sids.jsonl")));
  to.stop_after_step = -1;
  SidTrainSummary s = run_train(c, to);
  EXPECT_TRUE(s.resumed);
  EXPECT_EQ(s.resumed_from_step, 25);
  EXPECT_GE(s.before_dedup.uniqueness(), 0.99);
  EXPECT_EQ(s.final_stats.unique_items, 500);
  SidTable table = read_sids_jsonl(dir.path("sid/sids.jsonl"), 32);
  EXPECT_EQ(table.size(), 500);
  EXPECT_EQ(uniqueness(table).unique_items, 500);
  Json report = Json::parse(read_file(dir.path("sid/report.json")));
  EXPECT_EQ(report["uniqueness_final"]["uniqueness"].get<double>(), 1.0);
  EXPECT_EQ(report["levels_usage"].size(), 4u);
  const double purity = report["category_purity_first_code"].get<double>();
  EXPECT_TRUE(purity > 0 && purity <= 1) << purity;
  // RQ-KMeans on the same embeddings: first-level codes follow the 6 leaf categories.
  SidConfig km = c;
  km.method = "rq_kmeans";
  to.out_dir = dir.path("km");
  SidTrainSummary ks = run_train(km, to);
  EXPECT_GE(ks.before_dedup.uniqueness(), 0.99);
  Json km_report = Json::parse(read_file(dir.path("km/report.json")));
  EXPECT_GT(km_report["category_purity_first_code"].get<double>(), 0.8);
  // Assign the same items again with the saved tokenizer: the first three levels match export.
  AssignOptions ao;
  ao.model = dir.path("sid/codebooks.safetensors");
  ao.embeddings = eo.out;
  ao.out = dir.path("assigned.jsonl");
  ao.batch = 37;
  ao.device = "cpu";
  AssignSummary as = run_assign(ao);
  EXPECT_EQ(as.items, 500);
  SidTable assigned = read_sids_jsonl(ao.out, 32);
  int64_t same_prefix = 0;
  for (int64_t i = 0; i < 500; ++i) same_prefix += std::equal(table.sid(i), table.sid(i) + 3, assigned.sid(i));
  EXPECT_GE(same_prefix, 490);  // de-dup may have moved a few exported items
  EXPECT_EQ(as.collisions, 0);
  EXPECT_EQ(uniqueness(assigned).unique_items, 500);
}

TEST(SidAssign, MoreItemsThanLastCodesUnderOnePrefixStayUnique) {
  // 2 levels x 4 codes; 12 items with the same embedding share the nearest level-0 code, so only 4
  // fit under it: the other 8 must move to other level-0 codes (capacity 16), not collide.
  TempDir dir;
  torch::manual_seed(8);
  SidConfig c = tiny_config();
  c.levels = 2;
  c.codes = 4;
  SidModel model = fit_rq_kmeans(torch::randn({40, 6}), c, torch::kCPU);
  ASSERT_TRUE(model.random_last_level);
  model.save(dir.path("model.safetensors"));
  ItemEmbeddings e;
  e.vectors = torch::randn({1, 6}).repeat({12, 1});
  for (int i = 0; i < 12; ++i) e.ids.push_back("dup" + std::to_string(i));
  save_embeddings(e, dir.path("dups.safetensors"));
  AssignOptions ao;
  ao.model = dir.path("model.safetensors");
  ao.embeddings = dir.path("dups.safetensors");
  ao.out = dir.path("dups.jsonl");
  ao.batch = 5;
  ao.device = "cpu";
  AssignSummary s = run_assign(ao);
  EXPECT_EQ(s.items, 12);
  EXPECT_EQ(s.collisions, 0);
  SidTable t = read_sids_jsonl(ao.out, 4);
  EXPECT_EQ(uniqueness(t).unique_items, 12);
  const int32_t nearest = static_cast<int32_t>(model.encode(e.vectors.slice(0, 0, 1))[0][0].item<int64_t>());
  int64_t under_nearest = 0;
  for (int64_t i = 0; i < t.size(); ++i) under_nearest += t.sid(i)[0] == nearest;
  EXPECT_EQ(under_nearest, 4);  // the nearest prefix is filled first
  // 20 items cannot all fit into 16 SIDs: the overflow is counted, not hidden.
  e.vectors = e.vectors.slice(0, 0, 1).repeat({20, 1});
  for (int i = 12; i < 20; ++i) e.ids.push_back("dup" + std::to_string(i));
  save_embeddings(e, dir.path("dups.safetensors"));
  EXPECT_EQ(run_assign(ao).collisions, 4);
}

TEST(SidCli, BadInputExitsWithStatus2) {
  TempDir dir;
  CliResult r = run_cli("sid train --embeddings " + dir.path("missing.safetensors") + " --out " + dir.path("o"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("gr2: error:"), std::string::npos);
  r = run_cli("sid train --set sid.levelz=3 --embeddings x.safetensors --out " + dir.path("o"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("levelz"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace gr2::sid
