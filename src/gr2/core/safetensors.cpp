// Safetensors reading (mmap + strict validation) and atomic writing. Format: see safetensors.h.
#include "gr2/core/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sstream>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "gr2 safetensors I/O copies little-endian data as is; big-endian hosts are unsupported");

namespace gr2 {
namespace {

struct DtypeInfo {
  Dtype dtype;
  const char* name;
  size_t size;
};

constexpr DtypeInfo kDtypes[] = {
    {Dtype::F64, "F64", 8}, {Dtype::F32, "F32", 4}, {Dtype::F16, "F16", 2},
    {Dtype::BF16, "BF16", 2}, {Dtype::I64, "I64", 8}, {Dtype::I32, "I32", 4},
    {Dtype::I16, "I16", 2}, {Dtype::I8, "I8", 1}, {Dtype::U8, "U8", 1},
    {Dtype::BOOL, "BOOL", 1},
};

const DtypeInfo& info(Dtype dtype) {
  for (const auto& d : kDtypes) {
    if (d.dtype == dtype) return d;
  }
  throw Error::internal("safetensors: invalid Dtype value " + std::to_string(static_cast<int>(dtype)));
}

std::string supported_dtypes() {
  std::string list;
  for (const auto& d : kDtypes) list += std::string(list.empty() ? "" : ", ") + d.name;
  return list;
}

uint64_t read_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Element count and byte size of a tensor; false when the product overflows 63 bits.
bool checked_size(const std::vector<int64_t>& shape, size_t element_size, uint64_t& numel,
                  uint64_t& nbytes) {
  uint64_t n = 1;
  for (int64_t dim : shape) {
    if (__builtin_mul_overflow(n, static_cast<uint64_t>(dim), &n)) return false;
  }
  uint64_t bytes;
  if (__builtin_mul_overflow(n, static_cast<uint64_t>(element_size), &bytes)) return false;
  if (bytes > static_cast<uint64_t>(INT64_MAX)) return false;
  numel = n;
  nbytes = bytes;
  return true;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// A JSON value as a non-negative integer; false for negatives, floats and non-numbers.
bool as_u64(const Json& v, uint64_t& out) {
  if (v.is_number_unsigned()) {
    out = v.get<uint64_t>();
    return true;
  }
  if (v.is_number_integer() && v.get<int64_t>() >= 0) {
    out = static_cast<uint64_t>(v.get<int64_t>());
    return true;
  }
  return false;
}

std::string short_dump(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

// Parses the JSON header. nlohmann keeps the last of duplicate keys silently, so duplicates are
// found with the parser callback and rejected: two tensors with one name are always a broken file.
Json parse_header(std::string_view text, const std::string& source) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  bool duplicate_is_tensor = false;
  auto on_event = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!open_objects.empty() && parsed.is_string() && duplicate.empty() &&
            !open_objects.back().insert(parsed.get<std::string>()).second) {
          duplicate = parsed.get<std::string>();
          duplicate_is_tensor = open_objects.size() == 1;
        }
        break;
      default:
        break;
    }
    return true;
  };
  Json header;
  try {
    header = Json::parse(text.begin(), text.end(), on_event);
  } catch (const Json::exception& e) {
    std::string what = e.what();
    auto pos = what.find("] ");
    if (pos != std::string::npos) what = what.substr(pos + 2);
    throw Error(source + ": safetensors header is not valid JSON (" + what + ")");
  }
  if (!duplicate.empty()) {
    throw Error(source + ": safetensors header has a duplicate " +
                (duplicate_is_tensor ? "tensor name '" : "key '") + duplicate + "'");
  }
  if (!header.is_object()) {
    throw Error(source + ": safetensors header must be a JSON object, got " +
                json_type_name(header));
  }
  return header;
}

}  // namespace

const char* dtype_name(Dtype dtype) { return info(dtype).name; }

size_t dtype_size(Dtype dtype) { return info(dtype).size; }

