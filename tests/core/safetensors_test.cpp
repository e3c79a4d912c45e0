// Tests for safetensors reading/writing: round trips of every dtype, every validation rule, the
// torch conversion, and a cross-check against an independent Python (struct + json + numpy) writer
// and reader run by Debian's /usr/bin/python3.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "gr2/core/safetensors.h"
#include "gr2/core/safetensors_torch.h"
#include "test_util.h"

namespace gr2 {
namespace {

// Little-endian bytes of a trivially copyable array.
template <typename T>
std::string bytes_of(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

// A safetensors file from a raw header text and data buffer; `declared_size` overrides the
// header-size prefix (to build truncated or oversized files).
std::string raw_file(const std::string& header, const std::string& buffer,
                     int64_t declared_size = -1) {
  uint64_t n = declared_size >= 0 ? static_cast<uint64_t>(declared_size) : header.size();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + buffer;
}

// Asserts that parsing `bytes` fails with a message containing `fragment` and the source name.
void expect_parse_error(const std::string& bytes, const std::string& fragment) {
  expect_error([&] { SafetensorsFile::parse(bytes, "bad.safetensors"); }, "bad.safetensors: ");
  expect_error([&] { SafetensorsFile::parse(bytes, "bad.safetensors"); }, fragment);
}

TEST(SafetensorsDtype, NamesSizesAndParsing) {
  const std::vector<std::pair<Dtype, size_t>> all = {
      {Dtype::F64, 8}, {Dtype::F32, 4}, {Dtype::F16, 2}, {Dtype::BF16, 2}, {Dtype::I64, 8},
      {Dtype::I32, 4}, {Dtype::I16, 2}, {Dtype::I8, 1},  {Dtype::U8, 1},   {Dtype::BOOL, 1}};
  for (const auto& [dtype, size] : all) {
    EXPECT_EQ(dtype_size(dtype), size) << dtype_name(dtype);
    Dtype parsed = Dtype::F32;
    ASSERT_TRUE(parse_dtype(dtype_name(dtype), parsed)) << dtype_name(dtype);
    EXPECT_EQ(parsed, dtype);
  }
  Dtype unchanged = Dtype::I8;
  EXPECT_FALSE(parse_dtype("F8_E4M3", unchanged));
  EXPECT_FALSE(parse_dtype("f32", unchanged));
  EXPECT_EQ(unchanged, Dtype::I8);
}

// One tensor of every dtype plus a 0-d and a zero-size tensor, with metadata.
SafetensorsWriter every_dtype_writer() {
  SafetensorsWriter w;
  w.add("f64", Dtype::F64, {2}, bytes_of<double>({1.5, -2.25}));
  w.add("f32", Dtype::F32, {2, 2}, bytes_of<float>({1.f, -2.f, 3.5f, 1e-30f}));
  w.add("f16", Dtype::F16, {3}, bytes_of<uint16_t>({0x3c00, 0xc000, 0x7bff}));   // 1, -2, 65504
  w.add("bf16", Dtype::BF16, {1, 3}, bytes_of<uint16_t>({0x3f80, 0xc040, 0x0000}));  // 1, -3, 0
  w.add("i64", Dtype::I64, {2}, bytes_of<int64_t>({INT64_MIN, INT64_MAX}));
  w.add("i32", Dtype::I32, {3}, bytes_of<int32_t>({-7, 0, 123456789}));
  w.add("i16", Dtype::I16, {2}, bytes_of<int16_t>({-32768, 32767}));
  w.add("i8", Dtype::I8, {2, 1}, bytes_of<int8_t>({-128, 127}));
  w.add("u8", Dtype::U8, {4}, bytes_of<uint8_t>({0, 1, 200, 255}));
  w.add("bool", Dtype::BOOL, {3}, bytes_of<uint8_t>({1, 0, 1}));
  w.add("scalar", Dtype::F32, {}, bytes_of<float>({42.5f}));
  w.add("empty", Dtype::F32, {0, 3}, "");
  w.set_metadata("format", "pt");
  w.set_metadata("note", "caf\xc3\xa9 \"quoted\"");
  return w;
}

void expect_every_dtype(const SafetensorsFile& file) {
  EXPECT_EQ(file.size(), 12u);
  EXPECT_EQ(file.metadata().size(), 2u);
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.metadata().at("note"), "caf\xc3\xa9 \"quoted\"");
  struct Case { const char* name; Dtype dtype; std::vector<int64_t> shape; std::string bytes; };
  const std::vector<Case> cases = {
      {"f64", Dtype::F64, {2}, bytes_of<double>({1.5, -2.25})},
      {"f32", Dtype::F32, {2, 2}, bytes_of<float>({1.f, -2.f, 3.5f, 1e-30f})},
      {"f16", Dtype::F16, {3}, bytes_of<uint16_t>({0x3c00, 0xc000, 0x7bff})},
      {"bf16", Dtype::BF16, {1, 3}, bytes_of<uint16_t>({0x3f80, 0xc040, 0x0000})},
      {"i64", Dtype::I64, {2}, bytes_of<int64_t>({INT64_MIN, INT64_MAX})},
      {"i32", Dtype::I32, {3}, bytes_of<int32_t>({-7, 0, 123456789})},
      {"i16", Dtype::I16, {2}, bytes_of<int16_t>({-32768, 32767})},
      {"i8", Dtype::I8, {2, 1}, bytes_of<int8_t>({-128, 127})},
      {"u8", Dtype::U8, {4}, bytes_of<uint8_t>({0, 1, 200, 255})},
      {"bool", Dtype::BOOL, {3}, bytes_of<uint8_t>({1, 0, 1})},
      {"scalar", Dtype::F32, {}, bytes_of<float>({42.5f})},
      {"empty", Dtype::F32, {0, 3}, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(file.has(c.name));
    TensorView v = file.tensor(c.name);
    EXPECT_EQ(v.dtype, c.dtype);
    EXPECT_EQ(v.shape, c.shape);
    EXPECT_EQ(v.nbytes, c.bytes.size());
    EXPECT_EQ(v.numel() * static_cast<int64_t>(dtype_size(v.dtype)), static_cast<int64_t>(v.nbytes));
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(v.data), v.nbytes), c.bytes);
  }
  EXPECT_EQ(file.tensor("scalar").numel(), 1);
  EXPECT_EQ(file.tensor("empty").numel(), 0);
}

TEST(SafetensorsFormat, RoundTripEveryDtypeInMemory) {
  std::string bytes = every_dtype_writer().serialize();
  SafetensorsFile file = SafetensorsFile::parse(bytes);
  expect_every_dtype(file);
  EXPECT_FALSE(file.has("missing"));
  expect_error([&] { file.tensor("missing"); }, "<memory>: no tensor 'missing'");
}

TEST(SafetensorsFormat, RoundTripEveryDtypeThroughMmap) {
  TempDir dir;
  std::string path = dir.path("all.safetensors");
  every_dtype_writer().write(path);
  SafetensorsFile file = SafetensorsFile::open(path);
  EXPECT_EQ(file.source(), path);
  expect_every_dtype(file);
  // Moving keeps the mapping valid.
  SafetensorsFile moved = std::move(file);
  expect_every_dtype(moved);
}

TEST(SafetensorsFormat, LayoutIsPaddedSortedAndIndependentOfInsertionOrder) {
  SafetensorsWriter a;
  a.add("z_byte", Dtype::U8, {3}, "abc");
  a.add("b_float", Dtype::F32, {1}, bytes_of<float>({1.f}));
  a.add("a_double", Dtype::F64, {1}, bytes_of<double>({2.0}));
  a.add("c_float", Dtype::F32, {1}, bytes_of<float>({3.f}));
  SafetensorsWriter b;
  b.add("c_float", Dtype::F32, {1}, bytes_of<float>({3.f}));
  b.add("a_double", Dtype::F64, {1}, bytes_of<double>({2.0}));
  b.add("z_byte", Dtype::U8, {3}, "abc");
  b.add("b_float", Dtype::F32, {1}, bytes_of<float>({1.f}));
  std::string bytes = a.serialize();
  EXPECT_EQ(bytes, b.serialize());

  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
  std::string header = bytes.substr(8, n);
  EXPECT_EQ(header.front(), '{');
  // Only spaces after the closing brace.
  size_t close = header.rfind('}');
  EXPECT_EQ(header.find_first_not_of(' ', close + 1), std::string::npos);
  EXPECT_LT(header.size() - close - 1, 8u);
  EXPECT_EQ(bytes.size(), 8 + n + 8 + 4 + 4 + 3);

  SafetensorsFile file = SafetensorsFile::parse(bytes);
  // Largest element size first, then by name; names() follows data order.
  EXPECT_EQ(file.names(), (std::vector<std::string>{"a_double", "b_float", "c_float", "z_byte"}));
  EXPECT_EQ(file.tensor("a_double").data, reinterpret_cast<const uint8_t*>(bytes.data()) + 8 + n);
  EXPECT_TRUE(file.metadata().empty());
  EXPECT_EQ(header.find("__metadata__"), std::string::npos);
}

TEST(SafetensorsFormat, EmptyFileWithNoTensors) {
  SafetensorsWriter w;
  std::string bytes = w.serialize();
  EXPECT_EQ(bytes.size(), 16u);  // 8-byte size + "{}" padded to 8
  SafetensorsFile file = SafetensorsFile::parse(bytes);
  EXPECT_EQ(file.size(), 0u);
}

TEST(SafetensorsFormat, AcceptsNullMetadataAndUnpaddedHeader) {
  std::string bytes = raw_file(R"({"__metadata__":null,"x":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})",
                               "ab");
  SafetensorsFile file = SafetensorsFile::parse(bytes);
  EXPECT_TRUE(file.metadata().empty());
  EXPECT_EQ(file.tensor("x").nbytes, 2u);
}

TEST(SafetensorsWriting, RejectsBadTensors) {
  SafetensorsWriter w;
  w.add("a", Dtype::F32, {2}, bytes_of<float>({1.f, 2.f}));
  expect_error([&] { w.add("a", Dtype::F32, {1}, bytes_of<float>({1.f})); }, "tensor 'a': added twice");
  expect_error([&] { w.add("b", Dtype::F32, {3}, bytes_of<float>({1.f, 2.f})); },
               "tensor 'b': shape [3] with dtype F32 needs 12 bytes, got 8");
  expect_error([&] { w.add("c", Dtype::U8, {-1}, ""); }, "negative dim");
  expect_error([&] { w.add("__metadata__", Dtype::U8, {0}, ""); }, "reserved");
  expect_error([&] { w.add("d", Dtype::F64, {int64_t(1) << 62, 4}, ""); }, "size overflow");
  EXPECT_EQ(w.size(), 1u);

  SafetensorsWriter bad_utf8;
  bad_utf8.add("bad\xff", Dtype::U8, {0}, "");
  TempDir dir;
  std::string path = dir.path("bad.safetensors");
  expect_error([&] { bad_utf8.write(path); }, path + ": safetensors writer: a tensor name or metadata");
  EXPECT_FALSE(file_exists(path));
  expect_error([&] { bad_utf8.write("/nonexistent-dir/x.safetensors"); }, "cannot open for writing");
}

// --- Validation: every malformed input is an Error naming the source and the problem. ---------

const std::string kTensorA = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";

TEST(SafetensorsValidation, TruncatedFiles) {
  expect_parse_error("", "truncated safetensors file: 0 bytes");
  expect_parse_error(std::string("\x10\0\0", 3), "truncated safetensors file: 3 bytes");
  std::string header = "{" + kTensorA + "}";
  expect_parse_error(raw_file(header, std::string(8, '\0'), header.size() + 20),
                     "truncated safetensors file: header size");
  // Header complete, data cut short.
  expect_parse_error(raw_file(header, std::string(5, '\0')), "out of range: the data buffer has 5 bytes");
}

TEST(SafetensorsValidation, HeaderSizeOverLimit) {
  expect_parse_error(raw_file("{}", "", 100'000'001), "exceeds the limit of 100000000 bytes");
  expect_parse_error(raw_file("{}", "", INT64_MAX), "exceeds the limit");
}

TEST(SafetensorsValidation, HeaderNotJsonOrNotObject) {
  expect_parse_error(raw_file("{\"a\":", ""), "header is not valid JSON");
  expect_parse_error(raw_file("", ""), "header is not valid JSON");
  expect_parse_error(raw_file("{\"\xff\":1}", ""), "header is not valid JSON");
  expect_parse_error(raw_file("[1,2]", ""), "header must be a JSON object, got an array");
  expect_parse_error(raw_file("{\"a\":3}", ""), "tensor 'a': expected an object");
}

TEST(SafetensorsValidation, UnknownDtype) {
  expect_parse_error(raw_file(R"({"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", "x"),
                     "tensor 'a': unsupported dtype 'F8_E4M3' (supported: F64, F32");
  expect_parse_error(raw_file(R"({"a":{"dtype":4,"shape":[1],"data_offsets":[0,1]}})", "x"),
                     "tensor 'a': dtype must be a string");
}

TEST(SafetensorsValidation, BadShapes) {
  expect_parse_error(raw_file(R"({"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}})", ""),
                     "tensor 'a': shape dim 0 must be a non-negative integer, got -1");
  expect_parse_error(raw_file(R"({"a":{"dtype":"U8","shape":[1,2.5],"data_offsets":[0,0]}})", ""),
                     "shape dim 1 must be a non-negative integer, got 2.5");
  expect_parse_error(raw_file(R"({"a":{"dtype":"U8","shape":["2"],"data_offsets":[0,0]}})", ""),
                     "shape dim 0 must be a non-negative integer");
  expect_parse_error(raw_file(R"({"a":{"dtype":"U8","shape":[18446744073709551615],"data_offsets":[0,0]}})", ""),
                     "shape dim 0 must be a non-negative integer");
  expect_parse_error(raw_file(R"({"a":{"dtype":"U8","shape":2,"data_offsets":[0,2]}})", "xx"),
                     "shape must be an array");
}

