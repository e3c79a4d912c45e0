// Item embeddings as the tokenizer's input: an [N, d] float matrix plus the N item ids, read from a
// safetensors file (one 2-d float tensor, or the one named "embeddings") or a .npy file, with the
// ids in a text file (one id per line). Every row is validated: finite values, the right width,
// as many ids as rows, no duplicate or empty id, at least one row.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <ATen/core/Tensor.h>

namespace gr2 {
class SafetensorsFile;
}

namespace gr2::sid {

struct ItemEmbeddings {
  std::vector<std::string> ids;  // [N], unique, non-empty
  at::Tensor vectors;            // [N, d] float32, CPU, finite
};

// The path without its .safetensors/.npy extension: the stem of the files written beside it.
std::string embeddings_stem(const std::string& embeddings_path);
// "<path without .safetensors/.npy>.ids.txt": where `gr2 sid embed` puts the ids next to a matrix.
std::string default_ids_path(const std::string& embeddings_path);

// Reads an embedding matrix in bounded memory, `batch` rows at a time (for `gr2 sid assign` on
// millions of items). safetensors files are memory-mapped; .npy files are read with seeks.
class EmbeddingStream {
 public:
  // Opens the matrix and the ids file (ids_path empty: default_ids_path). `expected_dim` > 0
  // checks the width. Throws Error naming the file for anything malformed.
  EmbeddingStream(const std::string& path, const std::string& ids_path, int64_t expected_dim = 0);
  ~EmbeddingStream();

  int64_t rows() const { return rows_; }
  int64_t dim() const { return dim_; }
  // Next up to `max_rows` rows: ids [n] and vectors [n, d] float32. Returns false at the end.
  // Throws Error "file: row R: non-finite value" / "ids file: line L: duplicate id" / count mismatch.
  bool next(int64_t max_rows, std::vector<std::string>& ids, at::Tensor& vectors);

 private:
  std::string path_, ids_path_;
  std::unique_ptr<SafetensorsFile> safetensors_;
  const uint8_t* st_data_ = nullptr;
  std::ifstream npy_;
  int64_t npy_data_offset_ = 0;
  bool float64_ = false;
  int64_t rows_ = 0, dim_ = 0, position_ = 0;
  std::ifstream ids_in_;
  int64_t ids_line_ = 0;
  std::unordered_set<std::string> seen_ids_;
};

// Reads the whole matrix (see EmbeddingStream for the checks).
ItemEmbeddings load_embeddings(const std::string& path, const std::string& ids_path = "",
                               int64_t expected_dim = 0);

// Writes `embeddings` as safetensors (tensor "embeddings") plus the ids file, both atomically.
void save_embeddings(const ItemEmbeddings& embeddings, const std::string& path,
                     const std::string& ids_path = "");

// Checks an in-memory matrix the same way (used on embeddings built by gr2 itself).
void validate_embeddings(const ItemEmbeddings& embeddings, const std::string& source);

}  // namespace gr2::sid
