// RQ-VAE model, EMA update and trainer with checkpoint/resume.
#include "gr2/sid/rq_vae.h"

#include <torch/torch.h>

#include <cstdio>
#include <filesystem>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/rng.h"
#include "gr2/core/safetensors.h"
#include "gr2/core/safetensors_torch.h"
#include "gr2/sid/kmeans.h"
#include "gr2/sid/quantize.h"

namespace gr2::sid {

RqVaeImpl::RqVaeImpl(int64_t input_dim_, int64_t hidden_dim_, int64_t latent_dim_, int64_t levels_, int64_t codes_)
    : input_dim(input_dim_), hidden_dim(hidden_dim_), latent_dim(latent_dim_), levels(levels_), codes(codes_) {
  encoder = register_module("encoder", torch::nn::Sequential(torch::nn::Linear(input_dim, hidden_dim), torch::nn::ReLU(),
                                                             torch::nn::Linear(hidden_dim, latent_dim)));
  decoder = register_module("decoder", torch::nn::Sequential(torch::nn::Linear(latent_dim, hidden_dim), torch::nn::ReLU(),
                                                             torch::nn::Linear(hidden_dim, input_dim)));
  for (int64_t k = 0; k < levels; ++k) {
    codebooks_.push_back(register_parameter("codebook_" + std::to_string(k), torch::randn({codes, latent_dim}) * 0.01));
  }
}

torch::Tensor RqVaeImpl::encode(const torch::Tensor& x) { return encoder->forward(x); }
torch::Tensor RqVaeImpl::decode(const torch::Tensor& z) { return decoder->forward(z); }

std::vector<torch::Tensor> RqVaeImpl::network_parameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& p : encoder->parameters()) out.push_back(p);
  for (const auto& p : decoder->parameters()) out.push_back(p);
  return out;
}

void ema_update(const torch::Tensor& residual, const torch::Tensor& assignment, torch::Tensor& count,
                torch::Tensor& sum, torch::Tensor& codebook, double decay, double epsilon) {
  torch::NoGradGuard no_grad;
  const int64_t c = codebook.size(0);
  torch::Tensor n = torch::bincount(assignment, {}, c).to(count.scalar_type());           // [C]
  torch::Tensor s = torch::zeros_like(sum).index_add_(0, assignment, residual.to(sum.scalar_type()));  // [C, D]
  count.mul_(decay).add_(n, 1.0 - decay);
  sum.mul_(decay).add_(s, 1.0 - decay);
  torch::Tensor total = count.sum();
  torch::Tensor smoothed = (count + epsilon) / (total + c * epsilon) * total;  // [C]
  codebook.copy_(sum / smoothed.unsqueeze(1));
}

RqVaeTrainer::RqVaeTrainer(const SidConfig& config, const torch::Tensor& data, const c10::Device& device,
                           std::vector<std::pair<int64_t, int64_t>> pairs)
    : config_(config), device_(device), data_(data.to(device, torch::kFloat32)), pairs_(std::move(pairs)) {
  require(data_.dim() == 2 && data_.size(0) > 0, "RQ-VAE training needs a non-empty [N, d] embedding matrix");
  torch::manual_seed(derive_seed(config.seed, "rq_vae/init"));
  model_ = RqVae(data_.size(1), config.hidden_dim, config.latent_dim, config.levels, config.codes);
  model_->to(device_);
  std::vector<torch::Tensor> params = model_->network_parameters();
  if (!config.ema) {
    for (const auto& cb : model_->codebook_list()) params.push_back(cb);
  } else {
    for (const auto& cb : model_->codebook_list()) cb.set_requires_grad(false);
  }
  optimizer_ = std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(config.learning_rate));
  for (const auto& cb : model_->codebook_list()) {
    // As if every code had been chosen once for its current value (keeps unused codes in place).
    ema_count_.push_back(torch::ones({config.codes}, cb.options().requires_grad(false)));
    ema_sum_.push_back(cb.detach().clone());
  }
  steps_since_used_ = torch::zeros({config.levels, config.codes}, torch::TensorOptions().dtype(torch::kLong).device(device_));
}