bool parse_dtype(std::string_view name, Dtype& dtype) {
  for (const auto& d : kDtypes) {
    if (name == d.name) {
      dtype = d.dtype;
      return true;
    }
  }
  return false;
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t dim : shape) n *= dim;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Reading

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  SafetensorsFile file;
  file.source_ = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path + ": cannot open safetensors file (" + std::strerror(errno) + ")");
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(path + ": not a regular file");
  }
  size_t size = static_cast<size_t>(st.st_size);
  if (size < 8) {
    ::close(fd);
    throw Error(path + ": truncated safetensors file: " + std::to_string(size) +
                " bytes, but the format starts with an 8-byte header size");
  }
  void* mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int mmap_errno = errno;
  ::close(fd);
  if (mapping == MAP_FAILED) {
    throw Error(path + ": cannot memory-map file (" + std::strerror(mmap_errno) + ")");
  }
  file.mapping_ = mapping;
  file.mapping_size_ = size;
  // On a validation error `file` is destroyed here, which unmaps.
  file.validate(std::string_view(static_cast<const char*>(mapping), size));
  return file;
}

SafetensorsFile SafetensorsFile::parse(std::string_view bytes, const std::string& source) {
  SafetensorsFile file;
  file.source_ = source;
  file.validate(bytes);
  return file;
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&& other) noexcept { *this = std::move(other); }

SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&& other) noexcept {
  if (this != &other) {
    unmap();
    source_ = std::move(other.source_);
    buffer_ = other.buffer_;
    mapping_ = other.mapping_;
    mapping_size_ = other.mapping_size_;
    names_ = std::move(other.names_);
    entries_ = std::move(other.entries_);
    metadata_ = std::move(other.metadata_);
    other.buffer_ = nullptr;
    other.mapping_ = nullptr;
    other.mapping_size_ = 0;
  }
  return *this;
}

SafetensorsFile::~SafetensorsFile() { unmap(); }

void SafetensorsFile::unmap() {
  if (mapping_) ::munmap(mapping_, mapping_size_);
  mapping_ = nullptr;
  mapping_size_ = 0;
}

TensorView SafetensorsFile::tensor(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    throw Error(source_ + ": no tensor '" + name + "' (the file has " +
                std::to_string(names_.size()) + " tensors)");
  }
  const Entry& e = it->second;
  TensorView view;
  view.dtype = e.dtype;
  view.shape = e.shape;
  view.data = buffer_ + e.begin;
  view.nbytes = static_cast<size_t>(e.end - e.begin);
  return view;
}

namespace {

// A tensor's header entry (SafetensorsFile::Entry, before it is stored).
struct ParsedEntry {
  Dtype dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

// One tensor's header entry, checked: the fields, the dtype, the shape, and offsets that lie in the
// buffer and match the shape's size. Throws Error prefixed with `where`.
ParsedEntry parse_entry(const std::string& where, const Json& value, uint64_t buffer_size) {
  if (!value.is_object()) {
    throw Error(where + ": expected an object with dtype, shape and data_offsets, got " +
                json_type_name(value));
  }
  for (auto f = value.begin(); f != value.end(); ++f) {
    if (f.key() != "dtype" && f.key() != "shape" && f.key() != "data_offsets") {
      throw Error(where + ": unknown field '" + f.key() +
                  "' (expected dtype, shape, data_offsets)");
    }
  }
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (!value.contains(field)) throw Error(where + ": missing field '" + field + "'");
  }

  ParsedEntry entry;
  const Json& dtype = value["dtype"];
  if (!dtype.is_string()) throw Error(where + ": dtype must be a string, got " + json_type_name(dtype));
  if (!parse_dtype(dtype.get<std::string>(), entry.dtype)) {
    throw Error(where + ": unsupported dtype '" + dtype.get<std::string>() +
                "' (supported: " + supported_dtypes() + ")");
  }

  const Json& shape = value["shape"];
  if (!shape.is_array()) throw Error(where + ": shape must be an array, got " + json_type_name(shape));
  for (size_t i = 0; i < shape.size(); ++i) {
    uint64_t dim;
    if (!as_u64(shape[i], dim) || dim > static_cast<uint64_t>(INT64_MAX)) {
      throw Error(where + ": shape dim " + std::to_string(i) +
                  " must be a non-negative integer, got " + short_dump(shape[i]));
    }
    entry.shape.push_back(static_cast<int64_t>(dim));
  }

