// The pre-ranker's network: SASRec (Kang & McAuley 2018) — item embeddings plus learned positions,
// causal self-attention blocks (pre-LayerNorm), and next-item scores as dot products with the
// (shared) item embedding table. Saved as model.safetensors + config.json in a model directory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "gr2/prerank/prerank_config.h"

namespace gr2::prerank {

// One pre-LayerNorm block: x + Attn(LN(x)), then x + FFN(LN(x)). Causal, with padded keys masked.
class SasRecBlockImpl : public torch::nn::Module {
 public:
  SasRecBlockImpl(int64_t dim, int64_t heads, double dropout);
  // x: [B, T, D]; key_valid: [B, T] bool (false = padding). Returns [B, T, D].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_valid);

 private:
  int64_t heads_;
  torch::nn::LayerNorm ln1_{nullptr}, ln2_{nullptr};
  torch::nn::Linear qkv_{nullptr}, out_{nullptr}, ff1_{nullptr}, ff2_{nullptr};
  torch::nn::Dropout drop_{nullptr};
};
TORCH_MODULE(SasRecBlock);

class SasRecImpl : public torch::nn::Module {
 public:
  // `num_items`: catalog size N; item index 0 is padding, items are 1..N.
  SasRecImpl(int64_t num_items, const PrerankConfig& config);

  // seq: [B, T] int64 item indices, left-padded with 0, T <= max_len (the last column is the
  // newest item). Returns hidden states [B, T, D]; row t summarises items up to t.
  torch::Tensor forward(const torch::Tensor& seq);
  // Next-item scores after the last column of `seq`: [B, N + 1] (column 0, padding, is -inf).
  torch::Tensor score_next(const torch::Tensor& seq);
  // The item embedding table [N + 1, D] (row 0 = padding).
  const torch::Tensor& item_table() const { return item_emb_->weight; }

  int64_t num_items() const { return num_items_; }
  int64_t max_len() const { return max_len_; }

 private:
  int64_t num_items_, dim_, max_len_;
  torch::nn::Embedding item_emb_{nullptr}, pos_emb_{nullptr};
  torch::nn::Dropout drop_{nullptr};
  torch::nn::ModuleList blocks_{nullptr};
  torch::nn::LayerNorm final_ln_{nullptr};
};
TORCH_MODULE(SasRec);

// Left-pads the last min(len, max_len) items of each sequence into a [B, T] int64 tensor on
// `device`, T = the longest kept length (>= 1; an empty sequence becomes one padding column).
torch::Tensor pad_sequences(const std::vector<std::vector<int64_t>>& seqs, int64_t max_len,
                            const torch::Device& device);

// Writes DIR/model.safetensors and DIR/config.json ({"num_items", "prerank": config, "extra"}).
void save_sasrec(const std::string& dir, SasRec& model, const PrerankConfig& config, const Json& extra);
// Loads a model directory written by save_sasrec onto `device` (eval mode). `expected_items`, when
// > 0, must equal the saved catalog size (a model trained on another data directory is refused).
SasRec load_sasrec(const std::string& dir, const torch::Device& device, int64_t expected_items,
                   PrerankConfig* config_out = nullptr);

}  // namespace gr2::prerank
