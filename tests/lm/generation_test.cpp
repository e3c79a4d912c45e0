// Generation: KV-cached vs recomputed decoding, batching, sampling, stops and limits, constrained
// decoding (catalog SIDs, permutations of a slate) and beam search over the catalog trie.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <set>

#include "gr2/core/rng.h"
#include "gr2/lm/beam_search.h"
#include "gr2/lm/catalog_constraint.h"
#include "gr2/lm/constraint_mask.h"
#include "gr2/lm/generator.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/lm/permutation_constraint.h"
#include "gr2/lm/prefix_kv.h"
#include "gr2/lm/qwen3_model.h"
#include "gr2/lm/sampler.h"
#include "gr2/lm/sid_trie.h"
#include "gr2/lm/vocabulary.h"
#include "test_util.h"

namespace gr2::lm {
namespace {

// Token layout of the tests' vocabulary (as lm::Vocabulary lays it out): 30 text ids, 7 specials,
// then SID tokens for 3 levels x 6 codes.
constexpr int64_t kText = 30, kEos = kText, kImEnd = kText + 2, kThinkEnd = kText + 4, kSidBegin = kText + 5,
                  kSidEnd = kText + 6, kSidOffset = kText + 7, kLevels = 3, kCodes = 6,
                  kVocab = kSidOffset + kLevels * kCodes;
constexpr int64_t kNewline = 5, kComma = 7;

Qwen3Lm tiny_model(uint64_t seed = 11) {
  ModelConfig c;
  c.vocab_size = kVocab;
  c.hidden_size = 48;
  c.intermediate_size = 80;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.head_dim = 16;
  c.rope_theta = 10000.0;
  c.initializer_range = 0.15;  // peaked distributions, so greedy choices are far from ties
  torch::manual_seed(seed);
  Qwen3Lm m(c);
  m->eval();
  return m;
}

std::vector<std::vector<int64_t>> random_prompts(const std::vector<int64_t>& lengths, uint64_t seed) {
  Rng rng(seed);
  std::vector<std::vector<int64_t>> prompts;
  for (int64_t len : lengths) {
    std::vector<int64_t> p;
    for (int64_t t = 0; t < len; ++t) p.push_back(static_cast<int64_t>(rng.next_u64() % kText));
    prompts.push_back(p);
  }
  return prompts;
}

const std::vector<int64_t> kLengths = {3, 11, 7, 1, 9};

TEST(Generation, KvCachedAndUncachedGreedyAreIdentical) {
  auto m = tiny_model();
  const auto prompts = random_prompts(kLengths, 1);
  GenerationOptions opt;
  opt.max_new_tokens = 16;
  auto cached = generate(*m, prompts, opt);
  opt.use_cache = false;
  auto uncached = generate(*m, prompts, opt);
  ASSERT_EQ(cached.size(), prompts.size());
  std::set<int64_t> distinct;
  for (size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(cached[i].tokens, uncached[i].tokens) << "row " << i;
    EXPECT_EQ(cached[i].tokens.size(), 16u);
    EXPECT_EQ(cached[i].finish_reason, FinishReason::Length);
    EXPECT_EQ(cached[i].prompt_length, kLengths[i]);
    EXPECT_NEAR(cached[i].log_prob, uncached[i].log_prob, 1e-4);
    distinct.insert(cached[i].tokens.begin(), cached[i].tokens.end());
  }
  EXPECT_GT(distinct.size(), 3u);  // not a degenerate model that repeats one token
}

TEST(Generation, BatchedGreedyEqualsOneAtATime) {
  auto m = tiny_model();
  const auto prompts = random_prompts(kLengths, 2);
  GenerationOptions opt;
  opt.max_new_tokens = 12;
  auto batched = generate(*m, prompts, opt);
  for (size_t i = 0; i < prompts.size(); ++i) {
    auto alone = generate(*m, std::vector<std::vector<int64_t>>{prompts[i]}, opt);
    EXPECT_EQ(batched[i].tokens, alone[0].tokens) << "row " << i;
    ASSERT_EQ(batched[i].token_log_probs.size(), alone[0].token_log_probs.size());
    for (size_t t = 0; t < alone[0].token_log_probs.size(); ++t)
      EXPECT_NEAR(batched[i].token_log_probs[t], alone[0].token_log_probs[t], 1e-4);
  }
}

TEST(Generation, RowsWithTheSamePromptArePrefilledOnceAndEqualIndependentRows) {
  auto m = tiny_model();
  const auto base = random_prompts({5, 9}, 12);
  // A group of three identical prompts, another of two, one alone, interleaved.
  const std::vector<std::vector<int64_t>> prompts = {base[0], base[1], base[0], base[0], base[1], {4, 2}};
  for (const bool use_cache : {true, false}) {
    GenerationOptions opt;
    opt.max_new_tokens = 10;
    opt.use_cache = use_cache;
    GenerationStats stats;
    const auto shared = generate(*m, prompts, opt, &stats);
    EXPECT_EQ(stats.prefill_rows, 3);
    EXPECT_EQ(stats.rows, 6);
    for (size_t i = 0; i < prompts.size(); ++i) {
      const auto alone = generate(*m, std::vector<std::vector<int64_t>>{prompts[i]}, opt)[0];
      EXPECT_EQ(shared[i].tokens, alone.tokens) << "row " << i << " cache " << use_cache;
      EXPECT_EQ(shared[i].prompt_length, static_cast<int64_t>(prompts[i].size()));
      ASSERT_EQ(shared[i].token_log_probs.size(), alone.token_log_probs.size());
      for (size_t t = 0; t < alone.token_log_probs.size(); ++t)
        EXPECT_NEAR(shared[i].token_log_probs[t], alone.token_log_probs[t], 1e-4);
    }
    // Sampled rows of one group are drawn independently: the three copies do not all agree.
    opt.sampling.temperature = 1.5;
    opt.sampling.seed = 3;
    const std::vector<std::vector<int64_t>> group(8, base[1]);
    const auto sampled = generate(*m, group, opt, &stats);
    EXPECT_EQ(stats.prefill_rows, 1);
    std::set<std::vector<int64_t>> answers;
    for (const auto& r : sampled) answers.insert(r.tokens);
    EXPECT_GT(answers.size(), 1u);
  }
}

TEST(Generation, APrefixKvCacheGivesTheTokensOfAFullPrefill) {
  auto m = tiny_model();
  const std::vector<int64_t> system = {3, 14, 15, 9, 2, 6};
  std::vector<std::vector<int64_t>> prompts = random_prompts({4, 9, 1, 6}, 21);
  for (auto& q : prompts) q.insert(q.begin(), system.begin(), system.end());
  prompts.push_back(prompts[1]);  // a repeated prompt: prefilled once, on top of the prefix
  GenerationOptions opt;
  opt.max_new_tokens = 12;
  GenerationStats stats;
  const auto full = generate(*m, prompts, opt, &stats);
  EXPECT_EQ(stats.prefix_tokens, 0);
  opt.prefix = compute_prefix_kv(*m, system);
  const auto reused = generate(*m, prompts, opt, &stats);
  EXPECT_EQ(stats.prefix_tokens, 6);
  EXPECT_EQ(stats.prefill_rows, 4);
  for (size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(reused[i].tokens, full[i].tokens) << "row " << i;
    EXPECT_EQ(reused[i].prompt_length, full[i].prompt_length);
    ASSERT_EQ(reused[i].token_log_probs.size(), full[i].token_log_probs.size());
    for (size_t t = 0; t < full[i].token_log_probs.size(); ++t)
      EXPECT_NEAR(reused[i].token_log_probs[t], full[i].token_log_probs[t], 1e-4);
  }
  // A prompt that does not start with the prefix (or is only the prefix): the prefix is not used.
  for (const std::vector<int64_t>& other : {std::vector<int64_t>{3, 14, 16, 9, 2, 6, 1}, system}) {
    std::vector<std::vector<int64_t>> mixed = prompts;
    mixed.push_back(other);
    const auto r = generate(*m, mixed, opt, &stats);
    EXPECT_EQ(stats.prefix_tokens, 0);
    EXPECT_EQ(r[0].tokens, full[0].tokens);
  }
  expect_error([&] { compute_prefix_kv(*m, {}); }, "no tokens");
  expect_error([&] { compute_prefix_kv(*m, {kVocab}); }, "outside the vocabulary");
}

TEST(Generation, GreedyLogProbsAreTheModelsOwn) {
  auto m = tiny_model();
  const auto prompt = random_prompts({6}, 3)[0];
  GenerationOptions opt;
  opt.max_new_tokens = 5;
  auto r = generate(*m, std::vector<std::vector<int64_t>>{prompt}, opt)[0];
  std::vector<int64_t> seq = prompt;
  seq.insert(seq.end(), r.tokens.begin(), r.tokens.end());
  torch::NoGradGuard g;
  auto lp = torch::log_softmax(m->forward({torch::tensor(seq).view({1, -1})})[0], -1);  // [T, V]
  double sum = 0;
  for (size_t t = 0; t < r.tokens.size(); ++t) {
    const double expected = lp[static_cast<int64_t>(prompt.size() + t - 1)][r.tokens[t]].item<double>();
    EXPECT_NEAR(r.token_log_probs[t], expected, 1e-4);
    sum += expected;
  }
  EXPECT_NEAR(r.log_prob, sum, 1e-3);
}

TEST(Generation, SeededSamplingIsReproducibleAndSeedsDiffer) {
  auto m = tiny_model();
  const auto prompts = random_prompts(kLengths, 4);
  GenerationOptions opt;
  opt.max_new_tokens = 12;
  opt.sampling.temperature = 1.0;
  opt.sampling.seed = 7;
  auto a = generate(*m, prompts, opt), b = generate(*m, prompts, opt);
  opt.sampling.seed = 8;
  auto c = generate(*m, prompts, opt);
  bool any_difference = false;
  for (size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(a[i].tokens, b[i].tokens);
    EXPECT_EQ(a[i].log_prob, b[i].log_prob);
    any_difference |= a[i].tokens != c[i].tokens;
  }
  EXPECT_TRUE(any_difference);
  // Sampling leaves the global RNG alone.
  torch::manual_seed(5);
  auto before = torch::rand({3});
  torch::manual_seed(5);
  generate(*m, prompts, opt);
  EXPECT_TRUE(torch::equal(before, torch::rand({3})));
}

TEST(Generation, TopKOneAndTinyTopPEqualGreedy) {
  auto m = tiny_model();
  const auto prompts = random_prompts(kLengths, 5);
  GenerationOptions opt;
  opt.max_new_tokens = 10;
  auto greedy = generate(*m, prompts, opt);
  opt.sampling.temperature = 1.3;
  opt.sampling.top_k = 1;
  auto top1 = generate(*m, prompts, opt);
  opt.sampling.top_k = 0;
  opt.sampling.top_p = 1e-6;
  auto nucleus = generate(*m, prompts, opt);
  for (size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(top1[i].tokens, greedy[i].tokens) << "row " << i;
    EXPECT_EQ(nucleus[i].tokens, greedy[i].tokens) << "row " << i;
    for (float lp : top1[i].token_log_probs) EXPECT_NEAR(lp, 0.0, 1e-6);  // the only token kept
  }
}

TEST(Generation, SamplerTopKTopPKeepOnlyTheirTokens) {
  // Probabilities 0.5, 0.3, 0.15, 0.05.
  auto logits = torch::log(torch::tensor({0.5, 0.3, 0.15, 0.05}, torch::kFloat)).view({1, 4}).repeat({2000, 1});
  SamplingOptions o;
  o.temperature = 1.0;
  o.top_p = 0.7;  // 0.5 + 0.3 reaches it
  Sampler nucleus(o, torch::kCPU);
  auto s = nucleus.sample(logits);
  EXPECT_LE(s.tokens.max().item<int64_t>(), 1);
  const double share0 = (s.tokens == 0).to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(share0, 0.5 / 0.8, 0.05);
  auto lp0 = s.log_probs.masked_select(s.tokens == 0)[0].item<double>();
  EXPECT_NEAR(lp0, std::log(0.5 / 0.8), 1e-5);
  o.top_p = 1.0;
  o.top_k = 3;
  Sampler topk(o, torch::kCPU);
  s = topk.sample(logits);
  EXPECT_LE(s.tokens.max().item<int64_t>(), 2);
  EXPECT_GT((s.tokens == 2).sum().item<int64_t>(), 0);
  // -inf logits are never drawn.
  auto masked = logits.clone();
  masked.select(1, 0).fill_(-std::numeric_limits<float>::infinity());
  o.top_k = 0;
  Sampler plain(o, torch::kCPU);
  EXPECT_GE(plain.sample(masked).tokens.min().item<int64_t>(), 1);
  SamplingOptions bad;
  bad.top_p = 0;
  expect_error([&] { bad.validate(); }, "top_p");
}

TEST(Generation, ExtremeTopPAndTemperatureStillDrawTheBestToken) {
  // Found by schemathesis through gr2 serve: top_p = 2.2e-308 rounds to 0 in float, which masked
  // every token (NaN probabilities, a 500); a temperature of 5e-324 overflows the scaled logits.
  auto logits = torch::log(torch::tensor({0.2, 0.5, 0.3}, torch::kFloat)).view({1, 3}).repeat({50, 1});
  SamplingOptions o;
  o.temperature = 78.5;
  o.top_p = 2.2250738585072014e-308;
  Sampler nucleus(o, torch::kCPU);
  auto s = nucleus.sample(logits);
  EXPECT_TRUE((s.tokens == 1).all().item<bool>());
  EXPECT_TRUE(torch::isfinite(s.log_probs).all().item<bool>());
  o.top_p = 1.0;
  o.temperature = 5e-324;  // below SamplingOptions::kGreedyBelow: greedy
  EXPECT_TRUE(o.greedy());
  Sampler tiny(o, torch::kCPU);
  EXPECT_TRUE((tiny.sample(logits).tokens == 1).all().item<bool>());
}

TEST(Generation, StopTokensAndLimitsPerRow) {
  auto m = tiny_model();
  const auto prompts = random_prompts(kLengths, 6);
  GenerationOptions opt;
  opt.max_new_tokens = 10;
  auto free = generate(*m, prompts, opt);
  std::vector<GenerationRequest> requests(prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) requests[i].prompt = prompts[i];
  // Row 0 stops at its own 4th token (first occurrence), row 1 has 3 new tokens, row 3 none.
  const int64_t stop = free[0].tokens[3];
  const size_t stop_at = static_cast<size_t>(std::find(free[0].tokens.begin(), free[0].tokens.end(), stop) -
                                             free[0].tokens.begin());
  requests[0].stop_tokens = {stop};
  requests[1].max_new_tokens = 3;
  requests[3].max_new_tokens = 0;
  GenerationStats stats;
  auto r = generate(*m, requests, opt, &stats);
  EXPECT_EQ(r[0].finish_reason, FinishReason::Stop);
  EXPECT_EQ(r[0].tokens, std::vector<int64_t>(free[0].tokens.begin(), free[0].tokens.begin() + stop_at + 1));
  EXPECT_EQ(r[1].finish_reason, FinishReason::Length);
  EXPECT_EQ(r[1].tokens, std::vector<int64_t>(free[1].tokens.begin(), free[1].tokens.begin() + 3));
  EXPECT_TRUE(r[3].tokens.empty());
  for (size_t i : {2u, 4u}) EXPECT_EQ(r[i].tokens, free[i].tokens) << "row " << i;  // unaffected by the others
  EXPECT_EQ(stats.new_tokens, static_cast<int64_t>(r[0].tokens.size() + 3 + 10 + 10));
  EXPECT_EQ(stats.decode_steps, 9);
  // Dropping finished rows keeps the cached and recomputed paths in step.
  GenerationOptions uncached = opt;
  uncached.use_cache = false;
  auto recomputed = generate(*m, requests, uncached);
  for (size_t i = 0; i < r.size(); ++i) EXPECT_EQ(recomputed[i].tokens, r[i].tokens) << "row " << i;
  // A shared stop token ends every row at its first occurrence.
  opt.stop_tokens = {free[2].tokens[0]};
  auto shared = generate(*m, prompts, opt);
  EXPECT_EQ(shared[2].tokens, std::vector<int64_t>{free[2].tokens[0]});
  EXPECT_EQ(shared[2].finish_reason, FinishReason::Stop);
  expect_error([&] { generate(*m, std::vector<std::vector<int64_t>>{{}}, opt); }, "empty prompt");
  expect_error([&] { generate(*m, std::vector<std::vector<int64_t>>{{1, kVocab}}, opt); }, "outside the vocabulary");
}

// ---- constraints ----

std::vector<int64_t> sid_tokens(const std::vector<int32_t>& sid) {
  std::vector<int64_t> t{kSidBegin};
  for (size_t l = 0; l < sid.size(); ++l) t.push_back(kSidOffset + static_cast<int64_t>(l) * kCodes + sid[l]);
  t.push_back(kSidEnd);
  return t;
}

sid::SidTable random_catalog(int64_t n, uint64_t seed) {
  sid::SidTable table;
  table.levels = kLevels;
  table.codes = kCodes;
  Rng rng(seed);
  std::set<std::vector<int32_t>> seen;
  while (table.size() < n) {
    std::vector<int32_t> sid;
    for (int64_t l = 0; l < kLevels; ++l) sid.push_back(static_cast<int32_t>(rng.next_u64() % kCodes));
    if (!seen.insert(sid).second) continue;
    table.ids.push_back("item" + std::to_string(table.size()));
    table.sids.insert(table.sids.end(), sid.begin(), sid.end());
  }
  return table;
}

TEST(Constrained, SidTrieWalksTheCatalog) {
  const auto table = random_catalog(40, 1);
  SidTrie trie(table, kSidOffset);
  EXPECT_EQ(trie.items(), 40);
  EXPECT_EQ(trie.levels(), kLevels);
  EXPECT_LT(trie.max_token(), kVocab);
  for (int64_t i = 0; i < table.size(); ++i) {
    const auto tokens = trie.item_tokens(i);
    int32_t node = SidTrie::kRoot;
    for (int64_t t : tokens) {
      ASSERT_GE(node = trie.find_child(node, t), 0);
    }
    EXPECT_EQ(trie.item(node), i);
    const auto framed = sid_tokens({table.sid(i), table.sid(i) + kLevels});
    EXPECT_EQ(tokens, std::vector<int64_t>(framed.begin() + 1, framed.end() - 1));
  }
  const int64_t* root = trie.child_tokens(SidTrie::kRoot);
  EXPECT_TRUE(std::is_sorted(root, root + trie.child_count(SidTrie::kRoot)));
  EXPECT_EQ(trie.find_child(SidTrie::kRoot, kSidEnd), -1);
  auto dup = table;
  std::copy(table.sid(0), table.sid(0) + kLevels, dup.sid(5));
  expect_error([&] { SidTrie bad(dup, kSidOffset); }, "have the same SID");
  dup = table;
  dup.sid(2)[1] = kCodes;
  expect_error([&] { SidTrie bad(dup, kSidOffset); }, "outside [0, 6)");
}

TEST(Constrained, MaskLogitsKeepsOnlyAllowedTokens) {
  const std::vector<int64_t> only{3, 5}, banned{1};
  struct Fixed : LogitConstraint {
    AllowedTokens a;
    AllowedTokens allowed() const override { return a; }
    void advance(int64_t) override {}
    bool done() const override { return false; }
  } c_only, c_ban;
  c_only.a = AllowedTokens::only(only);
  c_ban.a = AllowedTokens::any_except(banned);
  auto logits = torch::randn({3, 8});
  auto original = logits.clone();
  mask_logits(logits, {&c_ban, nullptr, &c_only});
  EXPECT_TRUE(std::isinf(logits[0][1].item<float>()));
  EXPECT_EQ((logits[0] == original[0]).sum().item<int64_t>(), 7);
  EXPECT_TRUE(torch::equal(logits[1], original[1]));
  EXPECT_EQ(logits[2][3].item<float>(), original[2][3].item<float>());
  EXPECT_EQ(logits[2][5].item<float>(), original[2][5].item<float>());
  EXPECT_EQ(torch::isinf(logits[2]).sum().item<int64_t>(), 6);
}

TEST(Constrained, CatalogConstraintAlwaysYieldsCatalogItems) {
  auto m = tiny_model();
  const auto table = random_catalog(40, 2);
  auto trie = std::make_shared<const SidTrie>(table, kSidOffset);
  std::set<std::vector<int32_t>> catalog;
  for (int64_t i = 0; i < table.size(); ++i) catalog.insert({table.sid(i), table.sid(i) + kLevels});
  const auto prompts = random_prompts(std::vector<int64_t>(120, 6), 7);
  std::vector<GenerationRequest> requests(prompts.size());
  std::vector<std::shared_ptr<CatalogSidConstraint>> constraints;
  for (size_t i = 0; i < prompts.size(); ++i) {
    constraints.push_back(std::make_shared<CatalogSidConstraint>(trie, kSidBegin, kSidEnd, std::vector<int64_t>{kImEnd}));
    requests[i] = {prompts[i], constraints.back(), -1, {}};
  }
  GenerationOptions opt;
  opt.max_new_tokens = 20;
  opt.stop_tokens = {kImEnd, kEos};
  opt.sampling.temperature = 1.5;
  opt.sampling.seed = 3;
  auto results = generate(*m, requests, opt);
  std::set<int64_t> items_seen;
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& t = results[i].tokens;
    ASSERT_EQ(t.size(), static_cast<size_t>(kLevels + 3)) << "row " << i;
    EXPECT_EQ(results[i].finish_reason, FinishReason::Stop);
    EXPECT_EQ(t.front(), kSidBegin);
    EXPECT_EQ(t[kLevels + 1], kSidEnd);
    EXPECT_EQ(t.back(), kImEnd);
    std::vector<int32_t> sid;
    for (int64_t l = 0; l < kLevels; ++l) sid.push_back(static_cast<int32_t>(t[static_cast<size_t>(l + 1)] - kSidOffset - l * kCodes));
    EXPECT_TRUE(catalog.count(sid)) << "row " << i << " generated a SID outside the catalog";
    const int64_t item = constraints[i]->item();
    ASSERT_GE(item, 0);
    EXPECT_EQ(std::vector<int32_t>(table.sid(item), table.sid(item) + kLevels), sid);
    items_seen.insert(item);
  }
  EXPECT_GT(items_seen.size(), 5u);  // sampling explored the catalog
  requests[0].max_new_tokens = kLevels + 2;
  expect_error([&] { generate(*m, requests, opt); }, "below the constrained answer's length bound");
}

// Parses a row's tokens as the format says, independently of the constraint: returns the candidate
// order, or an empty vector (with a message) when the answer is not a valid permutation.
std::vector<int64_t> parse_permutation(const std::vector<int64_t>& tokens, const std::vector<std::vector<int64_t>>& cands,
                                       const PermutationFormat& f, std::string& why) {
  size_t p = 0;
  if (f.think) {
    auto it = std::find(tokens.begin(), tokens.end(), f.think_end);
    if (it == tokens.end()) return why = "no </think>", std::vector<int64_t>{};
    if (it - tokens.begin() > f.max_think_tokens) return why = "think too long", std::vector<int64_t>{};
    for (auto b = tokens.begin(); b != it; ++b)
      if (std::count(f.banned_in_think.begin(), f.banned_in_think.end(), *b)) return why = "banned token", std::vector<int64_t>{};
    p = static_cast<size_t>(it - tokens.begin()) + 1;
    for (int64_t t : f.after_think)
      if (p >= tokens.size() || tokens[p++] != t) return why = "after_think", std::vector<int64_t>{};
  }
  std::vector<int64_t> order;
  std::vector<char> used(cands.size(), 0);
  for (size_t k = 0; k < cands.size(); ++k) {
    if (k > 0)
      for (int64_t t : f.separator)
        if (p >= tokens.size() || tokens[p++] != t) return why = "separator", std::vector<int64_t>{};
    int64_t found = -1;
    for (size_t c = 0; c < cands.size(); ++c)
      if (p + cands[c].size() <= tokens.size() && std::equal(cands[c].begin(), cands[c].end(), tokens.begin() + static_cast<std::ptrdiff_t>(p)))
        found = static_cast<int64_t>(c);
    if (found < 0) return why = "unknown item at " + std::to_string(p), std::vector<int64_t>{};
    if (used[static_cast<size_t>(found)]) return why = "duplicate", std::vector<int64_t>{};
    used[static_cast<size_t>(found)] = 1;
    order.push_back(found);
    p += cands[static_cast<size_t>(found)].size();
  }
  for (int64_t t : f.end)
    if (p >= tokens.size() || tokens[p++] != t) return why = "end", std::vector<int64_t>{};
  if (p != tokens.size()) return why = "trailing tokens", std::vector<int64_t>{};
  return order;
}

TEST(Constrained, PermutationAnswersAreAlwaysValidPermutations) {
  // Property test: random slates (K in [1, 7] candidates with random distinct SIDs), random formats
  // (think or not, separators or not), sampled at temperature 1.5.
  auto m = tiny_model(21);
  Rng rng(99);
  const int64_t rows = 300;
  std::vector<GenerationRequest> requests;
  std::vector<std::shared_ptr<PermutationConstraint>> constraints;
  std::vector<std::vector<std::vector<int64_t>>> slates;
  std::vector<PermutationFormat> formats;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t K = 1 + static_cast<int64_t>(rng.next_u64() % 7);
    std::set<std::vector<int32_t>> seen;
    std::vector<std::vector<int64_t>> cands;
    while (static_cast<int64_t>(cands.size()) < K) {
      std::vector<int32_t> sid;
      // Few codes at the first levels, so candidates share prefixes and the trie branches late.
      for (int64_t l = 0; l < kLevels; ++l) sid.push_back(static_cast<int32_t>(rng.next_u64() % (l + 1 < kLevels ? 2 : kCodes)));
      if (seen.insert(sid).second) cands.push_back(sid_tokens(sid));
    }
    PermutationFormat f;
    f.think = rng.next_u64() % 2 == 0;
    f.think_end = kThinkEnd;
    f.max_think_tokens = static_cast<int64_t>(rng.next_u64() % 6);
    if (rng.next_u64() % 2) f.after_think = {kNewline};
    if (rng.next_u64() % 2) f.separator = {kComma, kNewline};
    f.end = {kImEnd};
    f.banned_in_think = {kImEnd, kEos};
    auto c = std::make_shared<PermutationConstraint>(cands, f);
    std::vector<int64_t> prompt;
    const int64_t len = 2 + static_cast<int64_t>(rng.next_u64() % 10);
    for (int64_t t = 0; t < len; ++t) prompt.push_back(static_cast<int64_t>(rng.next_u64() % kVocab));
    requests.push_back({prompt, c, c->max_length(), {}});
    constraints.push_back(c);
    slates.push_back(cands);
    formats.push_back(f);
  }
  GenerationOptions opt;
  opt.stop_tokens = {kImEnd, kEos};
  opt.sampling.temperature = 1.5;
  opt.sampling.seed = 17;
  auto results = generate(*m, requests, opt);
  int64_t non_identity = 0, thought = 0;
  for (int64_t r = 0; r < rows; ++r) {
    std::string why;
    const auto order = parse_permutation(results[static_cast<size_t>(r)].tokens, slates[static_cast<size_t>(r)],
                                         formats[static_cast<size_t>(r)], why);
    ASSERT_EQ(order.size(), slates[static_cast<size_t>(r)].size()) << "row " << r << ": " << why;
    EXPECT_EQ(order, constraints[static_cast<size_t>(r)]->order());
    EXPECT_EQ(results[static_cast<size_t>(r)].finish_reason, FinishReason::Stop);
    bool identity = true;
    for (size_t k = 0; k < order.size(); ++k) identity &= order[k] == static_cast<int64_t>(k);
    non_identity += !identity;
    thought += constraints[static_cast<size_t>(r)]->think_tokens() > 0;
  }
  EXPECT_GT(non_identity, rows / 3);  // sampling really explored orders
  EXPECT_GT(thought, rows / 5);       // and free reasoning happened
}