  const Json& offsets = value["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !as_u64(offsets[0], entry.begin) ||
      !as_u64(offsets[1], entry.end)) {
    throw Error(where + ": data_offsets must be [begin, end] with non-negative integers, got " +
                short_dump(offsets));
  }
  if (entry.begin > entry.end) {
    throw Error(where + ": data_offsets [" + std::to_string(entry.begin) + ", " +
                std::to_string(entry.end) + "]: end is before begin");
  }
  if (entry.end > buffer_size) {
    throw Error(where + ": data_offsets [" + std::to_string(entry.begin) + ", " +
                std::to_string(entry.end) + "] are out of range: the data buffer has " +
                std::to_string(buffer_size) + " bytes (truncated file?)");
  }
  uint64_t numel = 0, nbytes = 0;
  if (!checked_size(entry.shape, dtype_size(entry.dtype), numel, nbytes)) {
    throw Error(where + ": shape " + shape_string(entry.shape) + " is too large (size overflow)");
  }
  if (nbytes != entry.end - entry.begin) {
    throw Error(where + ": shape " + shape_string(entry.shape) + " with dtype " +
                dtype_name(entry.dtype) + " needs " + std::to_string(nbytes) +
                " bytes, but data_offsets span " + std::to_string(entry.end - entry.begin));
  }
  return entry;
}

// Like the reference implementation, the tensors must tile the buffer exactly: no overlap, no gap
// and no trailing bytes. Zero-size tensors sit anywhere on a boundary. Sorts `parsed` by offset.
void check_tiling(const std::string& src, std::vector<std::pair<std::string, ParsedEntry>>& parsed, uint64_t buffer_size) {
  std::sort(parsed.begin(), parsed.end(), [](const auto& a, const auto& b) {
    if (a.second.begin != b.second.begin) return a.second.begin < b.second.begin;
    if (a.second.end != b.second.end) return a.second.end < b.second.end;
    return a.first < b.first;
  });
  uint64_t covered = 0;
  std::string previous;
  for (const auto& [name, entry] : parsed) {
    if (entry.begin < covered) {
      throw Error(src + ": tensor '" + name + "': data_offsets [" + std::to_string(entry.begin) +
                  ", " + std::to_string(entry.end) + "] overlap tensor '" + previous + "'");
    }
    if (entry.begin > covered) {
      throw Error(src + ": gap of " + std::to_string(entry.begin - covered) +
                  " unused bytes in the data buffer before tensor '" + name +
                  "' (safetensors data must be contiguous)");
    }
    if (entry.end > entry.begin) previous = name;
    covered = entry.end;
  }
  if (covered != buffer_size) {
    throw Error(src + ": data buffer has " + std::to_string(buffer_size) + " bytes but tensors cover " +
                std::to_string(covered) + " (" + std::to_string(buffer_size - covered) +
                " trailing bytes not covered by any tensor)");
  }
}

}  // namespace

