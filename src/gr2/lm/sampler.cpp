// Sampler: greedy argmax, or temperature / top-k / top-p sampling with a seeded generator.
#include "gr2/lm/sampler.h"

#include <limits>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <torch/torch.h>

#include "gr2/core/error.h"

namespace gr2::lm {

void SamplingOptions::validate() const {
  require(temperature >= 0.0, "sampling temperature must be >= 0 (0 = greedy), got " + std::to_string(temperature));
  require(top_k >= 0, "sampling top_k must be >= 0 (0 = off), got " + std::to_string(top_k));
  require(top_p > 0.0 && top_p <= 1.0, "sampling top_p must be in (0, 1] (1 = off), got " + std::to_string(top_p));
}

namespace {

at::Generator make_generator(torch::Device device, uint64_t seed) {
  if (device.is_cpu()) return at::detail::createCPUGenerator(seed);
  // A private copy of the device's default generator, so draws here leave the global stream alone.
  at::Generator g = at::globalContext().defaultGenerator(device).clone();
  g.set_current_seed(seed);
  return g;
}

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Keeps the smallest prefix of each row of `sorted_logits` [B, K] (descending) whose probability
// mass reaches top_p; the rest become -inf. The first entry is always kept.
torch::Tensor nucleus(const torch::Tensor& sorted_logits, double top_p) {
  auto probs = torch::softmax(sorted_logits, -1);
  auto mass_before = probs.cumsum(-1) - probs;  // mass of strictly more likely tokens
  auto drop = mass_before >= top_p;
  drop.select(-1, 0).fill_(false);  // even when top_p rounds to 0 in float (found by schemathesis)
  return sorted_logits.masked_fill(drop, kNegInf);
}

// The distribution a non-greedy draw is taken from, over the tokens it can pick: log-probs [B, K]
// after temperature, top-k and top-p, and the token ids of those K columns (undefined when K = V
// and the columns are the vocabulary itself). Shared by Sampler::sample and sampling_log_probs so
// the two cannot drift apart.
struct Candidates {
  torch::Tensor log_probs;  // [B, K]
  torch::Tensor indices;    // [B, K] token ids, or undefined (identity)
};

Candidates sampling_candidates(const torch::Tensor& float_logits, const SamplingOptions& options) {
  const auto logits = float_logits / options.temperature;
  const int64_t V = logits.size(1);
  const bool use_top_k = options.top_k > 0 && options.top_k < V;
  const bool use_top_p = options.top_p < 1.0;
  if (!use_top_k && !use_top_p) return {torch::log_softmax(logits, -1), torch::Tensor()};
  // Work on the candidates only, sorted by logit: the top k (or all V when only top-p is on).
  auto sorted = use_top_k ? logits.topk(options.top_k, -1, /*largest=*/true, /*sorted=*/true)
                          : logits.sort(-1, /*descending=*/true);
  auto values = std::get<0>(sorted);  // [B, K]
  if (use_top_p) values = nucleus(values, options.top_p);
  return {torch::log_softmax(values, -1), std::get<1>(sorted)};
}

}  // namespace

torch::Tensor sampling_log_probs(const torch::Tensor& raw_logits, const SamplingOptions& options) {
  auto logits = raw_logits.to(torch::kFloat);  // [B, V]
  if (options.greedy()) return torch::log_softmax(logits, -1);
  const Candidates c = sampling_candidates(logits, options);
  if (!c.indices.defined()) return c.log_probs;
  return torch::full_like(logits, kNegInf).scatter(1, c.indices, c.log_probs);
}

Sampler::Sampler(const SamplingOptions& options, torch::Device device)
    : options_(options), generator_(make_generator(device, options.seed)) {
  options_.validate();
}

SampledTokens Sampler::sample(const torch::Tensor& raw_logits) {
  auto logits = raw_logits.to(torch::kFloat);  // [B, V]
  if (options_.greedy()) {
    auto tokens = logits.argmax(-1);  // [B]
    auto log_probs = torch::log_softmax(logits, -1).gather(1, tokens.unsqueeze(1)).squeeze(1);
    return {tokens, log_probs};
  }
  const Candidates c = sampling_candidates(logits, options_);
  auto pick = torch::multinomial(c.log_probs.exp(), 1, false, generator_);  // [B, 1] into K
  auto tokens = c.indices.defined() ? c.indices.gather(1, pick) : pick;
  return {tokens.squeeze(1), c.log_probs.gather(1, pick).squeeze(1)};
}

}  // namespace gr2::lm
