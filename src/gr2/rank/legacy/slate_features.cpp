// Vocabularies from the catalog and batching of encoded slates.
#include "gr2/rank/legacy/slate_features.h"

#include <torch/torch.h>

#include <cmath>
#include <unordered_map>

namespace gr2::legacy {

FeatureVocab::FeatureVocab(const Catalog& catalog) : catalog_(&catalog) {
  std::unordered_map<std::string, int64_t> brands, categories;
  brand_of_.assign(catalog.size() + 1, 0);
  category_of_.assign(catalog.size() + 1, 0);
  for (size_t i = 0; i < catalog.size(); ++i) {
    const Item& it = catalog.items()[i];
    if (!it.brand.empty()) {
      auto [b, fresh] = brands.emplace(it.brand, static_cast<int64_t>(brands.size()) + 1);
      (void)fresh;
      brand_of_[i + 1] = b->second;
    }
    if (!it.category.empty()) {
      std::string path;
      for (const auto& c : it.category) path += c + "\x1f";
      auto [c, fresh] = categories.emplace(path, static_cast<int64_t>(categories.size()) + 1);
      (void)fresh;
      category_of_[i + 1] = c->second;
    }
  }
  num_brands_ = static_cast<int64_t>(brands.size());
  num_categories_ = static_cast<int64_t>(categories.size());
}

int64_t FeatureVocab::item(const std::string& item_id) const {
  auto idx = catalog_->find(item_id);
  return idx ? *idx + 1 : 0;
}

torch::Tensor FeatureVocab::brand_table() const { return torch::tensor(brand_of_, torch::kLong); }
torch::Tensor FeatureVocab::category_table() const { return torch::tensor(category_of_, torch::kLong); }

namespace {

EncodedSlate encode(const std::vector<std::string>& history, const std::vector<Candidate>& candidates,
                    const FeatureVocab& vocab, int64_t max_history) {
  EncodedSlate e;
  const size_t start = history.size() > static_cast<size_t>(max_history) ? history.size() - static_cast<size_t>(max_history) : 0;
  for (size_t i = start; i < history.size(); ++i) e.history.push_back(vocab.item(history[i]));
  double mean = 0, sq = 0;
  for (const auto& c : candidates) {
    e.candidates.push_back(vocab.item(c.item_id));
    mean += c.score;
  }
  const double k = static_cast<double>(std::max<size_t>(1, candidates.size()));
  mean /= k;
  for (const auto& c : candidates) sq += (c.score - mean) * (c.score - mean);
  const double sd = std::sqrt(sq / k);
  for (const auto& c : candidates) e.score_z.push_back(sd > 1e-9 ? static_cast<float>((c.score - mean) / sd) : 0.0f);
  return e;
}

}  // namespace

EncodedSlate encode_request(const RankRequest& r, const FeatureVocab& vocab, int64_t max_history) {
  return encode(r.history, r.candidates, vocab, max_history);
}

EncodedSlate encode_slate(const Slate& s, const FeatureVocab& vocab, int64_t max_history) {
  EncodedSlate e = encode(s.history, s.candidates, vocab, max_history);
  e.labels = s.labels;
  return e;
}

SlateBatch make_batch(const std::vector<const EncodedSlate*>& slates, int64_t max_positions, const torch::Device& device) {
  const int64_t S = static_cast<int64_t>(slates.size());
  int64_t K = 1, H = 1;
  for (const auto* s : slates) {
    K = std::max<int64_t>(K, static_cast<int64_t>(s->candidates.size()));
    H = std::max<int64_t>(H, static_cast<int64_t>(s->history.size()));
  }
  auto cand = torch::zeros({S, K}, torch::kLong), pos = torch::zeros({S, K}, torch::kLong);
  auto cmask = torch::zeros({S, K}, torch::kBool), hmask = torch::zeros({S, H}, torch::kBool);
  auto z = torch::zeros({S, K}, torch::kFloat), labels = torch::zeros({S, K}, torch::kFloat);
  auto hist = torch::zeros({S, H}, torch::kLong);
  auto ca = cand.accessor<int64_t, 2>(), pa = pos.accessor<int64_t, 2>(), ha = hist.accessor<int64_t, 2>();
  auto cm = cmask.accessor<bool, 2>(), hm = hmask.accessor<bool, 2>();
  auto za = z.accessor<float, 2>(), la = labels.accessor<float, 2>();
  for (int64_t b = 0; b < S; ++b) {
    const EncodedSlate& s = *slates[static_cast<size_t>(b)];
    for (size_t k = 0; k < s.candidates.size(); ++k) {
      const int64_t kk = static_cast<int64_t>(k);
      ca[b][kk] = s.candidates[k];
      cm[b][kk] = true;
      pa[b][kk] = std::min<int64_t>(kk, max_positions - 1);
      za[b][kk] = s.score_z[k];
      if (!s.labels.empty()) la[b][kk] = static_cast<float>(s.labels[k]);
    }
    // Histories are right-aligned (newest in the last column).
    const int64_t n = static_cast<int64_t>(s.history.size());
    for (int64_t i = 0; i < n; ++i) {
      ha[b][H - n + i] = s.history[static_cast<size_t>(i)];
      hm[b][H - n + i] = true;
    }
  }
  return SlateBatch{cand.to(device), cmask.to(device), pos.to(device), z.to(device),
                    hist.to(device), hmask.to(device), labels.to(device)};
}

}  // namespace gr2::legacy