void SafetensorsFile::validate(std::string_view bytes) {
  const std::string& src = source_;
  if (bytes.size() < 8) {
    throw Error(src + ": truncated safetensors file: " + std::to_string(bytes.size()) +
                " bytes, but the format starts with an 8-byte header size");
  }
  const auto* base = reinterpret_cast<const uint8_t*>(bytes.data());
  uint64_t header_size = read_u64_le(base);
  if (header_size > kSafetensorsMaxHeaderBytes) {
    throw Error(src + ": safetensors header size " + std::to_string(header_size) +
                " exceeds the limit of " + std::to_string(kSafetensorsMaxHeaderBytes) +
                " bytes (corrupt file, or not a safetensors file?)");
  }
  if (header_size > bytes.size() - 8) {
    throw Error(src + ": truncated safetensors file: header size " + std::to_string(header_size) +
                " but only " + std::to_string(bytes.size() - 8) + " bytes follow");
  }
  const uint64_t buffer_size = bytes.size() - 8 - header_size;
  buffer_ = base + 8 + header_size;

  Json header = parse_header(bytes.substr(8, header_size), src);

  std::vector<std::pair<std::string, ParsedEntry>> parsed;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const Json& value = it.value();
    if (name == "__metadata__") {
      if (value.is_null()) continue;
      if (!value.is_object()) {
        throw Error(src + ": '__metadata__' must be an object of strings, got " +
                    json_type_name(value));
      }
      for (auto m = value.begin(); m != value.end(); ++m) {
        if (!m.value().is_string()) {
          throw Error(src + ": '__metadata__' value of '" + m.key() + "' must be a string, got " +
                      json_type_name(m.value()));
        }
        metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    parsed.emplace_back(name, parse_entry(src + ": tensor '" + name + "'", value, buffer_size));
  }

  check_tiling(src, parsed, buffer_size);
  names_.reserve(parsed.size());
  entries_.reserve(parsed.size());
  for (auto& [name, entry] : parsed) {
    names_.push_back(name);
    entries_.emplace(name, Entry{entry.dtype, std::move(entry.shape), entry.begin, entry.end});
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

void SafetensorsWriter::add(const std::string& name, Dtype dtype, std::vector<int64_t> shape,
                            std::string bytes) {
  auto owned = std::make_shared<std::string>(std::move(bytes));
  const void* data = owned->data();
  size_t nbytes = owned->size();
  add_view(name, dtype, std::move(shape), data, nbytes, std::move(owned));
}

void SafetensorsWriter::add_view(const std::string& name, Dtype dtype, std::vector<int64_t> shape,
                                 const void* data, size_t nbytes,
                                 std::shared_ptr<const void> owner) {
  const std::string where = "safetensors writer: tensor '" + name + "'";
  if (name == "__metadata__") throw Error(where + ": the name is reserved for metadata");
  if (index_.count(name)) throw Error(where + ": added twice");
  for (int64_t dim : shape) {
    if (dim < 0) throw Error(where + ": negative dim in shape " + shape_string(shape));
  }
  uint64_t numel = 0, expected = 0;
  if (!checked_size(shape, dtype_size(dtype), numel, expected)) {
    throw Error(where + ": shape " + shape_string(shape) + " is too large (size overflow)");
  }
  if (expected != nbytes) {
    throw Error(where + ": shape " + shape_string(shape) + " with dtype " + dtype_name(dtype) +
                " needs " + std::to_string(expected) + " bytes, got " + std::to_string(nbytes));
  }
  check_internal(data != nullptr || nbytes == 0, where + ": null data");
  index_.emplace(name, tensors_.size());
  tensors_.push_back(Pending{name, dtype, std::move(shape), data, nbytes, std::move(owner)});
}

void SafetensorsWriter::set_metadata(const std::string& key, const std::string& value) {
  metadata_[key] = value;
}

std::string SafetensorsWriter::header_for(std::vector<const Pending*>& order) const {
  order.clear();
  for (const auto& t : tensors_) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](const Pending* a, const Pending* b) {
    size_t sa = dtype_size(a->dtype), sb = dtype_size(b->dtype);
    if (sa != sb) return sa > sb;
    return a->name < b->name;
  });
  Json header = Json::object();
  if (!metadata_.empty()) header["__metadata__"] = metadata_;
  uint64_t offset = 0;
  for (const Pending* t : order) {
    header[t->name] = {{"dtype", dtype_name(t->dtype)},
                       {"shape", t->shape},
                       {"data_offsets", {offset, offset + t->nbytes}}};
    offset += t->nbytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const Json::exception&) {
    throw Error("safetensors writer: a tensor name or metadata string is not valid UTF-8");
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

void SafetensorsWriter::write_to(std::ostream& out, const std::string& where) const {
  std::vector<const Pending*> order;
  std::string header;
  try {
    header = header_for(order);
  } catch (const Error& e) {
    throw Error(where + ": " + e.what());
  }
  uint8_t size_bytes[8];
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) size_bytes[i] = static_cast<uint8_t>(n >> (8 * i));
  out.write(reinterpret_cast<const char*>(size_bytes), 8);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  for (const Pending* t : order) {
    out.write(static_cast<const char*>(t->data), static_cast<std::streamsize>(t->nbytes));
  }
}

void SafetensorsWriter::write(const std::string& path) const {
  AtomicFile file(path);
  write_to(file.stream(), path);
  file.commit();
}

std::string SafetensorsWriter::serialize() const {
  std::ostringstream out;
  write_to(out, "<memory>");
  return out.str();
}

}  // namespace gr2
