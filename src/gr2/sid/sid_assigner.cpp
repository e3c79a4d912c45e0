// Text -> embedding -> nearest codes -> nearest free SID (see sid_assigner.h).
#include "gr2/sid/sid_assigner.h"

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"

namespace gr2::sid {

SidAssigner::SidAssigner(TextEmbedder text, SidModel tokenizer, const SidTable& taken, int64_t codes_limit)
    : text_(std::move(text)), tokenizer_(std::move(tokenizer)) {
  require(!text_.empty(), "SID assigner: the text model has no terms");
  require(text_.output_dim() == tokenizer_.input_dim,
          "SID assigner: the text model embeds into " + std::to_string(text_.output_dim()) +
              " dimensions, the SID tokenizer reads " + std::to_string(tokenizer_.input_dim) +
              " (were they made from the same 'gr2 sid embed' output?)");
  require(taken.levels == tokenizer_.levels,
          "SID assigner: the SID table has " + std::to_string(taken.levels) + " levels, the tokenizer " +
              std::to_string(tokenizer_.levels));
  require(tokenizer_.codes <= codes_limit,
          "SID assigner: the tokenizer has " + std::to_string(tokenizer_.codes) + " codes per level, the model's " +
              "vocabulary only " + std::to_string(codes_limit));
  tokenizer_.to(torch::kCPU);
  used_.reserve(static_cast<size_t>(taken.size()) * 2);
  for (int64_t i = 0; i < taken.size(); ++i) used_.insert(sid_key(taken.sid(i), taken.levels));
}

std::unique_ptr<SidAssigner> SidAssigner::load(const std::string& dir, const std::string& text_model_path,
                                               const SidTable& taken, int64_t codes_limit) {
  const std::string codebooks = join_path(dir, "codebooks.safetensors");
  const std::string text_path =
      text_model_path.empty() ? join_path(dir, "embeddings.text_embedder.safetensors") : text_model_path;
  require(file_exists(codebooks), codebooks + ": no SID tokenizer (expected the output directory of 'gr2 sid train')");
  require(file_exists(text_path), text_path +
                                      ": no text model for new items (written by 'gr2 sid embed' beside the "
                                      "embeddings since this version; rerun 'gr2 sid embed' on the same catalog)");
  TextEmbedder text = TextEmbedder::load(text_path);
  SidModel model = SidModel::load(codebooks, torch::kCPU);
  return std::make_unique<SidAssigner>(std::move(text), std::move(model), taken, codes_limit);
}

at::Tensor SidAssigner::embed(const std::string& title, const std::vector<std::string>& category,
                              const std::string& brand, int64_t* known_terms) const {
  return text_.embed(title, category, brand, known_terms);
}

std::vector<int32_t> SidAssigner::assign(const at::Tensor& embedding) {
  torch::NoGradGuard no_grad;
  require(embedding.dim() == 1 && embedding.size(0) == tokenizer_.input_dim,
          "SID assigner: expected an embedding of " + std::to_string(tokenizer_.input_dim) + " values");
  const torch::Tensor codes = tokenizer_.encode(embedding.to(torch::kCPU, torch::kFloat32).unsqueeze(0))
                                  .to(torch::kInt32)
                                  .contiguous();
  std::vector<int32_t> sid(codes.data_ptr<int32_t>(), codes.data_ptr<int32_t>() + tokenizer_.levels);
  const std::vector<int32_t> nearest = sid;
  require(take_nearest_free_sid(sid.data(), tokenizer_.levels, tokenizer_.codes, used_),
          "SID assigner: every SID is taken");
  if (sid != nearest) ++moved_;
  return sid;
}

}  // namespace gr2::sid
