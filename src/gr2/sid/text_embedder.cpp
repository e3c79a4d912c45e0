// Folding a new item's text into the catalog's TF-IDF + SVD space (see text_embedder.h).
#include "gr2/sid/text_embedder.h"

#include <torch/torch.h>

#include <cmath>
#include <map>

#include "gr2/core/error.h"
#include "gr2/core/jsonl.h"
#include "gr2/core/safetensors.h"
#include "gr2/core/safetensors_torch.h"
#include "gr2/sid/embedder.h"
#include "gr2/sid/embeddings.h"

namespace gr2::sid {
namespace {
constexpr const char* kFormat = "gr2 text embedder";
}

TextEmbedder::TextEmbedder(std::vector<std::string> terms, at::Tensor idf, at::Tensor projection, int64_t output_dim)
    : terms_(std::move(terms)),
      idf_(idf.to(torch::kCPU, torch::kFloat32).contiguous()),
      projection_(projection.to(torch::kCPU, torch::kFloat32).contiguous()),
      output_dim_(output_dim) {
  const int64_t v = static_cast<int64_t>(terms_.size());
  require(idf_.dim() == 1 && idf_.size(0) == v, "text embedder: idf must be [" + std::to_string(v) + "] like the terms");
  require(projection_.dim() == 2 && projection_.size(0) == v,
          "text embedder: projection must be [" + std::to_string(v) + ", d] like the terms");
  require(output_dim_ >= projection_.size(1), "text embedder: output_dim " + std::to_string(output_dim_) +
                                                  " is below the text dimensions " + std::to_string(projection_.size(1)));
  index_.reserve(terms_.size());
  for (int64_t i = 0; i < v; ++i) {
    require(index_.emplace(terms_[static_cast<size_t>(i)], i).second,
            "text embedder: duplicate term '" + terms_[static_cast<size_t>(i)] + "'");
  }
}

int64_t TextEmbedder::text_dim() const { return projection_.defined() ? projection_.size(1) : 0; }

at::Tensor TextEmbedder::embed(const std::string& title, const std::vector<std::string>& category,
                               const std::string& brand, int64_t* known_terms) const {
  torch::NoGradGuard no_grad;
  // The same weighting as the catalog's rows (embedder.cpp): (1 + log tf) * idf over kept terms,
  // L2-normalised, then projected and normalised again.
  std::map<int64_t, int> counts;
  for (const auto& t : item_terms(title, category, brand)) {
    auto it = index_.find(t);
    if (it != index_.end()) ++counts[it->second];
  }
  if (known_terms != nullptr) *known_terms = static_cast<int64_t>(counts.size());
  torch::Tensor out = torch::zeros({output_dim_}, torch::kFloat32);
  if (counts.empty()) return out;
  std::vector<int64_t> rows;
  std::vector<float> weights;
  const float* idf = idf_.data_ptr<float>();
  for (const auto& [row, c] : counts) {
    rows.push_back(row);
    weights.push_back(static_cast<float>((1.0 + std::log(static_cast<double>(c))) * idf[row]));
  }
  const auto n = static_cast<int64_t>(rows.size());
  torch::Tensor w = torch::from_blob(weights.data(), {n}, torch::kFloat32).clone();
  w = w / w.norm().clamp_min(1e-12);
  torch::Tensor idx = torch::from_blob(rows.data(), {n}, torch::kLong).clone();
  torch::Tensor text = (projection_.index_select(0, idx) * w.unsqueeze(1)).sum(0);
  text = text / text.norm().clamp_min(1e-12);
  out.narrow(0, 0, text.size(0)).copy_(text);
  return out;
}

void TextEmbedder::save(const std::string& path) const {
  require(!terms_.empty(), "text embedder: nothing to save (no terms)");
  std::map<std::string, torch::Tensor> tensors = {{"idf", idf_}, {"projection", projection_}};
  std::map<std::string, std::string> meta = {
      {"format", kFormat}, {"output_dim", std::to_string(output_dim_)}, {"terms", Json(terms_).dump()}};
  save_tensors(path, tensors, meta);
}

TextEmbedder TextEmbedder::load(const std::string& path) {
  std::map<std::string, std::string> meta;
  {
    SafetensorsFile file = SafetensorsFile::open(path);
    meta = file.metadata();
  }
  require(meta.count("format") && meta.at("format") == kFormat,
          path + ": not a gr2 text embedder (expected the .text_embedder.safetensors written by 'gr2 sid embed')");
  require(meta.count("terms") && meta.count("output_dim"), path + ": metadata lacks 'terms' or 'output_dim'");
  std::vector<std::string> terms;
  int64_t output_dim = 0;
  try {
    terms = Json::parse(meta.at("terms")).get<std::vector<std::string>>();
    output_dim = std::stoll(meta.at("output_dim"));
  } catch (const std::exception& e) {
    throw Error(path + ": unreadable metadata 'terms' or 'output_dim' (" + e.what() + ")");
  }
  auto tensors = load_tensors(path);
  require(tensors.count("idf") && tensors.count("projection"), path + ": expected tensors 'idf' and 'projection'");
  try {
    return TextEmbedder(std::move(terms), tensors.at("idf"), tensors.at("projection"), output_dim);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

std::string default_text_embedder_path(const std::string& embeddings_path) {
  return embeddings_stem(embeddings_path) + ".text_embedder.safetensors";
}

}  // namespace gr2::sid