TEST(SafetensorsValidation, SizeOverflowInShapeProduct) {
  expect_parse_error(
      raw_file(R"({"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}})", ""),
      "tensor 'a': shape [4611686018427387904, 4] is too large (size overflow)");
  // Fits in u64 elements but not in bytes.
  expect_parse_error(
      raw_file(R"({"a":{"dtype":"F64","shape":[4294967296,4294967295],"data_offsets":[0,0]}})", ""),
      "size overflow");
}

TEST(SafetensorsValidation, ShapeTimesDtypeMustMatchSpan) {
  expect_parse_error(raw_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0')),
                     "tensor 'a': shape [3] with dtype F32 needs 12 bytes, but data_offsets span 8");
}

TEST(SafetensorsValidation, BadOffsets) {
  expect_parse_error(raw_file(R"({"a":{"dtype":"U8","shape":[0],"data_offsets":[4,2]}})", "xxxx"),
                     "tensor 'a': data_offsets [4, 2]: end is before begin");
  expect_parse_error(raw_file(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2,4]}})", "xx"),
                     "data_offsets must be [begin, end]");
  expect_parse_error(raw_file(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[-2,0]}})", "xx"),
                     "data_offsets must be [begin, end]");
  expect_parse_error(raw_file(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[8,10]}})", "xx"),
                     "tensor 'a': data_offsets [8, 10] are out of range");
  expect_parse_error(
      raw_file(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[18446744073709551615,1]}})", "xx"),
      "end is before begin");
}

