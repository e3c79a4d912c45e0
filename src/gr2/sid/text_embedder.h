// The text half of `gr2 sid embed` kept as a model, so that an item the catalog did not have (a new
// product, say) gets an embedding in the same space as the catalog's: its TF-IDF row over the
// catalog's kept terms (the catalog's idf) projected onto the right singular vectors of the
// catalog's TF-IDF matrix ("folding in", Deerwester et al. 1990, LSI). An item without events has no
// collaborative part, so the collaborative dimensions of its embedding are zero, exactly as for a
// catalog item without events. Written next to the embeddings as <stem>.text_embedder.safetensors.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <ATen/core/Tensor.h>

namespace gr2::sid {

class TextEmbedder {
 public:
  TextEmbedder() = default;
  // `terms` [V] (item_terms spelling, unique), `idf` [V] float32, `projection` [V, d_text] float32
  // (the SVD's right singular vectors), `output_dim` >= d_text: the width of the full item
  // embedding (text + collaborative dimensions). Throws Error when the shapes disagree.
  TextEmbedder(std::vector<std::string> terms, at::Tensor idf, at::Tensor projection, int64_t output_dim);

  int64_t vocabulary() const { return static_cast<int64_t>(terms_.size()); }
  int64_t text_dim() const;
  int64_t output_dim() const { return output_dim_; }
  bool empty() const { return terms_.empty(); }
  const std::vector<std::string>& terms() const { return terms_; }
  const at::Tensor& idf() const { return idf_; }                // [V] float32, CPU
  const at::Tensor& projection() const { return projection_; }  // [V, d_text] float32, CPU

  // The embedding of one item's text: [output_dim] float32 on the CPU, L2-normalised, the
  // collaborative dimensions zero. `known_terms` (optional) receives how many of the item's terms
  // are in the vocabulary; with none the result is all zeros (the caller decides what that means).
  // Thread-safe (const, no shared state).
  at::Tensor embed(const std::string& title, const std::vector<std::string>& category, const std::string& brand,
                   int64_t* known_terms = nullptr) const;

  // Writes the model atomically (tensors "idf", "projection"; metadata format, output_dim and the
  // terms as a JSON array).
  void save(const std::string& path) const;
  // Reads a file written by save(). Throws Error naming the file when it is not one.
  static TextEmbedder load(const std::string& path);

 private:
  std::vector<std::string> terms_;
  std::unordered_map<std::string, int64_t> index_;
  at::Tensor idf_, projection_;
  int64_t output_dim_ = 0;
};

// "<path without .safetensors/.npy>.text_embedder.safetensors": where `gr2 sid embed` writes the
// text model of the embeddings at `embeddings_path`.
std::string default_text_embedder_path(const std::string& embeddings_path);

}  // namespace gr2::sid