void RqVaeTrainer::warm_up() {
  // Plain autoencoder steps (no quantization) so that the k-means init sees the latent geometry the
  // trained encoder will keep; seeded per-epoch permutations of their own ("rq_vae/warmup-epoch-e").
  model_->train();
  const int64_t n = data_.size(0);
  const int64_t batch = std::min(config_.batch_size, n);
  const int64_t per_epoch = (n + batch - 1) / batch;
  torch::Tensor perm;
  for (int64_t s = 0; s < config_.warmup_steps; ++s) {
    if (s % per_epoch == 0) {
      std::vector<int64_t> p(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) p[static_cast<size_t>(i)] = i;
      Rng rng(derive_seed(config_.seed, "rq_vae/warmup-epoch-" + std::to_string(s / per_epoch)));
      rng.shuffle(p);
      perm = torch::tensor(p, torch::kLong).to(device_);
    }
    const int64_t begin = (s % per_epoch) * batch;
    torch::Tensor x = data_.index_select(0, perm.slice(0, begin, std::min(n, begin + batch)));
    torch::Tensor loss = (model_->decode(model_->encode(x)) - x).pow(2).sum(1).mean();
    optimizer_->zero_grad();
    loss.backward();
    optimizer_->step();
  }
}

void RqVaeTrainer::initialize() {
  if (!config_.kmeans_init) return;
  warm_up();
  torch::NoGradGuard no_grad;
  const torch::Tensor sample =
      sample_rows(data_, config_.kmeans_sample, derive_seed(config_.seed, "rq_vae/kmeans-sample"));
  torch::Tensor r = model_->encode(sample);
  auto codebooks = model_->codebook_list();
  for (int64_t k = 0; k < config_.levels; ++k) {
    KMeansResult km = kmeans(r, config_.codes, config_.kmeans_iters,
                             derive_seed(config_.seed, "rq_vae/kmeans-level-" + std::to_string(k)));
    codebooks[static_cast<size_t>(k)].copy_(km.centroids);
    ema_sum_[static_cast<size_t>(k)].copy_(km.centroids);
    r = r - km.centroids.index_select(0, km.assignment);
  }
}

torch::Tensor RqVaeTrainer::batch_indices(int64_t step) {
  const int64_t n = data_.size(0);
  const int64_t batch = std::min(config_.batch_size, n);
  const int64_t per_epoch = (n + batch - 1) / batch;
  const int64_t epoch = step / per_epoch;
  if (epoch != cached_epoch_) {
    std::vector<int64_t> perm(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) perm[static_cast<size_t>(i)] = i;
    Rng rng(derive_seed(config_.seed, "rq_vae/epoch-" + std::to_string(epoch)));
    rng.shuffle(perm);
    cached_permutation_ = torch::tensor(perm, torch::kLong);
    cached_epoch_ = epoch;
  }
  const int64_t begin = (step % per_epoch) * batch;
  const int64_t end = std::min(n, begin + batch);
  return cached_permutation_.slice(0, begin, end).to(device_);
}