TEST(SafetensorsValidation, OverlapGapAndTrailingBytes) {
  expect_parse_error(raw_file(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                              R"("b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})", "xxxx"),
                     "tensor 'b': data_offsets [2, 4] overlap tensor 'a'");
  expect_parse_error(raw_file(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                              R"("b":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})", "xx"),
                     "overlap tensor 'a'");
  expect_parse_error(raw_file(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                              R"("b":{"dtype":"U8","shape":[2],"data_offsets":[3,5]}})", "xxxxx"),
                     "gap of 1 unused bytes in the data buffer before tensor 'b'");
  expect_parse_error(raw_file(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})", "xxxx"),
                     "data buffer has 4 bytes but tensors cover 2 (2 trailing bytes");
  expect_parse_error(raw_file("{}", "x"), "data buffer has 1 bytes but tensors cover 0");
  // A zero-size tensor on a boundary is fine, inside another tensor it overlaps.
  SafetensorsFile ok = SafetensorsFile::parse(
      raw_file(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
               R"("e":{"dtype":"F32","shape":[0],"data_offsets":[2,2]}})", "xx"));
  EXPECT_EQ(ok.names(), (std::vector<std::string>{"a", "e"}));
  expect_parse_error(raw_file(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                              R"("e":{"dtype":"F32","shape":[0],"data_offsets":[1,1]}})", "xx"),
                     "tensor 'e': data_offsets [1, 1] overlap tensor 'a'");
}

