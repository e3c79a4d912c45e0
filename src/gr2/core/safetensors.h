// Reading and writing safetensors files (the Hugging Face tensor format) without LibTorch:
// memory-mapped, strictly validated reading and atomic writing. See docs/safetensors.md.
//
// Layout: an 8-byte little-endian u64 N, N bytes of a JSON header
//   {"<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"key": "value", ...}}   (metadata optional, string -> string)
// then the data buffer; offsets are relative to the buffer start, data is little-endian, row-major.
// Conversion to and from torch::Tensor lives in safetensors_torch.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gr2 {

// Element type of a stored tensor. Names in files are the safetensors ones ("F32", "BF16", ...).
enum class Dtype { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

// The safetensors name of `dtype` ("F32", ...).
const char* dtype_name(Dtype dtype);
// Bytes per element (BOOL is one byte, 0 or 1).
size_t dtype_size(Dtype dtype);
// Parses a safetensors dtype name. Returns false (and leaves `dtype` alone) for names gr2 does
// not support, e.g. "F8_E4M3", "U16" or a misspelling.
bool parse_dtype(std::string_view name, Dtype& dtype);

// Largest JSON header accepted when reading (the reference implementation's limit).
constexpr uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;

// One stored tensor as raw bytes. `data` points into the file's mapping (or the parsed buffer) and
// is valid while the SafetensorsFile that returned it lives. Invariant: nbytes == numel() *
// dtype_size(dtype); a 0-d tensor has an empty shape and one element. `data` may be unaligned.
struct TensorView {
  Dtype dtype = Dtype::F32;
  std::vector<int64_t> shape;   // each dim >= 0
  const uint8_t* data = nullptr;
  size_t nbytes = 0;

  // Number of elements (product of shape; 1 for a 0-d tensor).
  int64_t numel() const;
};

// A validated, read-only safetensors file. Every tensor's offsets, size and dtype are checked when
// it is opened, so tensor() never fails on a name that has(). Errors name the file.
// Thread-safe for concurrent reads. Movable, not copyable.
class SafetensorsFile {
 public:
  // Memory-maps `path` read-only and validates it. Throws Error "<path>: ..." when the file cannot
  // be read or is malformed (see docs/safetensors.md for the rules). The file must not be
  // truncated by someone else while it is mapped.
  static SafetensorsFile open(const std::string& path);

  // Validates the safetensors bytes in `bytes` without copying them; the caller keeps `bytes`
  // alive while this object and its TensorViews are used. `source` names the data in errors.
  static SafetensorsFile parse(std::string_view bytes, const std::string& source = "<memory>");

  SafetensorsFile(SafetensorsFile&& other) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&& other) noexcept;
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;
  ~SafetensorsFile();

  // Tensor names in data order (ascending offsets), i.e. the order the writer laid them out.
  const std::vector<std::string>& names() const { return names_; }
  size_t size() const { return names_.size(); }
  bool has(const std::string& name) const { return entries_.count(name) != 0; }
  // The tensor called `name`. Throws Error "<source>: no tensor 'name' ..." when absent.
  TensorView tensor(const std::string& name) const;
  // The "__metadata__" map (empty when the file has none).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // The path (or the `source` given to parse) used in error messages.
  const std::string& source() const { return source_; }

 private:
  struct Entry {
    Dtype dtype;
    std::vector<int64_t> shape;
    uint64_t begin;  // offset into the data buffer
    uint64_t end;
  };
  SafetensorsFile() = default;
  void validate(std::string_view bytes);
  void unmap();

  std::string source_;
  const uint8_t* buffer_ = nullptr;   // start of the data buffer (after the header)
  void* mapping_ = nullptr;           // owned mmap region, or null when parsed from caller memory
  size_t mapping_size_ = 0;
  std::vector<std::string> names_;
  std::unordered_map<std::string, Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

// Collects tensors and metadata and writes them as one safetensors file.
// Layout written: the header (keys sorted, padded with spaces to a multiple of 8 bytes, as the
// reference implementation does), then the tensors sorted by element size, largest first, then by
// name, so the buffer is contiguous and every tensor is aligned to its element size. The result
// does not depend on the order of add() calls. Metadata is omitted from the header when empty.
class SafetensorsWriter {
 public:
  // Adds a tensor, taking ownership of its bytes (little-endian, row-major).
  // Throws Error on a duplicate or reserved name ("__metadata__"), a negative dim, or when
  // bytes.size() != numel * dtype_size(dtype).
  void add(const std::string& name, Dtype dtype, std::vector<int64_t> shape, std::string bytes);

  // Adds a tensor without copying: `data` must stay valid until the last write()/serialize();
  // `owner` (may be null) is kept alive until then, e.g. the buffer `data` points into.
  // Same checks as add().
  void add_view(const std::string& name, Dtype dtype, std::vector<int64_t> shape,
                const void* data, size_t nbytes, std::shared_ptr<const void> owner = nullptr);

  // Sets one "__metadata__" entry (a later call with the same key replaces the value).
  void set_metadata(const std::string& key, const std::string& value);

  // Writes the file atomically (temporary name + rename). Throws Error naming `path` on failure
  // or when a name or metadata string is not valid UTF-8.
  void write(const std::string& path) const;
  // The whole file as bytes (for tests and small in-memory uses).
  std::string serialize() const;

  size_t size() const { return tensors_.size(); }

 private:
  struct Pending {
    std::string name;
    Dtype dtype;
    std::vector<int64_t> shape;
    const void* data;
    size_t nbytes;
    std::shared_ptr<const void> owner;
  };
  // The padded header and the tensors in file order.
  std::string header_for(std::vector<const Pending*>& order) const;
  void write_to(std::ostream& out, const std::string& where) const;

  std::vector<Pending> tensors_;
  std::unordered_map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace gr2
