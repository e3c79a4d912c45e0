// Raw generation and token scoring for the OpenAI-compatible routes (see completion.h).
#include "gr2/serve/completion.h"

#include <torch/torch.h>

#include <algorithm>

#include "gr2/core/error.h"
#include "gr2/lm/eval_mode.h"
#include "gr2/lm/generator.h"

namespace gr2::serve {

std::vector<TokenLogProb> score_tokens(lm::Qwen3LmImpl& model, const std::vector<int64_t>& tokens, int top_k) {
  std::vector<TokenLogProb> out(tokens.size());
  for (size_t t = 0; t < tokens.size(); ++t) out[t].token = tokens[t];
  if (tokens.size() < 2) return out;
  torch::NoGradGuard no_grad;
  lm::EvalModeGuard eval(model);
  const auto device = model.parameters().front().device();
  const torch::Tensor ids =
      torch::tensor(tokens, torch::dtype(torch::kInt64)).view({1, static_cast<int64_t>(tokens.size())}).to(device);
  // Position t's logits predict token t + 1.
  const torch::Tensor log_probs =
      torch::log_softmax(model.forward(lm::ForwardInput(ids)).to(torch::kFloat)[0], -1).to(torch::kCPU);  // [T, V]
  const int64_t k = std::min<int64_t>(top_k, log_probs.size(1));
  torch::Tensor top_values, top_ids;
  if (k > 0) std::tie(top_values, top_ids) = log_probs.topk(k, -1);
  const auto lp = log_probs.accessor<float, 2>();
  for (size_t t = 1; t < tokens.size(); ++t) {
    out[t].log_prob = lp[static_cast<int64_t>(t) - 1][tokens[t]];
    for (int64_t j = 0; j < k; ++j) {
      out[t].top.emplace_back(top_ids[static_cast<int64_t>(t) - 1][j].item<int64_t>(),
                              top_values[static_cast<int64_t>(t) - 1][j].item<float>());
    }
  }
  return out;
}

CompletionResult run_completion(lm::Qwen3LmImpl& model, const lm::Vocabulary& vocabulary,
                                const CompletionRequest& request) {
  require(!request.prompt.empty(), "the prompt is empty");
  require(request.n >= 1 && request.max_tokens >= 0, "n must be >= 1 and max_tokens >= 0");
  const int64_t limit = model.config().max_position_embeddings;
  require(static_cast<int64_t>(request.prompt.size()) + request.max_tokens <= limit,
          "the prompt (" + std::to_string(request.prompt.size()) + " tokens) + max_tokens (" +
              std::to_string(request.max_tokens) + ") exceeds the model's context of " + std::to_string(limit));
  for (int64_t id : request.prompt)
    require(id >= 0 && id < vocabulary.size(), "prompt token id " + std::to_string(id) + " is outside the vocabulary");

  CompletionResult result;
  result.prompt_tokens = static_cast<int64_t>(request.prompt.size());
  std::vector<lm::GenerationResult> generated(static_cast<size_t>(request.n));
  if (request.max_tokens > 0) {
    lm::GenerationOptions options;
    options.max_new_tokens = request.max_tokens;
    options.stop_tokens = request.stop_tokens;
    options.pad_id = vocabulary.pad_id();
    options.sampling = request.sampling;
    options.cancel = request.cancel.get();
    generated = lm::generate(model, std::vector<std::vector<int64_t>>(static_cast<size_t>(request.n), request.prompt),
                             options);
  }
  for (lm::GenerationResult& g : generated) {
    CompletionChoice choice;
    choice.tokens = std::move(g.tokens);
    choice.finish_reason = g.finish_reason == lm::FinishReason::Stop ? "stop" : "length";
    if (choice.finish_reason == "stop") choice.tokens.pop_back();  // the stop token is not text
    if (request.logprobs >= 0) {
      std::vector<int64_t> sequence = request.prompt;
      sequence.insert(sequence.end(), choice.tokens.begin(), choice.tokens.end());
      std::vector<TokenLogProb> scored = score_tokens(model, sequence, request.logprobs);
      if (!request.echo) scored.erase(scored.begin(), scored.begin() + static_cast<int64_t>(request.prompt.size()));
      choice.log_probs = std::move(scored);
    }
    result.completion_tokens += static_cast<int64_t>(choice.tokens.size());
    result.choices.push_back(std::move(choice));
  }
  return result;
}

}  // namespace gr2::serve