TEST(SafetensorsValidation, DuplicateNamesAndKeys) {
  expect_parse_error(raw_file("{" + kTensorA + "," + kTensorA + "}", std::string(8, '\0')),
                     "duplicate tensor name 'a'");
  expect_parse_error(raw_file(R"({"a":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}})", "x"),
                     "duplicate key 'dtype'");
}

TEST(SafetensorsValidation, MissingAndUnknownFields) {
  expect_parse_error(raw_file(R"({"a":{"dtype":"U8","shape":[1]}})", "x"),
                     "tensor 'a': missing field 'data_offsets'");
  expect_parse_error(raw_file(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":1}})", "x"),
                     "tensor 'a': unknown field 'x'");
}

TEST(SafetensorsValidation, MetadataMustMapStringsToStrings) {
  expect_parse_error(raw_file(R"({"__metadata__":{"k":1}})", ""),
                     "'__metadata__' value of 'k' must be a string, got an integer");
  expect_parse_error(raw_file(R"({"__metadata__":["a"]})", ""),
                     "'__metadata__' must be an object of strings, got an array");
}

TEST(SafetensorsValidation, OpenNamesThePath) {
  TempDir dir;
  expect_error([&] { SafetensorsFile::open(dir.path("missing.safetensors")); },
               dir.path("missing.safetensors") + ": cannot open safetensors file");
  std::string empty = dir.write("empty.safetensors", "");
  expect_error([&] { SafetensorsFile::open(empty); }, empty + ": truncated safetensors file: 0 bytes");
  std::string bad = dir.write("bad.safetensors", raw_file("{\"a\":[]}", ""));
  expect_error([&] { SafetensorsFile::open(bad); }, bad + ": tensor 'a': expected an object");
  std::string cut = every_dtype_writer().serialize();
  std::string truncated = dir.write("cut.safetensors", cut.substr(0, cut.size() - 3));
  expect_error([&] { SafetensorsFile::open(truncated); }, truncated + ": ");
  expect_error([&] { SafetensorsFile::open(dir.path()); }, "not a regular file");
}