TEST(Constrained, PermutationConstraintRejectsAmbiguousSlates) {
  PermutationFormat f;
  expect_error([&] { PermutationConstraint({{1, 2}, {1, 2}}, f); }, "candidate 0 equals candidate 1");
  expect_error([&] { PermutationConstraint({{1, 2, 3}, {4}, {1, 2}}, f); }, "candidate 2 is a prefix of candidate 0");
  expect_error([&] { PermutationConstraint({}, f); }, "no candidates");
  f.think = true;
  expect_error([&] { PermutationConstraint({{1}}, f); }, "</think>");
  // max_think_tokens = 0 forces </think> at once; the walk of a two-candidate slate.
  f.think_end = 9;
  f.max_think_tokens = 0;
  f.end = {8};
  PermutationConstraint c({{1, 2}, {1, 3}}, f);
  EXPECT_EQ(c.max_length(), 0 + 1 + 2 + 2 + 1);
  auto a = c.allowed();
  ASSERT_EQ(a.kind, AllowedTokens::Kind::Only);
  EXPECT_EQ(std::vector<int64_t>(a.tokens, a.tokens + a.size), std::vector<int64_t>{9});
  c.advance(9);
  c.advance(1);
  a = c.allowed();
  EXPECT_EQ(std::vector<int64_t>(a.tokens, a.tokens + a.size), (std::vector<int64_t>{2, 3}));
  c.advance(3);
  a = c.allowed();
  EXPECT_EQ(std::vector<int64_t>(a.tokens, a.tokens + a.size), std::vector<int64_t>{1});
  c.advance(1);
  c.advance(2);
  EXPECT_FALSE(c.done());
  EXPECT_THROW(c.advance(3), Error);
  c.advance(8);
  EXPECT_TRUE(c.done());
  EXPECT_EQ(c.order(), (std::vector<int64_t>{1, 0}));
}

