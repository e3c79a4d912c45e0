// SASRec network, padding helper, and model-directory I/O.
#include "gr2/prerank/sasrec.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <map>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/safetensors_torch.h"

namespace gr2::prerank {

SasRecBlockImpl::SasRecBlockImpl(int64_t dim, int64_t heads, double dropout) : heads_(heads) {
  ln1_ = register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-8)));
  ln2_ = register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-8)));
  qkv_ = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  out_ = register_module("out", torch::nn::Linear(dim, dim));
  ff1_ = register_module("ff1", torch::nn::Linear(dim, dim));
  ff2_ = register_module("ff2", torch::nn::Linear(dim, dim));
  drop_ = register_module("drop", torch::nn::Dropout(dropout));
}

torch::Tensor SasRecBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& key_valid) {
  const int64_t B = x.size(0), T = x.size(1), D = x.size(2), H = heads_, dh = D / H;
  auto qkv = qkv_->forward(ln1_->forward(x)).view({B, T, 3, H, dh}).permute({2, 0, 3, 1, 4});  // [3, B, H, T, dh]
  auto att = torch::matmul(qkv[0], qkv[1].transpose(-1, -2)) / std::sqrt(static_cast<double>(dh));  // [B, H, T, T]
  auto causal = torch::ones({T, T}, torch::dtype(torch::kBool).device(x.device())).tril();         // [T, T]
  auto allowed = causal.unsqueeze(0) & key_valid.unsqueeze(1);                                     // [B, T, T]
  // A large negative instead of -inf: a padded query row (all keys masked) stays finite.
  att = att.masked_fill(allowed.unsqueeze(1).logical_not(), -1e9);
  att = drop_->forward(torch::softmax(att, -1));
  auto ctx = torch::matmul(att, qkv[2]).transpose(1, 2).reshape({B, T, D});                        // [B, T, D]
  auto h = x + drop_->forward(out_->forward(ctx));
  auto f = ff2_->forward(drop_->forward(torch::gelu(ff1_->forward(ln2_->forward(h)))));
  return h + drop_->forward(f);
}

SasRecImpl::SasRecImpl(int64_t num_items, const PrerankConfig& c)
    : num_items_(num_items), dim_(c.dim), max_len_(c.max_len) {
  check_internal(num_items >= 1, "SasRec: the catalog is empty");
  item_emb_ = register_module("item_emb", torch::nn::Embedding(torch::nn::EmbeddingOptions(num_items + 1, c.dim).padding_idx(0)));
  pos_emb_ = register_module("pos_emb", torch::nn::Embedding(c.max_len, c.dim));
  drop_ = register_module("drop", torch::nn::Dropout(c.dropout));
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (int64_t b = 0; b < c.blocks; ++b) blocks_->push_back(SasRecBlock(c.dim, c.heads, c.dropout));
  final_ln_ = register_module("final_ln", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.dim}).eps(1e-8)));
  torch::NoGradGuard no_grad;
  torch::nn::init::normal_(item_emb_->weight, 0.0, 1.0 / std::sqrt(static_cast<double>(c.dim)));
  item_emb_->weight[0].zero_();
  torch::nn::init::normal_(pos_emb_->weight, 0.0, 0.02);
}

torch::Tensor SasRecImpl::forward(const torch::Tensor& seq) {
  const int64_t T = seq.size(1);
  check_internal(T <= max_len_, "SasRec: sequence longer than max_len");
  auto valid = seq.ne(0);                                                          // [B, T]
  auto positions = torch::arange(max_len_ - T, max_len_, seq.options());          // [T]
  auto x = item_emb_->forward(seq) * std::sqrt(static_cast<double>(dim_)) + pos_emb_->forward(positions).unsqueeze(0);
  auto keep = valid.unsqueeze(-1).to(x.dtype());                                  // [B, T, 1]
  x = drop_->forward(x) * keep;
  for (const auto& block : *blocks_) x = block->as<SasRecBlock>()->forward(x, valid) * keep;
  return final_ln_->forward(x);                                                   // [B, T, D]
}

torch::Tensor SasRecImpl::score_next(const torch::Tensor& seq) {
  auto h = forward(seq).select(1, seq.size(1) - 1);                               // [B, D]
  auto scores = torch::matmul(h, item_emb_->weight.t());                          // [B, N + 1]
  scores.select(1, 0).fill_(-std::numeric_limits<float>::infinity());
  return scores;
}

torch::Tensor pad_sequences(const std::vector<std::vector<int64_t>>& seqs, int64_t max_len,
                            const torch::Device& device) {
  int64_t T = 1;
  for (const auto& s : seqs) T = std::max<int64_t>(T, std::min<int64_t>(static_cast<int64_t>(s.size()), max_len));
  auto out = torch::zeros({static_cast<int64_t>(seqs.size()), T}, torch::kLong);
  auto acc = out.accessor<int64_t, 2>();
  for (size_t b = 0; b < seqs.size(); ++b) {
    const auto& s = seqs[b];
    const int64_t n = std::min<int64_t>(static_cast<int64_t>(s.size()), T);
    for (int64_t i = 0; i < n; ++i) acc[static_cast<int64_t>(b)][T - n + i] = s[s.size() - static_cast<size_t>(n - i)];
  }
  return out.to(device);
}

void save_sasrec(const std::string& dir, SasRec& model, const PrerankConfig& config, const Json& extra) {
  make_directories(dir);
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& p : model->named_parameters()) tensors[p.key()] = p.value();
  save_tensors(join_path(dir, "model.safetensors"), tensors, {{"format", "gr2-sasrec"}});
  Json cfg{{"model", "sasrec"}, {"num_items", model->num_items()}, {"prerank", config.to_json()}, {"extra", extra}};
  write_file_atomic(join_path(dir, "config.json"), cfg.dump(2) + "\n");
}

SasRec load_sasrec(const std::string& dir, const torch::Device& device, int64_t expected_items,
                   PrerankConfig* config_out) {
  const std::string cfg_path = join_path(dir, "config.json");
  require(file_exists(cfg_path), dir + ": no config.json (expected a model directory written by 'gr2 prerank train')");
  Json cfg;
  try {
    cfg = Json::parse(read_file(cfg_path));
  } catch (const Json::exception& e) {
    throw Error(cfg_path + ": invalid JSON (" + e.what() + ")");
  }
  require(cfg.value("model", "") == "sasrec", cfg_path + ": not a SASRec pre-ranker (field 'model')");
  const int64_t n = cfg.value("num_items", int64_t{0});
  require(expected_items <= 0 || n == expected_items,
          dir + ": the model was trained on a catalog of " + std::to_string(n) + " items, this data directory has " +
              std::to_string(expected_items) + " (train it on this data with 'gr2 prerank train')");
  const PrerankConfig config = PrerankConfig::from_json(cfg.at("prerank"));
  SasRec model(n, config);
  auto tensors = load_tensors(join_path(dir, "model.safetensors"));
  torch::NoGradGuard no_grad;
  for (auto& p : model->named_parameters()) {
    auto it = tensors.find(p.key());
    require(it != tensors.end(), dir + "/model.safetensors: missing tensor '" + p.key() + "'");
    require(it->second.sizes() == p.value().sizes(), dir + "/model.safetensors: tensor '" + p.key() + "' has the wrong shape");
    p.value().copy_(it->second);
  }
  model->to(device);
  model->eval();
  if (config_out) *config_out = config;
  return model;
}

}  // namespace gr2::prerank