// Every single-byte truncation of a valid file is rejected (never accepted, never crashes).
TEST(SafetensorsValidation, EveryTruncationIsRejected) {
  std::string bytes = every_dtype_writer().serialize();
  for (size_t len = 0; len < bytes.size(); ++len) {
    EXPECT_THROW(SafetensorsFile::parse(std::string_view(bytes.data(), len)), Error) << len;
  }
}

// --- Torch conversion ---------------------------------------------------------------------------

TEST(SafetensorsTorch, RoundTripEveryTorchDtype) {
  std::map<std::string, torch::Tensor> tensors = {
      {"f64", torch::tensor({1.5, -2.25}, torch::kFloat64)},
      {"f32", torch::arange(6, torch::kFloat32).reshape({2, 3}) * 0.5 - 1},
      {"f16", torch::tensor({1.0, -2.0, 65504.0}).to(torch::kFloat16)},
      {"bf16", torch::tensor({1.0, -3.0, 0.0078125}).to(torch::kBFloat16)},
      {"i64", torch::tensor({INT64_MIN, int64_t(0), INT64_MAX}, torch::kInt64)},
      {"i32", torch::tensor({-7, 0, 123456789}, torch::kInt32)},
      {"i16", torch::tensor({-32768, 32767}, torch::kInt16)},
      {"i8", torch::tensor({-128, 127}, torch::kInt8)},
      {"u8", torch::tensor({0, 200, 255}, torch::kUInt8)},
      {"bool", torch::tensor({true, false, true})},
      {"scalar", torch::tensor(3.25)},
      {"empty", torch::zeros({0, 4})},
  };
  TempDir dir;
  std::string path = dir.path("t.safetensors");
  save_tensors(path, tensors, {{"format", "pt"}});
  auto loaded = load_tensors(path);
  ASSERT_EQ(loaded.size(), tensors.size());
  for (const auto& [name, expected] : tensors) {
    SCOPED_TRACE(name);
    const torch::Tensor& got = loaded.at(name);
    EXPECT_EQ(got.scalar_type(), expected.scalar_type());
    EXPECT_EQ(got.sizes(), expected.sizes());
    EXPECT_TRUE(torch::equal(got, expected));
  }
  EXPECT_EQ(loaded.at("scalar").dim(), 0);
  EXPECT_EQ(SafetensorsFile::open(path).metadata().at("format"), "pt");
}

