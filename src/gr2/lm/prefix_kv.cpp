// compute_prefix_kv: one forward pass over a shared prefix into a one-row KV cache.
#include "gr2/lm/prefix_kv.h"

#include <algorithm>

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/lm/eval_mode.h"

namespace gr2::lm {

bool PrefixKv::prefixes(const std::vector<int64_t>& prompt) const {
  return prompt.size() > tokens.size() && std::equal(tokens.begin(), tokens.end(), prompt.begin());
}

std::shared_ptr<const PrefixKv> compute_prefix_kv(Qwen3LmImpl& model, const std::vector<int64_t>& tokens) {
  require(!tokens.empty(), "prefix KV cache: the prefix has no tokens");
  const int64_t vocab = model.config().vocab_size;
  for (int64_t t : tokens)
    require(t >= 0 && t < vocab, "prefix KV cache: token " + std::to_string(t) + " is outside the vocabulary");
  torch::NoGradGuard no_grad;
  EvalModeGuard eval_mode(model);
  const torch::Tensor& weight = model.model->embed_tokens->weight;
  auto prefix = std::make_shared<PrefixKv>();
  prefix->tokens = tokens;
  const auto p = static_cast<int64_t>(tokens.size());
  prefix->cache = std::make_unique<KvCache>(model.config(), 1, p, weight.device(), weight.scalar_type());
  const torch::Tensor ids = torch::tensor(tokens, torch::kLong).view({1, p}).to(weight.device());
  model.forward_hidden({ids, torch::arange(p, ids.options()).view({1, p}), {}, prefix->cache.get()});
  return prefix;
}

}  // namespace gr2::lm
