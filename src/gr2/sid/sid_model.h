// A trained tokenizer as saved in codebooks.safetensors: the method (rq_vae or rq_kmeans), the L
// codebooks [C, D], and for RQ-VAE the encoder/decoder weights; metadata records levels, codes,
// dimensions, random_last_level and the seed. Maps embeddings to nearest-code SIDs on any device.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

namespace gr2::sid {

class RqVaeImpl;

struct SidModel {
  std::string method;              // "rq_vae" or "rq_kmeans"
  int64_t input_dim = 0;           // d of the item embeddings
  int64_t levels = 0, codes = 0;
  bool random_last_level = false;  // last level assigned by spreading, not nearest code
  uint64_t seed = 0;
  std::vector<at::Tensor> codebooks;  // [C, D] each, D = latent (rq_vae) or input_dim (rq_kmeans)
  std::shared_ptr<RqVaeImpl> network; // rq_vae only

  // The space the codebooks live in: encoder(x) for rq_vae, x itself for rq_kmeans. [N, d] -> [N, D]
  at::Tensor latent(const at::Tensor& x) const;
  // Nearest-code residual quantization of embeddings x [N, d] -> [N, L] int64 (on x's device).
  at::Tensor encode(const at::Tensor& x) const;
  // Reconstruction of x from codes [N, L] -> [N, d] (decoder(sum of codes) for rq_vae).
  at::Tensor reconstruct(const at::Tensor& codes) const;

  // Moves every tensor (and the network) to `device`.
  void to(const c10::Device& device);
  // Writes codebooks.safetensors atomically (tensors "codebook.k", "network.*").
  void save(const std::string& path) const;
  // Reads a file written by save(). Throws Error naming the file when it is not a gr2 tokenizer.
  static SidModel load(const std::string& path, const c10::Device& device);
};

}  // namespace gr2::sid
