// Reading, validating and writing item embedding matrices (safetensors or .npy + ids file).
#include "gr2/sid/embeddings.h"

#include <torch/torch.h>

#include <cstring>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/safetensors.h"
#include "gr2/core/safetensors_torch.h"

namespace gr2::sid {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Parses "(N, d)" out of a .npy header dict.
void parse_npy_header(const std::string& header, const std::string& path, bool& float64, int64_t& rows,
                      int64_t& dim) {
  auto value_after = [&](const std::string& key) -> std::string {
    size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) throw Error(path + ": .npy header has no '" + key + "'");
    size_t colon = header.find(':', k);
    return header.substr(colon + 1);
  };
  std::string descr = value_after("descr");
  if (descr.find("'<f4'") != std::string::npos && descr.find("'<f4'") < descr.find(',')) {
    float64 = false;
  } else if (descr.find("'<f8'") != std::string::npos && descr.find("'<f8'") < descr.find(',')) {
    float64 = true;
  } else {
    throw Error(path + ": .npy dtype must be little-endian float32 ('<f4') or float64 ('<f8')");
  }
  std::string fortran = value_after("fortran_order");
  if (fortran.find("False") != fortran.find_first_not_of(' ')) {
    throw Error(path + ": .npy arrays in Fortran order are not supported; save with np.ascontiguousarray");
  }
  std::string shape = value_after("shape");
  size_t open = shape.find('('), close = shape.find(')');
  if (open == std::string::npos || close == std::string::npos) throw Error(path + ": .npy header has a malformed shape");
  std::string dims = shape.substr(open + 1, close - open - 1);
  std::vector<int64_t> values;
  std::string cur;
  for (char c : dims + ",") {
    if (c == ',') {
      if (cur.find_first_not_of(' ') != std::string::npos) values.push_back(std::stoll(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (values.size() != 2) {
    throw Error(path + ": expected a 2-d [N, d] matrix, got " + std::to_string(values.size()) + " dimensions");
  }
  rows = values[0];
  dim = values[1];
}

}  // namespace

std::string embeddings_stem(const std::string& embeddings_path) {
  std::string base = embeddings_path;
  for (const char* ext : {".safetensors", ".npy"}) {
    if (ends_with(base, ext)) {
      base.resize(base.size() - std::strlen(ext));
      break;
    }
  }
  return base;
}

std::string default_ids_path(const std::string& embeddings_path) { return embeddings_stem(embeddings_path) + ".ids.txt"; }

EmbeddingStream::EmbeddingStream(const std::string& path, const std::string& ids_path, int64_t expected_dim)
    : path_(path), ids_path_(ids_path.empty() ? default_ids_path(path) : ids_path) {
  if (ends_with(path, ".npy")) {
    npy_.open(path, std::ios::binary);
    require(npy_.good(), path + ": cannot open the embeddings file");
    char magic[8];
    npy_.read(magic, 8);
    require(npy_.good() && std::memcmp(magic, "\x93NUMPY", 6) == 0, path + ": not a .npy file (bad magic)");
    uint32_t header_len = 0;
    if (magic[6] == 1) {
      unsigned char b[2];
      npy_.read(reinterpret_cast<char*>(b), 2);
      header_len = b[0] | (b[1] << 8);
    } else {
      unsigned char b[4];
      npy_.read(reinterpret_cast<char*>(b), 4);
      header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (uint32_t(b[3]) << 24);
    }
    std::string header(header_len, '\0');
    npy_.read(header.data(), header_len);
    require(npy_.good(), path + ": truncated .npy header");
    parse_npy_header(header, path, float64_, rows_, dim_);
    npy_data_offset_ = static_cast<int64_t>(npy_.tellg());
    npy_.seekg(0, std::ios::end);
    const int64_t size = static_cast<int64_t>(npy_.tellg());
    const int64_t need = npy_data_offset_ + rows_ * dim_ * (float64_ ? 8 : 4);
    require(size >= need, path + ": truncated .npy data (" + std::to_string(size) + " bytes, header promises " +
                              std::to_string(need) + ")");
  } else if (ends_with(path, ".safetensors")) {
    safetensors_ = std::make_unique<SafetensorsFile>(SafetensorsFile::open(path));
    std::string name;
    if (safetensors_->has("embeddings")) {
      name = "embeddings";
    } else {
      require(safetensors_->size() == 1,
              path + ": expected one tensor or one named \"embeddings\", found " +
                  std::to_string(safetensors_->size()) + " tensors");
      name = safetensors_->names()[0];
    }
    TensorView view = safetensors_->tensor(name);
    require(view.shape.size() == 2, path + ": tensor '" + name + "' must be 2-d [N, d], got " +
                                        std::to_string(view.shape.size()) + " dimensions");
    require(view.dtype == Dtype::F32 || view.dtype == Dtype::F64,
            path + ": tensor '" + name + "' must be F32 or F64, got " + dtype_name(view.dtype));
    float64_ = view.dtype == Dtype::F64;
    rows_ = view.shape[0];
    dim_ = view.shape[1];
    st_data_ = view.data;
  } else {
    throw Error(path + ": embeddings must be a .safetensors or .npy file");
  }
  require(rows_ > 0, path + ": the embedding matrix has no rows (empty catalog)");
  require(dim_ > 0, path + ": the embedding matrix has width 0");
  require(expected_dim <= 0 || dim_ == expected_dim,
          path + ": embeddings have d = " + std::to_string(dim_) + " but the tokenizer expects d = " +
              std::to_string(expected_dim));
  ids_in_.open(ids_path_);
  require(ids_in_.good(), ids_path_ + ": cannot open the item ids file (one id per line; give it with --ids)");
}

EmbeddingStream::~EmbeddingStream() = default;

bool EmbeddingStream::next(int64_t max_rows, std::vector<std::string>& ids, at::Tensor& vectors) {
  ids.clear();
  const int64_t n = std::min(max_rows, rows_ - position_);
  if (n <= 0) {
    std::string extra;
    while (std::getline(ids_in_, extra)) {
      ++ids_line_;
      require(extra.empty(), ids_path_ + ": has more ids than the " + std::to_string(rows_) +
                                 " rows of " + path_ + " (line " + std::to_string(ids_line_) + ")");
    }
    return false;
  }
  const size_t elem = float64_ ? 8 : 4;
  torch::Tensor raw = torch::empty({n, dim_}, float64_ ? torch::kFloat64 : torch::kFloat32);
  const size_t bytes = static_cast<size_t>(n * dim_) * elem;
  const int64_t offset = position_ * dim_ * static_cast<int64_t>(elem);
  if (safetensors_) {
    std::memcpy(raw.data_ptr(), st_data_ + offset, bytes);
  } else {
    npy_.clear();
    npy_.seekg(npy_data_offset_ + offset);
    npy_.read(static_cast<char*>(raw.data_ptr()), static_cast<std::streamsize>(bytes));
    require(npy_.good(), path_ + ": read failed at row " + std::to_string(position_));
  }
  vectors = float64_ ? raw.to(torch::kFloat32) : raw;
  // Non-finite rows: name the first one.
  torch::Tensor bad = torch::logical_not(torch::isfinite(vectors)).any(1);
  if (bad.any().item<bool>()) {
    int64_t row = bad.nonzero()[0][0].item<int64_t>();
    throw Error(path_ + ": row " + std::to_string(position_ + row) +
                ": non-finite value (NaN or inf) in the embedding; fix or drop that item");
  }
  ids.reserve(static_cast<size_t>(n));
  std::string line;
  while (static_cast<int64_t>(ids.size()) < n) {
    if (!std::getline(ids_in_, line)) {
      throw Error(ids_path_ + ": has " + std::to_string(position_ + static_cast<int64_t>(ids.size())) +
                  " ids but " + path_ + " has " + std::to_string(rows_) + " rows (one id per row expected)");
    }
    ++ids_line_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    require(!line.empty(), ids_path_ + ": line " + std::to_string(ids_line_) + ": empty item id");
    require(seen_ids_.insert(line).second,
            ids_path_ + ": line " + std::to_string(ids_line_) + ": duplicate item id '" + line + "'");
    ids.push_back(line);
  }
  position_ += n;
  return true;
}

ItemEmbeddings load_embeddings(const std::string& path, const std::string& ids_path, int64_t expected_dim) {
  EmbeddingStream stream(path, ids_path, expected_dim);
  ItemEmbeddings out;
  std::vector<std::string> ids;
  torch::Tensor batch;
  std::vector<torch::Tensor> parts;
  while (stream.next(1 << 16, ids, batch)) {
    out.ids.insert(out.ids.end(), ids.begin(), ids.end());
    parts.push_back(batch);
  }
  out.vectors = parts.size() == 1 ? parts[0] : torch::cat(parts, 0);
  return out;
}

void validate_embeddings(const ItemEmbeddings& e, const std::string& source) {
  require(e.vectors.defined() && e.vectors.dim() == 2, source + ": embeddings must be a 2-d [N, d] matrix");
  require(e.vectors.size(0) > 0, source + ": no items (empty catalog)");
  require(static_cast<int64_t>(e.ids.size()) == e.vectors.size(0),
          source + ": " + std::to_string(e.ids.size()) + " ids for " + std::to_string(e.vectors.size(0)) + " rows");
  torch::Tensor bad = torch::logical_not(torch::isfinite(e.vectors)).any(1);
  if (bad.any().item<bool>()) {
    throw Error(source + ": row " + std::to_string(bad.nonzero()[0][0].item<int64_t>()) + ": non-finite value");
  }
  std::unordered_set<std::string> seen;
  for (const auto& id : e.ids) {
    require(!id.empty(), source + ": empty item id");
    require(seen.insert(id).second, source + ": duplicate item id '" + id + "'");
  }
}

void save_embeddings(const ItemEmbeddings& e, const std::string& path, const std::string& ids_path) {
  validate_embeddings(e, path);
  save_tensors(path, {{"embeddings", e.vectors.to(torch::kCPU, torch::kFloat32).contiguous()}},
               {{"format", "gr2 item embeddings"}, {"rows", std::to_string(e.ids.size())}});
  std::string text;
  for (const auto& id : e.ids) {
    require(id.find('\n') == std::string::npos, "item id with a newline cannot be written to an ids file");
    text += id;
    text += '\n';
  }
  write_file_atomic(ids_path.empty() ? default_ids_path(path) : ids_path, text);
}

}  // namespace gr2::sid
