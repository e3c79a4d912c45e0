// Saving, loading and applying a trained tokenizer.
#include "gr2/sid/sid_model.h"

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/core/safetensors.h"
#include "gr2/core/safetensors_torch.h"
#include "gr2/sid/quantize.h"
#include "gr2/sid/rq_vae.h"

namespace gr2::sid {

at::Tensor SidModel::latent(const at::Tensor& x) const {
  torch::NoGradGuard no_grad;
  return network ? network->encode(x) : x;
}

at::Tensor SidModel::encode(const at::Tensor& x) const {
  torch::NoGradGuard no_grad;
  return residual_encode(latent(x), codebooks);
}

at::Tensor SidModel::reconstruct(const at::Tensor& codes) const {
  torch::NoGradGuard no_grad;
  torch::Tensor z = residual_decode(codes, codebooks);
  return network ? network->decode(z) : z;
}

void SidModel::to(const c10::Device& device) {
  for (auto& cb : codebooks) cb = cb.to(device);
  if (network) network->to(device);
}

void SidModel::save(const std::string& path) const {
  std::map<std::string, torch::Tensor> tensors;
  for (size_t k = 0; k < codebooks.size(); ++k) tensors["codebook." + std::to_string(k)] = codebooks[k].detach();
  std::map<std::string, std::string> meta = {{"format", "gr2 sid tokenizer"},
                                             {"method", method},
                                             {"input_dim", std::to_string(input_dim)},
                                             {"levels", std::to_string(levels)},
                                             {"codes", std::to_string(codes)},
                                             {"random_last_level", random_last_level ? "true" : "false"},
                                             {"seed", std::to_string(seed)}};
  if (network) {
    for (const auto& p : network->named_parameters()) {
      if (p.key().rfind("codebook_", 0) == 0) continue;
      tensors["network." + p.key()] = p.value().detach();
    }
    meta["hidden_dim"] = std::to_string(network->hidden_dim);
    meta["latent_dim"] = std::to_string(network->latent_dim);
  }
  save_tensors(path, tensors, meta);
}

SidModel SidModel::load(const std::string& path, const c10::Device& device) {
  std::map<std::string, std::string> meta;
  {
    SafetensorsFile file = SafetensorsFile::open(path);
    meta = file.metadata();
  }
  require(meta.count("format") && meta.at("format") == "gr2 sid tokenizer",
          path + ": not a gr2 SID tokenizer (expected codebooks.safetensors written by 'gr2 sid train')");
  auto number = [&](const std::string& key) -> int64_t {
    require(meta.count(key) != 0, path + ": metadata lacks '" + key + "'");
    return std::stoll(meta.at(key));
  };
  SidModel m;
  m.method = meta.at("method");
  m.input_dim = number("input_dim");
  m.levels = number("levels");
  m.codes = number("codes");
  m.seed = static_cast<uint64_t>(number("seed"));
  m.random_last_level = meta.count("random_last_level") && meta.at("random_last_level") == "true";
  require(m.levels >= 1 && m.codes >= 2 && (!m.random_last_level || m.levels >= 2),
          path + ": metadata has levels = " + std::to_string(m.levels) + ", codes = " + std::to_string(m.codes) +
              " (need levels >= 1, codes >= 2, and levels >= 2 with a random last level)");
  auto tensors = load_tensors(path);
  for (int64_t k = 0; k < m.levels; ++k) {
    auto it = tensors.find("codebook." + std::to_string(k));
    require(it != tensors.end(), path + ": missing tensor codebook." + std::to_string(k));
    require(it->second.dim() == 2 && it->second.size(0) == m.codes,
            path + ": codebook." + std::to_string(k) + " must be [codes, D]");
    m.codebooks.push_back(it->second.to(torch::kFloat32));
  }
  if (m.method == "rq_vae") {
    auto net = std::make_shared<RqVaeImpl>(m.input_dim, number("hidden_dim"), number("latent_dim"), m.levels, m.codes);
    torch::NoGradGuard no_grad;
    for (auto& p : net->named_parameters()) {
      if (p.key().rfind("codebook_", 0) == 0) {
        p.value().copy_(m.codebooks[static_cast<size_t>(std::stoll(p.key().substr(9)))]);
        continue;
      }
      auto it = tensors.find("network." + p.key());
      require(it != tensors.end() && it->second.sizes() == p.value().sizes(),
              path + ": missing or mis-shaped tensor network." + p.key());
      p.value().copy_(it->second);
    }
    net->eval();
    m.network = net;
  } else {
    require(m.method == "rq_kmeans", path + ": unknown method '" + m.method + "'");
  }
  m.to(device);
  return m;
}

}  // namespace gr2::sid