RqVaeStepStats RqVaeTrainer::step_once() {
  model_->train();
  torch::Tensor idx = batch_indices(step_);
  torch::Tensor x = data_.index_select(0, idx);  // [B, d]
  torch::Tensor z = model_->encode(x);           // [B, D]
  auto codebooks = model_->codebook_list();
  torch::Tensor r = z;
  torch::Tensor quantized_sum = torch::zeros_like(z);
  torch::Tensor commitment = torch::zeros({}, z.options());
  torch::Tensor codebook_loss = torch::zeros({}, z.options());
  torch::Tensor diversity = torch::zeros({}, z.options());
  std::vector<torch::Tensor> residuals, assignments;
  for (int64_t k = 0; k < config_.levels; ++k) {
    const torch::Tensor& cb = codebooks[static_cast<size_t>(k)];
    torch::Tensor dist = squared_distances(r, cb);  // [B, C]
    torch::Tensor a = dist.detach().argmin(1);      // [B]
    torch::Tensor q = cb.index_select(0, a);        // [B, D]
    commitment = commitment + (r - q.detach()).pow(2).sum(1).mean();
    if (!config_.ema) codebook_loss = codebook_loss + (r.detach() - q).pow(2).sum(1).mean();
    if (config_.diversity_weight > 0) {
      // Soft usage p_j = mean_b softmax(-dist / T)_bj; C * sum_j p_j^2 is 1 for uniform use.
      torch::Tensor p = torch::softmax(-dist / config_.diversity_temperature, 1).mean(0);
      diversity = diversity + config_.codes * p.pow(2).sum();
    }
    residuals.push_back(r.detach());
    assignments.push_back(a);
    quantized_sum = quantized_sum + q;
    r = r - q.detach();
  }
  torch::Tensor z_q = z + (quantized_sum - z).detach();  // straight-through
  torch::Tensor x_hat = model_->decode(z_q);
  torch::Tensor reconstruction = (x_hat - x).pow(2).sum(1).mean();
  torch::Tensor loss = reconstruction + codebook_loss + config_.commitment_beta * commitment +
                       config_.diversity_weight * diversity;
  torch::Tensor contrastive = torch::zeros({}, z.options());
  if (config_.contrastive_weight > 0 && !pairs_.empty()) {
    Rng rng(derive_seed(config_.seed, "rq_vae/pairs-" + std::to_string(step_)));
    const int64_t m = std::min<int64_t>(static_cast<int64_t>(pairs_.size()), config_.batch_size);
    std::vector<int64_t> left, right;
    for (int64_t i = 0; i < m; ++i) {
      const auto& p = pairs_[rng.below(pairs_.size())];
      left.push_back(p.first);
      right.push_back(p.second);
    }
    torch::Tensor za = torch::nn::functional::normalize(
        model_->encode(data_.index_select(0, torch::tensor(left, torch::kLong).to(device_))),
        torch::nn::functional::NormalizeFuncOptions().dim(1));
    torch::Tensor zb = torch::nn::functional::normalize(
        model_->encode(data_.index_select(0, torch::tensor(right, torch::kLong).to(device_))),
        torch::nn::functional::NormalizeFuncOptions().dim(1));
    torch::Tensor logits = torch::mm(za, zb.t()) / config_.contrastive_temperature;  // [m, m]
    contrastive = torch::nn::functional::cross_entropy(logits, torch::arange(m, torch::TensorOptions().dtype(torch::kLong).device(device_)));
    loss = loss + config_.contrastive_weight * contrastive;
  }
  optimizer_->zero_grad();
  loss.backward();
  optimizer_->step();

  RqVaeStepStats stats;
  {
    torch::NoGradGuard no_grad;
    for (int64_t k = 0; k < config_.levels; ++k) {
      torch::Tensor cb = codebooks[static_cast<size_t>(k)];
      if (config_.ema) {
        ema_update(residuals[static_cast<size_t>(k)], assignments[static_cast<size_t>(k)],
                   ema_count_[static_cast<size_t>(k)], ema_sum_[static_cast<size_t>(k)], cb, config_.ema_decay,
                   config_.ema_epsilon);
      }
      torch::Tensor used = torch::bincount(assignments[static_cast<size_t>(k)], {}, config_.codes) > 0;
      torch::Tensor since = steps_since_used_[k];
      since.add_(1).masked_fill_(used, 0);
      if (config_.dead_code_reset) {
        torch::Tensor dead = (since >= config_.dead_code_patience).nonzero().squeeze(1);
        const int64_t n_dead = dead.size(0);
        if (n_dead > 0) {
          // Overwrite with the residuals of the worst-reconstructed samples in the batch.
          torch::Tensor err = (x_hat.detach() - x).pow(2).sum(1);
          const int64_t take = std::min(n_dead, err.size(0));
          torch::Tensor worst = std::get<1>(err.topk(take));
          torch::Tensor targets = dead.slice(0, 0, take);
          torch::Tensor values = residuals[static_cast<size_t>(k)].index_select(0, worst);
          cb.index_copy_(0, targets, values);
          ema_sum_[static_cast<size_t>(k)].index_copy_(0, targets, values);
          ema_count_[static_cast<size_t>(k)].index_fill_(0, targets, 1.0);
          since.index_fill_(0, targets, 0);
          stats.dead_codes_reset += take;
        }
      }
    }
  }
  ++step_;
  stats.step = step_;
  stats.loss = loss.item<double>();
  stats.reconstruction = reconstruction.item<double>();
  stats.commitment = commitment.item<double>();
  stats.diversity = diversity.item<double>();
  stats.contrastive = contrastive.item<double>();
  return stats;
}