TEST(SafetensorsTorch, NonContiguousAndGradTensorsAreStoredByValue) {
  torch::Tensor base = torch::arange(12, torch::kFloat32).reshape({3, 4});
  torch::Tensor transposed = base.t();      // [4, 3], not contiguous
  torch::Tensor sliced = base.index({torch::indexing::Slice(), torch::indexing::Slice(1, 3)});
  torch::Tensor param = torch::ones({2}, torch::requires_grad());
  SafetensorsWriter writer;
  add_tensor(writer, "t", transposed);
  add_tensor(writer, "s", sliced);
  add_tensor(writer, "p", param);
  expect_error([&] { add_tensor(writer, "t", base); }, "added twice");
  expect_error([&] { add_tensor(writer, "c", torch::zeros({2}, torch::kComplexFloat)); },
               "cannot be stored");
  std::string bytes = writer.serialize();
  SafetensorsFile file = SafetensorsFile::parse(bytes);
  EXPECT_TRUE(torch::equal(to_tensor(file.tensor("t")), transposed));
  EXPECT_TRUE(torch::equal(to_tensor(file.tensor("s")), sliced));
  torch::Tensor p = to_tensor(file.tensor("p"));
  EXPECT_FALSE(p.requires_grad());
  EXPECT_TRUE(torch::equal(p, torch::ones({2})));
}

TEST(SafetensorsTorch, ToTensorCopiesAndNormalisesBool) {
  std::string bytes = raw_file(R"({"b":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})",
                               std::string("\x00\x02\x01", 3));
  torch::Tensor b;
  {
    SafetensorsFile file = SafetensorsFile::parse(bytes);
    b = to_tensor(file.tensor("b"));
  }
  bytes.assign(bytes.size(), '\0');  // the tensor owns its data
  EXPECT_EQ(b.scalar_type(), torch::kBool);
  EXPECT_TRUE(torch::equal(b, torch::tensor({false, true, true})));
}

// --- Cross-check with an independent Python implementation --------------------------------------

// Writes a safetensors file with struct + json + numpy (torch only to make BF16 bytes) or checks one
// written by gr2, using the same value formulas as expected_tensor() below.
const char* kPythonScript = R"PY(
import json, struct, sys
import numpy as np
import torch