// ---- beam search ----

// log P(item's SID tokens | prompt, sid_begin) for every item, by one teacher-forced forward pass.
std::vector<double> exhaustive_scores(Qwen3LmImpl& m, const SidTrie& trie, const std::vector<int64_t>& prompt) {
  std::vector<int64_t> rows;
  const int64_t n = trie.items(), P = static_cast<int64_t>(prompt.size());
  for (int64_t i = 0; i < n; ++i) {
    rows.insert(rows.end(), prompt.begin(), prompt.end());
    rows.push_back(kSidBegin);
    const auto t = trie.item_tokens(i);
    rows.insert(rows.end(), t.begin(), t.end());
  }
  torch::NoGradGuard g;
  auto ids = torch::tensor(rows).view({n, P + 1 + kLevels});
  auto lp = torch::log_softmax(m.forward({ids}), -1);  // [n, T, V]
  std::vector<double> scores;
  for (int64_t i = 0; i < n; ++i) {
    double s = 0;
    for (int64_t l = 0; l < kLevels; ++l) s += lp[i][P + l][ids[i][P + 1 + l].item<int64_t>()].item<double>();
    scores.push_back(s);
  }
  return scores;
}

TEST(BeamSearch, WideBeamMatchesExhaustiveScoring) {
  auto m = tiny_model(5);
  const auto table = random_catalog(30, 4);
  const SidTrie trie(table, kSidOffset);
  const auto prompts = random_prompts({4, 9, 1, 6}, 8);
  BeamSearchOptions opt;
  opt.beam_width = 30;  // >= every level's width: exhaustive
  opt.num_results = 30;
  opt.max_batch_prompts = 3;  // two chunks
  auto results = beam_search_items(*m, trie, prompts, kSidBegin, opt);
  ASSERT_EQ(results.size(), prompts.size());
  for (size_t p = 0; p < prompts.size(); ++p) {
    const auto scores = exhaustive_scores(*m, trie, prompts[p]);
    const int64_t best = std::max_element(scores.begin(), scores.end()) - scores.begin();
    ASSERT_EQ(results[p].size(), 30u);
    EXPECT_EQ(results[p][0].item, best) << "prompt " << p;
    std::set<int64_t> items;
    for (size_t k = 0; k < results[p].size(); ++k) {
      items.insert(results[p][k].item);
      EXPECT_NEAR(results[p][k].log_prob, scores[static_cast<size_t>(results[p][k].item)], 1e-4);
      if (k > 0) {
        EXPECT_GE(results[p][k - 1].log_prob, results[p][k].log_prob);
      }
    }
    EXPECT_EQ(items.size(), 30u);
  }
}

