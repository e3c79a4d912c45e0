// Logits parity with Hugging Face transformers' Qwen3ForCausalLM, both ways, for tied and untied
// heads with grouped-query attention (issue 16): a model created and saved by transformers
// (save_pretrained) loads in gr2 and gives transformers' logits; a model written by gr2, with rows
// added to its vocabulary as when SID tokens are added (resize_token_embeddings), loads in
// transformers and gives gr2's logits. Needs the reference environment (GR2_REFERENCE_PYTHON, set
// by `make test`); skips without it. The Python side is tests/lm/hf_model_reference.py.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <string>

#include "gr2/core/file_io.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/lm/qwen3_model.h"
#include "test_util.h"

namespace gr2::lm {
namespace {

using Json = nlohmann::json;

// float32 on both sides with a different operation order: rounding noise only. The logits are
// O(1) here (checked), so 1e-4 is a relative tolerance of about 1e-4 as well.
constexpr double kTolerance = 1e-4;

const char* reference_python() { return std::getenv("GR2_REFERENCE_PYTHON"); }

std::string reference_script() { return std::string(kSourceDir) + "/tests/lm/hf_model_reference.py"; }

#define SKIP_WITHOUT_REFERENCE()                                                                          \
  if (!reference_python() || !*reference_python())                                                       \
  GTEST_SKIP() << "the reference environment is absent: `make test` creates it (scripts/reference_env.sh) " \
                  "and sets GR2_REFERENCE_PYTHON to its python (transformers)"

// Reads float32 logits [B, T, V] written by the Python side.
torch::Tensor read_logits(const std::string& path, int64_t B, int64_t T, int64_t V) {
  const std::string bytes = read_file(path);
  EXPECT_EQ(bytes.size(), static_cast<size_t>(B * T * V * 4)) << path;
  return torch::from_blob(const_cast<char*>(bytes.data()), {B, T, V}, torch::kFloat).clone();
}

torch::Tensor ids_tensor(const Json& ids) {
  std::vector<int64_t> flat;
  for (const auto& row : ids)
    for (const auto& id : row) flat.push_back(id.get<int64_t>());
  return torch::tensor(flat, torch::kLong).view({static_cast<int64_t>(ids.size()), static_cast<int64_t>(ids[0].size())});
}

TEST(HfModelReference, TransformersCheckpointLoadsInGr2WithTheSameLogits) {
  SKIP_WITHOUT_REFERENCE();
  for (int tied : {1, 0}) {
    TempDir dir;
    int status = -1;
    const std::string out = run_command(std::string(reference_python()) + " " + reference_script() + " make " +
                                            dir.path("hf") + " --tied " + std::to_string(tied),
                                        status);
    ASSERT_EQ(status, 0) << out;
    Qwen3Lm m = load_model(dir.path("hf"), torch::kCPU);
    EXPECT_EQ(m->config().tie_word_embeddings, tied == 1);
    EXPECT_EQ(m->config().num_key_value_heads, 2);
    const Json ids = Json::parse(read_file(dir.path("hf/ids.json")))["input_ids"];
    const torch::Tensor x = ids_tensor(ids);
    const int64_t V = m->config().vocab_size;
    const torch::Tensor reference = read_logits(dir.path("hf/hf_logits.bin"), x.size(0), x.size(1), V);
    torch::NoGradGuard no_grad;
    const torch::Tensor logits = m->forward({x});
    EXPECT_LT((logits - reference).abs().max().item<double>(), kTolerance) << "tied=" << tied;
    EXPECT_GT(reference.abs().max().item<double>(), 0.05) << "a degenerate comparison (all logits near zero)";
  }
}

TEST(HfModelReference, Gr2CheckpointWithAddedTokensLoadsInTransformersWithTheSameLogits) {
  SKIP_WITHOUT_REFERENCE();
  for (bool tied : {true, false}) {
    TempDir dir;
    ModelConfig c;
    c.vocab_size = 250;
    c.hidden_size = 64;
    c.intermediate_size = 96;
    c.num_hidden_layers = 2;
    c.num_attention_heads = 4;
    c.num_key_value_heads = 2;
    c.head_dim = 16;
    c.tie_word_embeddings = tied;
    torch::manual_seed(7);
    Qwen3Lm m(c);
    {
      torch::NoGradGuard no_grad;  // norms away from 1, as in the other direction
      for (auto& p : m->named_parameters())
        if (p.key().find("norm.weight") != std::string::npos) p.value().add_(0.1 * torch::randn_like(p.value()));
    }
    m->resize_token_embeddings(301, /*seed=*/3);  // 51 new rows, as SID tokens are added
    save_model(dir.path("gr2"), m);
    const torch::Tensor x = torch::randint(0, 301, {2, 19}, torch::kLong);
    Json ids = Json::array();
    for (int64_t b = 0; b < x.size(0); ++b) {
      Json row = Json::array();
      for (int64_t t = 0; t < x.size(1); ++t) row.push_back(x[b][t].item<int64_t>());
      ids.push_back(row);
    }
    dir.write("ids.json", Json{{"input_ids", ids}}.dump());
    int status = -1;
    const std::string out = run_command(std::string(reference_python()) + " " + reference_script() + " logits " +
                                            dir.path("gr2") + " " + dir.path("ids.json") + " " + dir.path("hf.bin"),
                                        status);
    ASSERT_EQ(status, 0) << out;
    const torch::Tensor reference = read_logits(dir.path("hf.bin"), x.size(0), x.size(1), 301);
    torch::NoGradGuard no_grad;
    const torch::Tensor logits = m->forward({x});
    EXPECT_LT((logits - reference).abs().max().item<double>(), kTolerance) << "tied=" << tied;
    EXPECT_GT(reference.abs().max().item<double>(), 0.05) << "a degenerate comparison (all logits near zero)";
  }
}

}  // namespace
}  // namespace gr2::lm
