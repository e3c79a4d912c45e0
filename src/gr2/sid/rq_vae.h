// RQ-VAE (TIGER-style residual-quantized autoencoder) and its trainer, in LibTorch on any device.
// Encoder d -> hidden -> latent (MLP), L residual levels of C codes, decoder latent -> hidden -> d.
// Loss = ||x - dec(z_q)||^2 + sum_k (||sg(r_k) - q_k||^2 [gradient codebooks only]
//        + beta ||r_k - sg(q_k)||^2) + lambda_div * diversity + lambda_ctr * InfoNCE,
// with the straight-through estimator z_q = z + sg(sum_k q_k - z).
// Balanced-utilisation techniques (GR2, arXiv 2602.07774, §2.3): k-means++ init per level on residuals, EMA
// codebook updates with Laplace-smoothed counts, diversity loss on soft usage, dead-code reset.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/optim/adam.h>

#include "gr2/sid/sid_config.h"

namespace gr2::sid {

class RqVaeImpl : public torch::nn::Module {
 public:
  RqVaeImpl(int64_t input_dim, int64_t hidden_dim, int64_t latent_dim, int64_t levels, int64_t codes);

  torch::Tensor encode(const torch::Tensor& x);  // [B, d] -> [B, latent]
  torch::Tensor decode(const torch::Tensor& z);  // [B, latent] -> [B, d]
  // Codebooks as a list of [C, latent] tensors (views of the parameters).
  std::vector<torch::Tensor> codebook_list() const { return codebooks_; }
  // Parameters of the encoder and decoder only (the codebooks are separate).
  std::vector<torch::Tensor> network_parameters() const;

  int64_t input_dim, hidden_dim, latent_dim, levels, codes;
  torch::nn::Sequential encoder{nullptr}, decoder{nullptr};

 private:
  std::vector<torch::Tensor> codebooks_;  // parameters "codebook_k" [C, latent]
};
TORCH_MODULE(RqVae);

// The EMA codebook update of one level (classic VQ-VAE EMA towards the mean of the residuals
// assigned to each code, with Laplace smoothing of the counts):
//   N_j <- decay N_j + (1 - decay) n_j;   m_j <- decay m_j + (1 - decay) sum_{i: z_i = j} r_i
//   N~_j = (N_j + eps) / (sum N + C eps) * sum N;   e_j = m_j / N~_j
// residual [B, D] (detached), assignment [B] int64; count [C], sum [C, D], codebook [C, D] are
// updated in place.
void ema_update(const torch::Tensor& residual, const torch::Tensor& assignment, torch::Tensor& count,
                torch::Tensor& sum, torch::Tensor& codebook, double decay, double epsilon);

// One training step's numbers.
struct RqVaeStepStats {
  int64_t step = 0;
  double loss = 0, reconstruction = 0, commitment = 0, diversity = 0, contrastive = 0;
  int64_t dead_codes_reset = 0;
};

// Trains an RqVae on an in-memory matrix. Batches are a per-epoch permutation derived from
// (seed, epoch), so a run resumed from a checkpoint sees the same batches as an uninterrupted one.
class RqVaeTrainer {
 public:
  // data [N, d] float (moved to `device`); pairs: co-engaged item indices for the contrastive loss.
  RqVaeTrainer(const SidConfig& config, const torch::Tensor& data, const c10::Device& device,
               std::vector<std::pair<int64_t, int64_t>> pairs = {});

  // With config.kmeans_init: `warmup_steps` autoencoder-only steps (reconstruction loss, no
  // quantization; they advance the Adam state but not step()), then k-means++ + Lloyd per level on
  // the residuals of the warmed-up encoder's outputs for a sample of up to kmeans_sample items;
  // EMA sums start at the centroids. Without it the codebooks stay small random codes. Step 0 only.
  void initialize();
  // Runs optimizer steps until step() == until (capped at config.steps). Every checkpoint_every
  // steps (and at the end) saves a checkpoint into `checkpoint_dir` when it is non-empty.
  void train(int64_t until, const std::string& checkpoint_dir,
             const std::function<void(const RqVaeStepStats&)>& on_step = {});
  // One optimizer step on the next batch.
  RqVaeStepStats step_once();

  // Saves/loads model, EMA state, dead-code counters, optimizer state and the step. load returns
  // false when `dir` has no checkpoint; throws Error when it has one written with another config.
  void save_checkpoint(const std::string& dir) const;
  bool load_checkpoint(const std::string& dir);

  int64_t step() const { return step_; }
  RqVae& model() { return model_; }
  const SidConfig& config() const { return config_; }

 private:
  torch::Tensor batch_indices(int64_t step);
  void warm_up();

  SidConfig config_;
  c10::Device device_;
  torch::Tensor data_;  // [N, d]
  std::vector<std::pair<int64_t, int64_t>> pairs_;
  RqVae model_{nullptr};
  std::unique_ptr<torch::optim::Adam> optimizer_;
  std::vector<torch::Tensor> ema_count_, ema_sum_;  // per level [C], [C, latent]
  torch::Tensor steps_since_used_;                  // [L, C] int64
  int64_t step_ = 0;
  int64_t cached_epoch_ = -1;
  torch::Tensor cached_permutation_;
};

}  // namespace gr2::sid