TEST(BeamSearch, NarrowBeamReturnsDistinctCatalogItemsSortedByScore) {
  auto m = tiny_model(6);
  const auto table = random_catalog(60, 5);
  const SidTrie trie(table, kSidOffset);
  const auto prompts = random_prompts({5, 2, 8}, 9);
  BeamSearchOptions opt;
  opt.beam_width = 4;
  opt.num_results = 3;
  auto results = beam_search_items(*m, trie, prompts, kSidBegin, opt);
  for (size_t p = 0; p < prompts.size(); ++p) {
    const auto scores = exhaustive_scores(*m, trie, prompts[p]);
    ASSERT_EQ(results[p].size(), 3u);
    std::set<int64_t> items;
    for (size_t k = 0; k < 3; ++k) {
      const auto& hit = results[p][k];
      ASSERT_GE(hit.item, 0);
      ASSERT_LT(hit.item, table.size());
      items.insert(hit.item);
      EXPECT_NEAR(hit.log_prob, scores[static_cast<size_t>(hit.item)], 1e-4);  // a real item's real score
      if (k > 0) {
        EXPECT_GE(results[p][k - 1].log_prob, hit.log_prob);
      }
    }
    EXPECT_EQ(items.size(), 3u);
    EXPECT_LE(results[p][0].log_prob, *std::max_element(scores.begin(), scores.end()) + 1e-6);
  }
  // The same prompt alone gives the same answer (batching does not change the search).
  auto alone = beam_search_items(*m, trie, {prompts[1]}, kSidBegin, opt);
  for (size_t k = 0; k < 3; ++k) EXPECT_EQ(alone[0][k].item, results[1][k].item);
  opt.num_results = 5;
  expect_error([&] { beam_search_items(*m, trie, prompts, kSidBegin, opt); }, "num_results");
}