# name -> (dtype, shape, scale, offset); values = arange(numel) * scale + offset
SPECS = {
    "f64":    ("F64",  [2, 3], 0.25, -1),
    "f32":    ("F32",  [3, 2], 1.5, -4),
    "f16":    ("F16",  [4], 0.5, -1),
    "bf16":   ("BF16", [2, 2], 2, -3),
    "i64":    ("I64",  [3], 1000000000000, -7),
    "i32":    ("I32",  [2, 2], 100000, -150000),
    "i16":    ("I16",  [3], 1000, -1000),
    "i8":     ("I8",   [4], 50, -100),
    "u8":     ("U8",   [3], 100, 0),
    "bool":   ("BOOL", [5], 1, 0),
    "scalar": ("F32",  [], 0, 3.25),
    "empty":  ("F32",  [0, 4], 1, 0),
}
NP = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
      "I16": np.int16, "I8": np.int8, "U8": np.uint8}

def values(dtype, shape, scale, offset):
    n = int(np.prod(shape)) if shape else 1
    if dtype in ("I64", "I32", "I16", "I8", "U8"):
        return (np.arange(n, dtype=np.int64) * int(scale) + int(offset)).astype(NP[dtype]).reshape(shape)
    if dtype == "BOOL":
        return (np.arange(n) % 2 == 1).reshape(shape)
    return (np.arange(n, dtype=np.float64) * scale + offset).reshape(shape)

def to_bytes(dtype, v):
    if dtype == "BF16":
        return torch.tensor(v, dtype=torch.float64).to(torch.bfloat16).view(torch.int16).numpy().tobytes()
    if dtype == "BOOL":
        return v.astype(np.uint8).tobytes()
    return v.astype(NP[dtype]).astype("<" + np.dtype(NP[dtype]).str[1:]).tobytes()

def write(path):
    header, chunks, offset = {}, [], 0
    for name in ["u8", "scalar", "bf16", "f64", "empty", "bool", "i8", "f32", "i64", "f16", "i16", "i32"]:
        dtype, shape, scale, offset0 = SPECS[name]
        b = to_bytes(dtype, values(dtype, shape, scale, offset0))
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    header["__metadata__"] = {"format": "np", "writer": "python"}
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))

def check(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0, "header not padded to 8"
    header = json.loads(data[8:8 + n].decode())
    buf = data[8 + n:]
    assert header.pop("__metadata__") == {"format": "gr2", "writer": "c++"}
    assert sorted(header) == sorted(SPECS), sorted(header)
    spans = sorted(tuple(h["data_offsets"]) for h in header.values())
    end = 0
    for b, e in spans:
        assert b == end, "not contiguous"
        end = e
    assert end == len(buf), "buffer not covered"
    for name, h in header.items():
        dtype, shape, scale, offset = SPECS[name]
        assert h["dtype"] == dtype and h["shape"] == shape, (name, h)
        raw = buf[h["data_offsets"][0]:h["data_offsets"][1]]
        if dtype == "BF16":
            got = torch.frombuffer(bytearray(raw), dtype=torch.bfloat16).double().numpy().reshape(shape) if raw else np.zeros(shape)
        elif dtype == "BOOL":
            got = np.frombuffer(raw, dtype=np.uint8).astype(bool).reshape(shape)
        else:
            got = np.frombuffer(raw, dtype=np.dtype(NP[dtype]).newbyteorder("<")).reshape(shape)
        want = values(dtype, shape, scale, offset)
        assert np.array_equal(np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)), (name, got, want)
    print("OK", len(header))

{"write": write, "check": check}[sys.argv[1]](sys.argv[2])
)PY";

