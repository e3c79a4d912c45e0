// TF-IDF + randomized SVD item embeddings with an optional co-occurrence part.
#include "gr2/sid/embedder.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "gr2/core/error.h"
#include "gr2/core/rng.h"
#include "gr2/data/catalog.h"
#include "gr2/data/events.h"
#include "gr2/sid/sid_config.h"
#include "gr2/sid/svd.h"
#include "gr2/sid/text_embedder.h"

namespace gr2::sid {
namespace {

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c >= 0x80) {
      cur += static_cast<char>(std::tolower(c));
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

void add_field(std::vector<std::string>& terms, const std::string& prefix, const std::string& text) {
  std::vector<std::string> w = words(text);
  for (size_t i = 0; i < w.size(); ++i) {
    terms.push_back(prefix + w[i]);
    if (i + 1 < w.size()) terms.push_back(prefix + w[i] + "_" + w[i + 1]);
  }
}

// Row-normalised U * S, rows with zero norm stay zero.
torch::Tensor normalised_rows(const torch::Tensor& m) {
  return m / m.norm(2, 1, true).clamp_min(1e-12);
}

// COO float tensor [rows, cols] from triplets.
torch::Tensor sparse_matrix(const std::vector<int64_t>& r, const std::vector<int64_t>& c, const std::vector<float>& v,
                            int64_t rows, int64_t cols, const c10::Device& device) {
  const int64_t nnz = static_cast<int64_t>(v.size());
  torch::Tensor idx = torch::empty({2, nnz}, torch::kLong);
  std::copy(r.begin(), r.end(), idx[0].data_ptr<int64_t>());
  std::copy(c.begin(), c.end(), idx[1].data_ptr<int64_t>());
  torch::Tensor val = torch::from_blob(const_cast<float*>(v.data()), {nnz}, torch::kFloat).clone();
  return torch::sparse_coo_tensor(idx, val, {rows, cols}).coalesce().to(device);
}

// The text part: TF-IDF over title, category and brand terms (min_df <= df < n, the max_terms most
// frequent), reduced by a randomized SVD to embed_dim, rows L2-normalised. [n, d] on `device`.
// What a TextEmbedder is made of: the kept terms, their idf [V] and the SVD's right singular vectors
// [V, d] (empty when no term was kept).
struct TextModelParts {
  std::vector<std::string> terms;
  torch::Tensor idf, projection;
};

// `parts` (optional) receives the pieces of the model that embeds new items' text.
torch::Tensor text_embeddings(const Catalog& catalog, const SidConfig& config, const c10::Device& device,
                              EmbedStats& stats, TextModelParts* parts) {
  const int64_t n = static_cast<int64_t>(catalog.size());
  std::vector<std::vector<std::string>> item_term_lists(static_cast<size_t>(n));
  std::unordered_map<std::string, int64_t> df;
  for (int64_t i = 0; i < n; ++i) {
    const Item& item = catalog.at(static_cast<int32_t>(i));
    auto terms = item_terms(item.title, item.category, item.brand);
    std::sort(terms.begin(), terms.end());
    std::string prev;
    for (const auto& t : terms) {
      if (t != prev) ++df[t];
      prev = t;
    }
    item_term_lists[static_cast<size_t>(i)] = std::move(terms);
  }
  std::vector<std::pair<int64_t, std::string>> kept;
  for (const auto& kv : df) {
    if (kv.second >= config.min_df && kv.second < n) kept.emplace_back(kv.second, kv.first);
  }
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  if (static_cast<int64_t>(kept.size()) > config.max_terms) kept.resize(static_cast<size_t>(config.max_terms));
  std::unordered_map<std::string, int64_t> term_index;
  std::vector<float> idf;
  for (const auto& [count, term] : kept) {
    term_index.emplace(term, static_cast<int64_t>(idf.size()));
    idf.push_back(static_cast<float>(std::log((1.0 + n) / (1.0 + count)) + 1.0));
  }
  const int64_t vocab = static_cast<int64_t>(idf.size());
  stats.vocabulary = vocab;
  std::vector<int64_t> rows, cols;
  std::vector<float> vals;
  for (int64_t i = 0; i < n; ++i) {
    const auto& terms = item_term_lists[static_cast<size_t>(i)];
    std::map<int64_t, int> counts;
    for (const auto& t : terms) {
      auto it = term_index.find(t);
      if (it != term_index.end()) ++counts[it->second];
    }
    double norm = 0;
    const size_t start = vals.size();
    for (const auto& [col, c] : counts) {
      const float w = static_cast<float>((1.0 + std::log(static_cast<double>(c))) * idf[static_cast<size_t>(col)]);
      rows.push_back(i);
      cols.push_back(col);
      vals.push_back(w);
      norm += double(w) * w;
    }
    if (counts.empty()) ++stats.items_without_terms;
    norm = std::sqrt(norm);
    for (size_t k = start; k < vals.size(); ++k) vals[k] = static_cast<float>(vals[k] / norm);
  }
  stats.nonzeros = static_cast<int64_t>(vals.size());
  torch::Tensor text;
  if (vocab == 0) {
    text = torch::zeros({n, 1}, torch::TensorOptions().device(device));
    stats.items_without_terms = n;
  } else {
    torch::Tensor tfidf = sparse_matrix(rows, cols, vals, n, vocab, device);
    TruncatedSvd svd = randomized_svd(tfidf, config.embed_dim, config.svd_oversample, config.svd_power_iters,
                                      derive_seed(config.seed, "embed/text-svd"));
    text = normalised_rows(svd.u * svd.s.unsqueeze(0));
    if (parts != nullptr) {
      for (const auto& entry : kept) parts->terms.push_back(entry.second);
      parts->idf = torch::from_blob(idf.data(), {vocab}, torch::kFloat32).clone();
      parts->projection = svd.v;
    }
  }
  stats.text_dim = text.size(1);

  return text;
}

// The collaborative part: positive PMI of item co-occurrence within collab_window events of one
// user, reduced by a randomized SVD to collab_dim, rows L2-normalised; undefined when no pair has a
// positive PMI. [n, d] on `device`.
torch::Tensor collab_embeddings(const Catalog& catalog, const std::vector<Event>& events, const SidConfig& config,
                                const c10::Device& device, EmbedStats& stats) {
  const int64_t n = static_cast<int64_t>(catalog.size());
  std::unordered_map<std::string, std::vector<std::pair<int64_t, int64_t>>> by_user;
  for (const auto& e : events) {
    auto idx = catalog.find(e.item_id);
    if (idx) by_user[e.user_id].emplace_back(e.ts, *idx);
  }
  std::unordered_map<uint64_t, double> pair_counts;
  std::vector<double> item_counts(static_cast<size_t>(n), 0.0);
  for (auto& kv : by_user) {
    auto& seq = kv.second;
    std::stable_sort(seq.begin(), seq.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < seq.size(); ++i) {
      for (size_t j = i + 1; j < seq.size() && static_cast<int64_t>(j - i) <= config.collab_window; ++j) {
        const int64_t a = seq[i].second, b = seq[j].second;
        if (a == b) continue;
        pair_counts[(static_cast<uint64_t>(a) << 32) | static_cast<uint64_t>(b)] += 1;
        pair_counts[(static_cast<uint64_t>(b) << 32) | static_cast<uint64_t>(a)] += 1;
        item_counts[static_cast<size_t>(a)] += 1;
        item_counts[static_cast<size_t>(b)] += 1;
      }
    }
  }
  double total = 0;
  for (double c : item_counts) total += c;
  std::vector<int64_t> r, c;
  std::vector<float> v;
  // Sorted keys: the same triplet order (and so the same float sums) on every run.
  std::vector<std::pair<uint64_t, double>> entries(pair_counts.begin(), pair_counts.end());
  std::sort(entries.begin(), entries.end());
  for (const auto& [key, count] : entries) {
    const int64_t a = static_cast<int64_t>(key >> 32), b = static_cast<int64_t>(key & 0xffffffffu);
    const double pmi = std::log(count * total / (item_counts[static_cast<size_t>(a)] * item_counts[static_cast<size_t>(b)]));
    if (pmi > 0) {
      r.push_back(a);
      c.push_back(b);
      v.push_back(static_cast<float>(pmi));
    }
  }
  for (double cnt : item_counts) stats.items_with_events += cnt > 0;
  if (!v.empty()) {
    torch::Tensor ppmi = sparse_matrix(r, c, v, n, n, device);
    TruncatedSvd svd = randomized_svd(ppmi, config.collab_dim, config.svd_oversample, config.svd_power_iters,
                                      derive_seed(config.seed, "embed/collab-svd"));
    // (U + V) sqrt(S), not U sqrt(S): PPMI has a zero diagonal, so it is indefinite, and for a
    // negative eigenvalue U's rows of two co-engaged items point in opposite directions (V = -U
    // there). Adding V cancels those components and doubles those of positive eigenvalues
    // (word2vec-style W + C).
    torch::Tensor collab = normalised_rows((svd.u + svd.v) * svd.s.sqrt().unsqueeze(0));
    stats.collab_dim = collab.size(1);
    return collab;
  }
  return torch::Tensor();
}

}  // namespace

std::vector<std::string> item_terms(const std::string& title, const std::vector<std::string>& category,
                                    const std::string& brand) {
  std::vector<std::string> terms;
  add_field(terms, "t:", title);
  for (const auto& level : category) add_field(terms, "c:", level);
  if (!category.empty()) {
    // The leaf category as one token: items of the same leaf share it even when words differ.
    std::string leaf;
    for (const auto& w : words(category.back())) leaf += (leaf.empty() ? "" : "_") + w;
    if (!leaf.empty()) terms.push_back("leaf:" + leaf);
  }
  add_field(terms, "b:", brand);
  return terms;
}

std::vector<std::pair<int64_t, int64_t>> co_engaged_pairs(const Catalog& catalog, const std::vector<Event>& events,
                                                          int64_t window) {
  std::unordered_map<std::string, std::vector<std::pair<int64_t, int64_t>>> by_user;  // (ts, item)
  for (const auto& e : events) {
    auto idx = catalog.find(e.item_id);
    if (idx) by_user[e.user_id].emplace_back(e.ts, *idx);
  }
  std::unordered_set<uint64_t> seen;
  std::vector<std::pair<int64_t, int64_t>> pairs;
  std::vector<std::string> users;
  users.reserve(by_user.size());
  for (auto& kv : by_user) users.push_back(kv.first);
  std::sort(users.begin(), users.end());  // deterministic order
  for (const auto& u : users) {
    auto& seq = by_user[u];
    std::stable_sort(seq.begin(), seq.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < seq.size(); ++i) {
      for (size_t j = i + 1; j < seq.size() && static_cast<int64_t>(j - i) <= window; ++j) {
        int64_t a = seq[i].second, b = seq[j].second;
        if (a == b) continue;
        if (a > b) std::swap(a, b);
        if (seen.insert((static_cast<uint64_t>(a) << 32) | static_cast<uint64_t>(b)).second) pairs.emplace_back(a, b);
      }
    }
  }
  return pairs;
}

ItemEmbeddings embed_catalog(const Catalog& catalog, const std::vector<Event>& events, const SidConfig& config,
                             const c10::Device& device, EmbedStats* stats_out, TextEmbedder* text_model) {
  torch::NoGradGuard no_grad;
  require(!catalog.empty(), "gr2 sid embed: the catalog has no items");
  const int64_t n = static_cast<int64_t>(catalog.size());
  EmbedStats stats;
  stats.items = n;

  TextModelParts parts;
  torch::Tensor full = text_embeddings(catalog, config, device, stats, text_model != nullptr ? &parts : nullptr);
  if (config.collab_dim > 0 && !events.empty()) {
    const torch::Tensor collab = collab_embeddings(catalog, events, config, device, stats);
    if (collab.defined())
      full = torch::cat({full * std::sqrt(1.0 - config.collab_weight), collab * std::sqrt(config.collab_weight)}, 1);
  }
  ItemEmbeddings out;
  out.vectors = normalised_rows(full).to(torch::kCPU, torch::kFloat32).contiguous();
  out.ids.reserve(static_cast<size_t>(n));
  for (const auto& item : catalog.items()) out.ids.push_back(item.item_id);
  if (stats_out) *stats_out = stats;
  if (text_model != nullptr && !parts.terms.empty())
    *text_model = TextEmbedder(std::move(parts.terms), parts.idf, parts.projection, out.vectors.size(1));
  return out;
}

}  // namespace gr2::sid