void RqVaeTrainer::train(int64_t until, const std::string& checkpoint_dir,
                         const std::function<void(const RqVaeStepStats&)>& on_step) {
  until = std::min(until, config_.steps);
  while (step_ < until) {
    RqVaeStepStats stats = step_once();
    if (on_step) on_step(stats);
    if (!checkpoint_dir.empty() && config_.checkpoint_every > 0 && step_ % config_.checkpoint_every == 0) {
      save_checkpoint(checkpoint_dir);
    }
  }
  if (!checkpoint_dir.empty()) save_checkpoint(checkpoint_dir);
}

namespace {
const char* kCheckpointFile = "checkpoint.safetensors";
}

void RqVaeTrainer::save_checkpoint(const std::string& dir) const {
  make_directories(dir);
  // Optimizer state first, under a step-specific name; the safetensors file (renamed into place
  // last) names it, so a kill between the two writes leaves the previous checkpoint valid.
  const std::string optimizer_name = "optimizer-" + std::to_string(step_) + ".pt";
  const std::string optimizer_tmp = join_path(dir, optimizer_name + ".tmp");
  torch::save(*optimizer_, optimizer_tmp);
  std::filesystem::rename(optimizer_tmp, join_path(dir, optimizer_name));
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& p : model_->named_parameters()) tensors["model." + p.key()] = p.value().detach();
  for (size_t k = 0; k < ema_count_.size(); ++k) {
    tensors["ema_count." + std::to_string(k)] = ema_count_[k];
    tensors["ema_sum." + std::to_string(k)] = ema_sum_[k];
  }
  tensors["steps_since_used"] = steps_since_used_;
  std::string previous;
  if (file_exists(join_path(dir, kCheckpointFile))) {
    SafetensorsFile old = SafetensorsFile::open(join_path(dir, kCheckpointFile));
    auto it = old.metadata().find("optimizer");
    if (it != old.metadata().end()) previous = it->second;
  }
  save_tensors(join_path(dir, kCheckpointFile), tensors,
               {{"step", std::to_string(step_)}, {"config", config_.to_json()}, {"optimizer", optimizer_name}});
  if (!previous.empty() && previous != optimizer_name) std::remove(join_path(dir, previous).c_str());
}

bool RqVaeTrainer::load_checkpoint(const std::string& dir) {
  const std::string path = join_path(dir, kCheckpointFile);
  if (!file_exists(path)) return false;
  std::map<std::string, std::string> metadata;
  {
    SafetensorsFile file = SafetensorsFile::open(path);
    metadata = file.metadata();
  }
  require(metadata.count("config") && metadata.at("config") == config_.to_json(),
          path + ": checkpoint was written with a different [sid] config; delete " + dir +
              " or pass --fresh to start over");
  auto tensors = load_tensors(path);
  torch::NoGradGuard no_grad;
  for (auto& p : model_->named_parameters()) {
    auto it = tensors.find("model." + p.key());
    require(it != tensors.end(), path + ": missing tensor model." + p.key());
    p.value().copy_(it->second);
  }
  for (size_t k = 0; k < ema_count_.size(); ++k) {
    ema_count_[k].copy_(tensors.at("ema_count." + std::to_string(k)));
    ema_sum_[k].copy_(tensors.at("ema_sum." + std::to_string(k)));
  }
  steps_since_used_.copy_(tensors.at("steps_since_used"));
  torch::load(*optimizer_, join_path(dir, metadata.at("optimizer")), device_);
  step_ = std::stoll(metadata.at("step"));
  return true;
}

}  // namespace gr2::sid