// The tensor the Python SPECS describe: arange(numel) * scale + offset in `type`, shaped.
torch::Tensor expected_tensor(const std::string& name) {
  struct Spec { torch::ScalarType type; std::vector<int64_t> shape; double scale; double offset; };
  static const std::map<std::string, Spec> specs = {
      {"f64", {torch::kFloat64, {2, 3}, 0.25, -1}},   {"f32", {torch::kFloat32, {3, 2}, 1.5, -4}},
      {"f16", {torch::kFloat16, {4}, 0.5, -1}},       {"bf16", {torch::kBFloat16, {2, 2}, 2, -3}},
      {"i64", {torch::kInt64, {3}, 1e12, -7}},        {"i32", {torch::kInt32, {2, 2}, 100000, -150000}},
      {"i16", {torch::kInt16, {3}, 1000, -1000}},     {"i8", {torch::kInt8, {4}, 50, -100}},
      {"u8", {torch::kUInt8, {3}, 100, 0}},           {"bool", {torch::kBool, {5}, 1, 0}},
      {"scalar", {torch::kFloat32, {}, 0, 3.25}},     {"empty", {torch::kFloat32, {0, 4}, 1, 0}},
  };
  const Spec& s = specs.at(name);
  int64_t n = 1;
  for (int64_t d : s.shape) n *= d;
  torch::Tensor i = torch::arange(n, torch::kInt64);
  torch::Tensor v;
  if (s.type == torch::kBool) {
    v = i.remainder(2).eq(1);
  } else if (torch::isIntegralType(s.type, false)) {
    v = (i * static_cast<int64_t>(s.scale) + static_cast<int64_t>(s.offset)).to(s.type);
  } else {
    v = (i.to(torch::kFloat64) * s.scale + s.offset).to(s.type);
  }
  return v.reshape(s.shape);
}

TEST(SafetensorsPython, ReadsFileWrittenByIndependentPythonWriter) {
  if (!python_has_torch_and_numpy()) {
    GTEST_SKIP() << kSystemPython << " lacks torch or numpy (apt-get install python3-torch python3-numpy)";
  }
  TempDir dir;
  std::string script = dir.write("st.py", kPythonScript);
  std::string path = dir.path("py.safetensors");
  int status = -1;
  std::string out = run_command(std::string(kSystemPython) + " " + script + " write " + path, status);
  ASSERT_EQ(status, 0) << out;

  SafetensorsFile file = SafetensorsFile::open(path);
  EXPECT_EQ(file.size(), 12u);
  EXPECT_EQ(file.metadata(), (std::map<std::string, std::string>{{"format", "np"}, {"writer", "python"}}));
  // Python wrote in this order; names() follows data order.
  EXPECT_EQ(file.names().front(), "u8");
  EXPECT_EQ(file.names().back(), "i32");
  for (const std::string& name : file.names()) {
    SCOPED_TRACE(name);
    torch::Tensor got = to_tensor(file.tensor(name));
    torch::Tensor want = expected_tensor(name);
    EXPECT_EQ(got.scalar_type(), want.scalar_type());
    EXPECT_EQ(got.sizes(), want.sizes());
    EXPECT_TRUE(torch::equal(got, want)) << got << "\nwant\n" << want;
  }
}

TEST(SafetensorsPython, IndependentPythonReaderReadsGr2File) {
  if (!python_has_torch_and_numpy()) {
    GTEST_SKIP() << kSystemPython << " lacks torch or numpy (apt-get install python3-torch python3-numpy)";
  }
  TempDir dir;
  std::string script = dir.write("st.py", kPythonScript);
  std::string path = dir.path("gr2.safetensors");
  std::map<std::string, torch::Tensor> tensors;
  for (const char* name : {"f64", "f32", "f16", "bf16", "i64", "i32", "i16", "i8", "u8", "bool",
                           "scalar", "empty"}) {
    tensors[name] = expected_tensor(name);
  }
  save_tensors(path, tensors, {{"format", "gr2"}, {"writer", "c++"}});
  int status = -1;
  std::string out = run_command(std::string(kSystemPython) + " " + script + " check " + path, status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("OK 12"), std::string::npos) << out;
}

}  // namespace
}  // namespace gr2
