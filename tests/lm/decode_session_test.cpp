// DecodeSession (continuous batching): rows that join a running decode at different steps, through
// a prefix KV cache or not, get the greedy tokens and log-probs generate() gives each row alone;
// finished rows come back once with their ids; a dropped row never comes back; a row that cannot
// generate finishes at the next step; KvCache::concat keeps each row's slots.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include <torch/torch.h>

#include "gr2/lm/decode_session.h"
#include "gr2/lm/generator.h"
#include "gr2/lm/kv_cache.h"
#include "gr2/lm/prefix_kv.h"
#include "lm/permutation_slates.h"
#include "test_util.h"

namespace gr2::lm {
namespace {

using namespace permutation_slates;

GenerationOptions greedy(bool jump) {
  GenerationOptions o;
  o.stop_tokens = {kImEnd, kEos};
  o.jump_forward = jump;
  return o;
}

void expect_same(const GenerationResult& a, const GenerationResult& b, const std::string& what) {
  EXPECT_EQ(a.tokens, b.tokens) << what;
  EXPECT_EQ(a.finish_reason, b.finish_reason) << what;
  ASSERT_EQ(a.token_log_probs.size(), b.token_log_probs.size()) << what;
  for (size_t t = 0; t < a.token_log_probs.size(); ++t) EXPECT_NEAR(a.token_log_probs[t], b.token_log_probs[t], 1e-4) << what;
}

TEST(DecodeSession, RowsJoiningARunningDecodeGetTheirAloneAnswers) {
  auto m = tiny_model();
  const Slates slates(24);
  for (const bool jump : {false, true}) {
    std::vector<GenerationResult> alone;
    for (size_t r = 0; r < 24; ++r) alone.push_back(generate(*m, slates.requests(r, r + 1), greedy(jump))[0]);
    DecodeSession session(*m, greedy(jump));
    std::map<int64_t, size_t> row_of;  // id -> slate
    std::map<size_t, GenerationResult> got;
    size_t next = 0;
    int steps = 0;
    // Join 1, 3, 2, 5, ... rows at a time, every other step, while earlier rows are mid-answer.
    while (next < 24 || !session.empty()) {
      if (next < 24 && steps % 2 == 0) {
        const size_t count = std::min<size_t>(1 + (steps / 2) % 5, 24 - next);
        const auto ids = session.add(slates.requests(next, next + count));
        for (size_t i = 0; i < ids.size(); ++i) row_of[ids[i]] = next + i;
        next += count;
      }
      for (auto& [id, result] : session.step()) {
        ASSERT_TRUE(row_of.count(id)) << id;
        EXPECT_TRUE(got.emplace(row_of[id], std::move(result)).second) << "row " << id << " came back twice";
      }
      ++steps;
      ASSERT_LT(steps, 1000);
    }
    ASSERT_EQ(got.size(), 24u);
    for (size_t r = 0; r < 24; ++r) expect_same(got[r], alone[r], "slate " + std::to_string(r) + (jump ? " jump" : ""));
  }
}

TEST(DecodeSession, PrefixDropAndRowsThatCannotGenerate) {
  auto m = tiny_model();
  const Slates slates(6);
  const std::vector<int64_t> system = {1, 2, 3, 4};
  // Fresh requests each time: a constraint is advanced by the decoding that uses it.
  auto with_system = [&] {
    std::vector<GenerationRequest> out = slates.requests(0, 6);
    for (auto& q : out) q.prompt.insert(q.prompt.begin(), system.begin(), system.end());
    return out;
  };
  std::vector<GenerationResult> alone;
  for (const auto& q : with_system()) alone.push_back(generate(*m, std::vector<GenerationRequest>{q}, greedy(true))[0]);

  DecodeSession session(*m, greedy(true));
  const auto prefix = compute_prefix_kv(*m, system);
  const std::vector<GenerationRequest> fresh = with_system();
  std::vector<GenerationRequest> first(fresh.begin(), fresh.begin() + 3);
  const auto ids = session.add(first, prefix);
  std::map<int64_t, GenerationResult> got;
  for (auto& [id, result] : session.step()) got.emplace(id, std::move(result));
  std::vector<GenerationRequest> second(fresh.begin() + 3, fresh.end());
  const auto more = session.add(second, prefix);
  EXPECT_TRUE(session.drop(more[1]));
  EXPECT_FALSE(session.drop(more[1]));
  GenerationRequest none{{5, 6}, nullptr, 0, {}};  // max_new_tokens 0
  const int64_t empty_id = session.add({none})[0];
  while (!session.empty())
    for (auto& [id, result] : session.step()) got.emplace(id, std::move(result));
  EXPECT_EQ(got.size(), 6u);  // 3 + 3 - 1 dropped + 1 empty
  EXPECT_EQ(got.count(more[1]), 0u);
  EXPECT_TRUE(got.at(empty_id).tokens.empty());
  for (int i = 0; i < 3; ++i) expect_same(got.at(ids[static_cast<size_t>(i)]), alone[static_cast<size_t>(i)], "first");
  expect_same(got.at(more[0]), alone[3], "second");
  expect_same(got.at(more[2]), alone[5], "second");
  EXPECT_THROW(session.add({GenerationRequest{{}, nullptr, 4, {}}}), Error);
  EXPECT_TRUE(session.empty());
}

TEST(KvCacheConcat, RightAlignsEachBatchsSlots) {
  ModelConfig c;
  c.num_hidden_layers = 1;
  c.num_key_value_heads = 1;
  c.head_dim = 2;
  KvCache a(c, 1, 4, torch::kCPU, torch::kFloat), b(c, 2, 4, torch::kCPU, torch::kFloat);
  a.begin_step(torch::ones({1, 3}, torch::kBool));
  a.append(0, torch::full({1, 1, 3, 2}, 1.0f), torch::full({1, 1, 3, 2}, 2.0f));
  a.end_step();
  b.begin_step(torch::tensor({true, false}, torch::kBool).view({2, 1}));
  b.append(0, torch::full({2, 1, 1, 2}, 3.0f), torch::full({2, 1, 1, 2}, 4.0f));
  b.end_step();
  const auto merged = KvCache::concat(a, b, 6);
  EXPECT_EQ(merged->batch(), 3);
  EXPECT_EQ(merged->length(), 3);
  EXPECT_EQ(merged->capacity(), 6);
  // The next step's validity: a's row keeps its 3 slots, b's rows their 1 slot at the end.
  const torch::Tensor valid = merged->begin_step(torch::ones({3, 1}, torch::kBool));
  EXPECT_TRUE(valid.equal(torch::tensor({true, true, true, true, false, false, true, true, false, false, false, true},
                                        torch::kBool)
                              .view({3, 4})));
  const auto kv = merged->append(0, torch::zeros({3, 1, 1, 2}), torch::zeros({3, 1, 1, 2}));
  EXPECT_EQ(kv.first[0][0][0][0].item<float>(), 1.0f);
  EXPECT_EQ(kv.first[1][0][2][0].item<float>(), 3.0f);
  EXPECT_EQ(kv.second[2][0][2][1].item<float>(), 4.0f);
  merged->end_step();
  expect_error([&] { KvCache::concat(a, b, 2); }, "capacity");

  // compact(): each row's valid slots, in order, at the end of the longest row's count.
  EXPECT_EQ(merged->valid_slots(), 4);
  EXPECT_EQ(merged->compact(), 0);  // row 0 has 4 valid slots of 4: nothing to drop
  merged->select_rows(torch::tensor({1, 2}, torch::kLong));
  EXPECT_EQ(merged->valid_slots(), 2);
  EXPECT_EQ(merged->compact(), 2);
  EXPECT_EQ(merged->length(), 2);
  const torch::Tensor after = merged->begin_step(torch::ones({2, 1}, torch::kBool));
  EXPECT_TRUE(after.equal(torch::tensor({true, true, true, false, true, true}, torch::kBool).view({2, 3})));
  const auto kept = merged->append(0, torch::full({2, 1, 1, 2}, 9.0f), torch::full({2, 1, 1, 2}, 9.0f));
  // Former row 1: b's slot (3) then the zeros of the step after the merge; former row 2: its b slot
  // was padding (dropped), so only those zeros, right-aligned.
  EXPECT_EQ(kept.first[0][0][0][0].item<float>(), 3.0f);
  EXPECT_EQ(kept.first[0][0][1][0].item<float>(), 0.0f);
  EXPECT_EQ(kept.first[1][0][1][0].item<float>(), 0.0f);
  EXPECT_EQ(kept.first[0][0][2][0].item<float>(), 9.0f);
  EXPECT_EQ(kept.second[1][0][2][1].item<float>(), 9.0f);
}

}  // namespace
}  // namespace gr2::lm