// ---- command line ----

TEST(GenerationCli, GeneratesTextAndCatalogItemsFromACheckpoint) {
  TempDir dir;
  std::vector<std::string> docs;
  Rng rng(1);
  const std::vector<std::string> words = {"the", "cat", "sat", "on", "a", "mat", "and", "dog", "ran", "far"};
  for (int d = 0; d < 200; ++d) {
    std::string doc;
    for (int w = 0; w < 10; ++w) doc += (w ? " " : "") + words[rng.below(words.size())];
    docs.push_back(doc);
  }
  TextTokenizerOptions topt;
  topt.vocab_size = 300;
  const Vocabulary vocab = Vocabulary::train(docs, topt).with_sids(3, 8);
  vocab.save(dir.path("m"));
  ModelConfig c;
  c.vocab_size = vocab.size();
  c.hidden_size = 32;
  c.intermediate_size = 64;
  c.num_hidden_layers = 1;
  c.num_attention_heads = 2;
  c.num_key_value_heads = 1;
  c.head_dim = 16;
  torch::manual_seed(1);
  Qwen3Lm m(c);
  save_model(dir.path("m"), m);

  auto r = run_cli("generate --model " + dir.path("m") + " --prompt 'the cat' --max-new-tokens 5 --ids --device cpu");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("ids: ["), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("new tokens"), std::string::npos) << r.output;
  // The same greedy tokens as the library gives.
  GenerationOptions opt;
  opt.max_new_tokens = 5;
  opt.stop_tokens = {vocab.im_end_id(), vocab.eos_id()};
  opt.pad_id = vocab.pad_id();
  const auto expected = generate(*m, std::vector<std::vector<int64_t>>{vocab.encode("the cat")}, opt)[0].tokens;
  EXPECT_NE(r.output.find("ids: " + Json(expected).dump()), std::string::npos) << r.output;

  dir.write("sids.jsonl", "{\"item_id\": \"x\", \"sid\": [1, 2, 3]}\n{\"item_id\": \"y\", \"sid\": [1, 2, 4]}\n");
  r = run_cli("generate --model " + dir.path("m") + " --sids " + dir.path("sids.jsonl") +
              " --prompt 'the dog' --beam 4 --top 2 --device cpu");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("<|sid_begin|><s_a_1><s_b_2><s_c_3><|sid_end|>"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("<|sid_begin|><s_a_1><s_b_2><s_c_4><|sid_end|>"), std::string::npos) << r.output;
  r = run_cli("generate --model " + dir.path("m") + " --sids " + dir.path("sids.jsonl") + " --prompt x --beam 2 --top 3");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("--top must be between 1 and --beam"), std::string::npos) << r.output;
  r = run_cli("generate --model " + dir.path("m"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("give --prompt"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace gr2::lm
