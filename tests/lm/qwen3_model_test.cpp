// The Qwen3 decoder: numerics against an independent Python forward pass, checkpoint round trips,
// KV-cache and padding equivalences, vocabulary growth.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

#include "gr2/core/file_io.h"
#include "gr2/core/safetensors_torch.h"
#include "gr2/lm/attention_kernel.h"
#include "gr2/lm/kv_cache.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/lm/qwen3_model.h"
#include "gr2/lm/segment_mask.h"
#include "gr2/lm/shard_index.h"
#include "test_util.h"

namespace gr2::lm {
namespace {

ModelConfig tiny_config(bool tied = true) {
  ModelConfig c;
  c.vocab_size = 97;
  c.hidden_size = 48;
  c.intermediate_size = 80;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.head_dim = 16;
  c.rope_theta = 10000.0;
  c.tie_word_embeddings = tied;
  return c;
}

Qwen3Lm tiny_model(bool tied = true, uint64_t seed = 3) {
  torch::manual_seed(seed);
  Qwen3Lm m(tiny_config(tied));
  // Norm weights start at one; perturb them so the reference test exercises them.
  torch::NoGradGuard g;
  for (auto& p : m->named_parameters())
    if (p.key().find("norm") != std::string::npos) p.value().add_(torch::randn_like(p.value()) * 0.1);
  m->eval();
  return m;
}

torch::Tensor random_ids(int64_t B, int64_t T, int64_t V, uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randint(V, {B, T}, torch::kLong);
}

TEST(Qwen3Model, ParameterNamesAreHuggingFaceNames) {
  auto m = tiny_model(false);
  auto params = m->named_parameters();
  for (const char* name : {"model.embed_tokens.weight", "model.layers.1.input_layernorm.weight",
                           "model.layers.0.post_attention_layernorm.weight", "model.layers.0.self_attn.q_proj.weight",
                           "model.layers.0.self_attn.k_norm.weight", "model.layers.1.mlp.down_proj.weight",
                           "model.norm.weight", "lm_head.weight"})
    EXPECT_NE(params.find(name), nullptr) << name;
  int64_t count = 0;
  for (const auto& p : params) count += p.value().numel();
  EXPECT_EQ(count, m->config().parameter_count());
  EXPECT_EQ(tiny_model(true)->named_parameters().find("lm_head.weight"), nullptr);
}

TEST(Qwen3Model, MatchesIndependentPythonForwardPass) {
  if (!python_has_torch_and_numpy())
    GTEST_SKIP() << kSystemPython << " lacks torch or numpy (apt-get install python3-torch python3-numpy)";
  for (bool tied : {true, false}) {
    TempDir dir;
    auto m = tiny_model(tied);
    save_model(dir.path("model"), m);
    auto ids = random_ids(3, 11, m->config().vocab_size, 5);
    Json input{{"input_ids", Json::array()}};
    for (int64_t b = 0; b < ids.size(0); ++b) {
      Json row = Json::array();
      for (int64_t t = 0; t < ids.size(1); ++t) row.push_back(ids[b][t].item<int64_t>());
      input["input_ids"].push_back(row);
    }
    dir.write("input.json", input.dump());
    int status = -1;
    const std::string out = run_command(std::string(kSystemPython) + " " + std::string(kSourceDir) + "/tests/lm/qwen3_reference.py " +
                                            dir.path("model") + " " + dir.path("input.json") + " " + dir.path("logits.bin"),
                                        status);
    ASSERT_EQ(status, 0) << out;
    const std::string bytes = read_file(dir.path("logits.bin"));
    const int64_t V = m->config().vocab_size;
    ASSERT_EQ(bytes.size(), static_cast<size_t>(3 * 11 * V * 4));
    auto reference = torch::from_blob(const_cast<char*>(bytes.data()), {3, 11, V}, torch::kFloat).clone();
    torch::NoGradGuard g;
    auto logits = m->forward({ids});
    const double max_diff = (logits - reference).abs().max().item<double>();
    // float32 with different operation order: differences are rounding noise, far below 1e-4.
    EXPECT_LT(max_diff, 1e-4) << "tied=" << tied;
    EXPECT_GT(logits.abs().max().item<double>(), 0.1);  // not a degenerate all-zero comparison
  }
}

// The kernel against softmax(q k^T / sqrt(Dh)) v spelled out, with and without a mask, T == S and
// T < S (queries after cached keys: bottom-right causal). On LibTorch 2.x this checks the fused SDPA
// path, whose own is_causal aligns the mask top-left (make cuda-check runs it there).
TEST(GroupedAttention, MatchesTheExplicitFormulaForEveryMaskForm) {
  torch::manual_seed(3);
  const int64_t B = 2, H = 4, Hkv = 2, Dh = 8;
  for (int64_t T : {1, 3, 5}) {
    const int64_t S = 5;
    auto q = torch::randn({B, H, T, Dh}), k = torch::randn({B, Hkv, S, Dh}), v = torch::randn({B, Hkv, S, Dh});
    auto kk = k.repeat_interleave(H / Hkv, 1), vv = v.repeat_interleave(H / Hkv, 1);
    auto causal = torch::ones({T, S}, torch::kBool).tril(S - T).view({1, 1, T, S});
    auto random_mask = torch::rand({B, 1, T, S}) < 0.6;
    random_mask.index_put_({torch::indexing::Slice(), torch::indexing::Slice(), torch::indexing::Slice(), 0}, true);
    for (bool use_mask : {false, true}) {
      auto mask = use_mask ? random_mask : causal.expand({B, 1, T, S});
      auto scores = torch::matmul(q, kk.transpose(-1, -2)) / std::sqrt(static_cast<double>(Dh));
      scores = scores.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
      auto expected = torch::matmul(torch::softmax(scores, -1), vv);
      auto got = grouped_attention(q, k, v, use_mask ? random_mask : torch::Tensor(), /*causal=*/!use_mask);
      EXPECT_TRUE(torch::allclose(got, expected, 1e-5, 1e-5)) << "T=" << T << " mask=" << use_mask;
    }
  }
}

TEST(Qwen3Model, CheckpointRoundTripIsBitExact) {
  TempDir dir;
  for (bool tied : {true, false}) {
    auto m = tiny_model(tied);
    save_model(dir.path("m"), m);
    auto loaded = load_model(dir.path("m"), torch::kCPU);
    auto a = m->named_parameters(), b = loaded->named_parameters();
    ASSERT_EQ(a.size(), b.size());
    for (const auto& p : a) EXPECT_TRUE(torch::equal(p.value(), *b.find(p.key()))) << p.key();
    EXPECT_EQ(loaded->config().to_hf_json(), m->config().to_hf_json());
  }
}

TEST(Qwen3Model, LoadRejectsMismatchedCheckpoints) {
  TempDir dir;
  auto m = tiny_model(false);
  save_model(dir.path("m"), m);
  Json cfg = Json::parse(read_file(dir.path("m/config.json")));
  cfg["hidden_size"] = 64;
  write_file_atomic(dir.path("m/config.json"), cfg.dump());
  expect_error([&] { load_model(dir.path("m"), torch::kCPU); }, "has shape");
  expect_error([&] { load_model(dir.path("nothing"), torch::kCPU); }, "no config.json");
  cfg["hidden_size"] = 48;
  cfg["num_key_value_heads"] = 3;
  write_file_atomic(dir.path("m/config.json"), cfg.dump());
  expect_error([&] { load_model(dir.path("m"), torch::kCPU); }, "multiple of num_key_value_heads");
}

TEST(Qwen3Model, ReadsLegacyAndNewRopeKeys) {
  Json j = tiny_config().to_hf_json();
  j.erase("rope_parameters");
  j["rope_theta"] = 5000.0;
  EXPECT_EQ(ModelConfig::from_hf_json(j, "c").rope_theta, 5000.0);
  j["rope_parameters"] = {{"rope_theta", 7000.0}, {"rope_type", "default"}};
  EXPECT_EQ(ModelConfig::from_hf_json(j, "c").rope_theta, 7000.0);
}

TEST(Qwen3Model, RefusesConfigSettingsItDoesNotImplement) {
  Json j = tiny_config().to_hf_json();
  j["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}, {"original_max_position_embeddings", 32768}};
  expect_error([&] { ModelConfig::from_hf_json(j, "c.json"); }, "c.json: rope_scaling of type 'yarn' is not implemented");
  j["rope_scaling"] = nullptr;  // what transformers writes when there is none
  EXPECT_NO_THROW(ModelConfig::from_hf_json(j, "c.json"));
  j["rope_parameters"] = {{"rope_theta", 1e6}, {"rope_type", "linear"}, {"factor", 2.0}};
  expect_error([&] { ModelConfig::from_hf_json(j, "c.json"); }, "rope_parameters of type 'linear'");
  j["rope_parameters"] = {{"rope_theta", 1e6}, {"rope_type", "default"}};
  j["use_sliding_window"] = true;
  expect_error([&] { ModelConfig::from_hf_json(j, "c.json"); }, "use_sliding_window = true is not implemented");
}

TEST(Qwen3Model, ShardIndexWithAMalformedEntryIsBadInputNamingTheKey) {
  TempDir dir;
  auto m = tiny_model(false);
  save_model(dir.path("m"), m);
  std::filesystem::rename(dir.path("m/model.safetensors"), dir.path("m/model-00001-of-00001.safetensors"));
  write_file_atomic(dir.path("m/model.safetensors.index.json"),
                    R"({"metadata": {}, "weight_map": {"lm_head.weight": null}})");
  expect_error([&] { load_model(dir.path("m"), torch::kCPU); },
               "model.safetensors.index.json: weight_map[\"lm_head.weight\"] must name a shard file of the "
               "checkpoint's directory (a plain file name), got null");
}

TEST(Qwen3Model, ShardIndexNamesOnlyPlainFilesOfTheCheckpointDirectory) {
  const Json good = Json::parse(R"({"weight_map": {"a": "m-2.safetensors", "b": "m-1.safetensors", "c": "m-2.safetensors"}})");
  EXPECT_EQ(shard_files(good, "i.json"), (std::vector<std::string>{"m-1.safetensors", "m-2.safetensors"}));
  for (const char* bad : {R"("../outside.safetensors")", R"("/etc/m.safetensors")", R"("sub/m.safetensors")",
                          R"("..")", R"("")", "7", R"("a\nb")"}) {
    const Json index = Json::parse(std::string(R"({"weight_map": {"t": )") + bad + "}}");
    expect_error([&] { shard_files(index, "i.json"); }, "i.json: weight_map[\"t\"] must name a shard file");
  }
  expect_error([&] { shard_files(Json::parse(R"({"weight_map": {}})"), "i.json"); }, "i.json: 'weight_map' is empty");
  expect_error([&] { shard_files(Json::parse(R"({"weight_map": []})"), "i.json"); }, "missing object 'weight_map'");
  expect_error([&] { shard_files(Json::parse("[1]"), "i.json"); }, "i.json: expected a JSON object");
}

TEST(Qwen3Model, ConfigFieldsAreReadWithTheirJsonTypeCheckedNotConverted) {
  const Json base = tiny_config().to_hf_json();
  const auto refused = [&](const char* key, const Json& value, const std::string& message) {
    Json j = base;
    j[key] = value;
    expect_error([&] { ModelConfig::from_hf_json(j, "c.json"); }, message);
  };
  refused("hidden_size", 64.5, "c.json: field 'hidden_size' must be an integer, got 64.5");
  refused("hidden_size", 64.0, "field 'hidden_size' must be an integer, got 64.0");
  refused("num_hidden_layers", true, "field 'num_hidden_layers' must be an integer, got true");
  refused("vocab_size", uint64_t{1} << 63, "field 'vocab_size' must be an integer below 2^63");
  refused("vocab_size", int64_t{1} << 40, "vocab_size must be at most 16777216");
  refused("rope_theta", std::numeric_limits<double>::infinity(), "field 'rope_theta' must be a finite number");
  refused("rms_norm_eps", false, "field 'rms_norm_eps' must be a finite number, got false");
  refused("tie_word_embeddings", 1, "field 'tie_word_embeddings' must be true or false, got 1");
  refused("model_type", 3, "field 'model_type' must be a string, got 3");
  Json j = base;
  j.erase("rope_parameters");  // else its rope_theta is the one read
  j["rope_theta"] = 1000000;   // an integer literal for a float field is fine (transformers writes both)
  EXPECT_EQ(ModelConfig::from_hf_json(j, "c.json").rope_theta, 1e6);
}

TEST(Qwen3Model, TiedConfigWithADifferentStoredHeadLoadsUntied) {
  TempDir dir;
  // An untied model's files under a config that says tied: the stored head must not be dropped.
  auto untied = tiny_model(false, 5);
  save_model(dir.path("m"), untied);
  Json cfg = Json::parse(read_file(dir.path("m/config.json")));
  cfg["tie_word_embeddings"] = true;
  write_file_atomic(dir.path("m/config.json"), cfg.dump());
  auto loaded = load_model(dir.path("m"), torch::kCPU);
  EXPECT_FALSE(loaded->config().tie_word_embeddings);
  const auto ids = random_ids(1, 6, 97, 9);
  EXPECT_TRUE(torch::equal(loaded->forward(ids), untied->forward(ids)));
  // A head equal to the embedding is a tied model saved under both names: it stays tied.
  auto tied = tiny_model(true, 6);
  save_model(dir.path("t"), tied);
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& p : tied->named_parameters()) tensors[p.key()] = p.value().detach();
  tensors["lm_head.weight"] = tensors.at("model.embed_tokens.weight");
  save_tensors(dir.path("t/model.safetensors"), tensors);
  EXPECT_TRUE(load_model(dir.path("t"), torch::kCPU)->config().tie_word_embeddings);
}

TEST(Qwen3Model, OneCheckThatAModelHasARowForEveryToken) {
  const ModelConfig c = tiny_config();  // 97 rows
  EXPECT_NO_THROW(c.require_rows_for(97, "m", true));
  EXPECT_NO_THROW(c.require_rows_for(90, "m"));  // padding rows, as Qwen3 checkpoints have
  expect_error([&] { c.require_rows_for(90, "m", true); }, "m: the model has 97 embedding rows, its vocabulary 90 tokens");
  expect_error([&] { c.require_rows_for(100, "m"); }, "a row for every token is needed");
}

TEST(Qwen3Model, KvCacheDecodingMatchesFullForward) {
  auto m = tiny_model();
  torch::NoGradGuard g;
  auto ids = random_ids(2, 12, m->config().vocab_size, 9);
  auto full = m->forward({ids});  // [2, 12, V]
  KvCache cache(m->config(), 2, 16, torch::kCPU, torch::kFloat);
  auto prefill = m->forward({ids.narrow(1, 0, 7), {}, {}, &cache});
  EXPECT_LT((prefill - full.narrow(1, 0, 7)).abs().max().item<double>(), 1e-5);
  for (int64_t t = 7; t < 12; ++t) {
    auto step = m->forward({ids.narrow(1, t, 1), {}, {}, &cache});
    EXPECT_LT((step - full.narrow(1, t, 1)).abs().max().item<double>(), 1e-5) << "t=" << t;
  }
  EXPECT_EQ(cache.length(), 12);
  expect_error([&] { m->forward({random_ids(2, 5, 97, 1), {}, {}, &cache}); }, "KV cache full");
}

TEST(Qwen3Model, LeftPaddingDoesNotChangeRealTokens) {
  auto m = tiny_model();
  torch::NoGradGuard g;
  auto a = random_ids(1, 9, 97, 1), b = random_ids(1, 5, 97, 2);
  // Row 1 is b left-padded by 4 slots; positions restart at 0 on its first real token.
  auto padded = torch::cat({a, torch::cat({torch::zeros({1, 4}, torch::kLong), b}, 1)}, 0);
  auto valid = torch::ones({2, 9}, torch::kBool);
  valid[1].narrow(0, 0, 4).fill_(false);
  auto positions = torch::cat({torch::arange(9).view({1, 9}), (torch::arange(9) - 4).clamp_min(0).view({1, 9})}, 0);
  auto out = m->forward({padded, positions, valid});
  EXPECT_LT((out[0] - m->forward({a})[0]).abs().max().item<double>(), 1e-5);
  EXPECT_LT((out[1].narrow(0, 4, 5) - m->forward({b})[0]).abs().max().item<double>(), 1e-5);
  EXPECT_FALSE(out.isnan().any().item<bool>());
}

TEST(Qwen3Model, SegmentMaskedRowsEqualSeparateRows) {
  auto m = tiny_model();
  torch::NoGradGuard g;
  // One row: prefix p (6 tokens), continuation a (4), continuation b (3), 2 padding slots; against
  // the separate rows p+a and p+b.
  auto p = random_ids(1, 6, 97, 4), a = random_ids(1, 4, 97, 5), b = random_ids(1, 3, 97, 6);
  auto packed = torch::cat({p, a, b, torch::zeros({1, 2}, torch::kLong)}, 1);
  auto segments = torch::tensor({0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, -1, -1}, torch::kLong).view({1, 15});
  auto positions = torch::tensor({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 6, 7, 8, 0, 0}, torch::kLong).view({1, 15});
  ForwardInput in(packed, positions);
  in.attention_allowed = segment_attention_mask(segments);
  auto out = m->forward(in)[0];
  auto pa = m->forward({torch::cat({p, a}, 1)})[0], pb = m->forward({torch::cat({p, b}, 1)})[0];
  EXPECT_LT((out.narrow(0, 0, 10) - pa).abs().max().item<double>(), 1e-5);
  EXPECT_LT((out.narrow(0, 10, 3) - pb.narrow(0, 6, 3)).abs().max().item<double>(), 1e-5);
  EXPECT_FALSE(out.isnan().any().item<bool>());
  // b must not see a: changing a's tokens leaves b's outputs alone.
  auto other = packed.clone();
  other.narrow(1, 6, 4).fill_(7);
  ForwardInput changed(other, positions);
  changed.attention_allowed = in.attention_allowed;
  EXPECT_TRUE(torch::equal(m->forward(changed)[0].narrow(0, 10, 3), out.narrow(0, 10, 3)));
  // A cache together with a mask is refused.
  KvCache cache(m->config(), 1, 16, torch::kCPU, torch::kFloat);
  in.cache = &cache;
  EXPECT_THROW(m->forward(in), Error);
}

TEST(Qwen3Model, ResizeKeepsRowsAndInitialisesNewOnesNearTheMean) {
  auto m = tiny_model(false);
  auto old_embed = m->model->embed_tokens->weight.detach().clone();
  auto old_head = m->lm_head->weight.detach().clone();
  m->resize_token_embeddings(130, 7);
  EXPECT_EQ(m->config().vocab_size, 130);
  auto e = m->model->embed_tokens->weight;
  ASSERT_EQ(e.size(0), 130);
  EXPECT_TRUE(torch::equal(e.narrow(0, 0, 97), old_embed));
  EXPECT_TRUE(torch::equal(m->lm_head->weight.narrow(0, 0, 97), old_head));
  auto new_rows = e.narrow(0, 97, 33);
  EXPECT_LT((new_rows.mean(0) - old_embed.mean(0)).abs().max().item<double>(), 0.02);
  EXPECT_GT(new_rows.std().item<double>(), 0.005);  // noise, not identical rows
  torch::NoGradGuard g;
  auto logits = m->forward({torch::tensor({{1, 120, 129}}, torch::kLong)});
  EXPECT_EQ(logits.size(2), 130);
  expect_error([&] { m->resize_token_embeddings(50, 1); }, "cannot shrink");
}

// A padded base (Qwen3: 151,936 rows for 151,669 tokens) whose padding rows now stand for new tokens:
// rows from keep_rows on start near the mean of the kept rows; padding beyond the new size is cut.
TEST(Qwen3Model, ResizeFromKeepRowsReinitialisesPaddingRowsAndCanCutThem) {
  auto m = tiny_model(false);  // 97 rows
  auto old_embed = m->model->embed_tokens->weight.detach().clone();
  {
    torch::NoGradGuard g;  // padding rows far from the rest, so a kept padding row would show
    m->model->embed_tokens->weight.narrow(0, 90, 7).fill_(5.0);
    m->lm_head->weight.narrow(0, 90, 7).fill_(5.0);
  }
  m->resize_token_embeddings(110, 3, 0.02, /*keep_rows=*/90);
  auto e = m->model->embed_tokens->weight;
  ASSERT_EQ(e.size(0), 110);
  EXPECT_TRUE(torch::equal(e.narrow(0, 0, 90), old_embed.narrow(0, 0, 90)));
  EXPECT_LT(e.narrow(0, 90, 20).abs().max().item<double>(), 1.0);  // the 5.0 padding rows were replaced
  EXPECT_LT(m->lm_head->weight.narrow(0, 90, 20).abs().max().item<double>(), 1.0);
  EXPECT_LT((e.narrow(0, 90, 20).mean(0) - old_embed.narrow(0, 0, 90).mean(0)).abs().max().item<double>(), 0.02);

  auto cut = tiny_model(true);  // 97 rows, tied; 92 tokens now
  cut->resize_token_embeddings(92, 3, 0.02, /*keep_rows=*/90);
  EXPECT_EQ(cut->config().vocab_size, 92);
  EXPECT_EQ(cut->model->embed_tokens->weight.size(0), 92);
  expect_error([&] { tiny_model(true)->resize_token_embeddings(80, 3, 0.02, 90); }, "below the 90 rows to keep");
  expect_error([&] { tiny_model(true)->resize_token_embeddings(120, 3, 0.02, 200); }, "keep_rows");
}

}  // namespace
}  // namespace gr2::lm
