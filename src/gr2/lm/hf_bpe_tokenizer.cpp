// Hugging Face byte-level BPE tokenizer (see hf_bpe_tokenizer.h): tokenizer.json reading, added-token
// splitting, NFC, PCRE2 pre-tokenization, the byte-to-unicode table and BPE merges.
#include "gr2/lm/hf_bpe_tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/utf8.h"

namespace gr2::lm {
namespace {

using Json = nlohmann::json;

// GPT-2's byte-to-unicode table: printable bytes map to themselves, the other 68 to U+0100.. in order.
std::array<std::string, 256> byte_to_unicode() {
  std::array<std::string, 256> out;
  int next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    const int cp = printable ? b : next++;
    std::string s;
    if (cp < 0x80) {
      s.push_back(static_cast<char>(cp));
    } else {  // < 0x800 for every entry of the table
      s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    out[static_cast<size_t>(b)] = s;
  }
  return out;
}

// GPT-2's pre-tokenizer regex (ByteLevel with use_regex = true).
constexpr const char* kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

struct Regex {
  std::shared_ptr<pcre2_code> code;
};

Regex compile_regex(const std::string& pattern, bool literal, const std::string& where) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  uint32_t options = PCRE2_UTF | PCRE2_UCP | (literal ? PCRE2_LITERAL : 0);
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &error,
                                   &offset, nullptr);
  if (!code) {
    std::array<PCRE2_UCHAR, 256> message{};
    pcre2_get_error_message(error, message.data(), message.size());
    throw Error(where + ": pre-tokenizer regex does not compile at offset " + std::to_string(offset) + ": " +
                reinterpret_cast<const char*>(message.data()));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // best effort: without JIT it still matches, slower
  return Regex{std::shared_ptr<pcre2_code>(code, pcre2_code_free)};
}

// One step of the pre-tokenizer: a regex split (behavior Isolated), or ByteLevel's prefix space and
// optional GPT-2 split.
struct PreTokenizerStep {
  bool prefix_space = false;
  std::optional<Regex> split;
};

// Splits `piece` into the regex's matches and the gaps between them, in order, dropping empty ones.
void split_isolated(const Regex& regex, const std::string& piece, std::vector<std::string>& out) {
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
      pcre2_match_data_create_from_pattern(regex.code.get(), nullptr), pcre2_match_data_free);
  size_t at = 0, gap_start = 0;
  while (at <= piece.size()) {
    const int rc = pcre2_match(regex.code.get(), reinterpret_cast<PCRE2_SPTR>(piece.data()), piece.size(), at,
                               PCRE2_NO_UTF_CHECK, match.get(), nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) throw Error("pre-tokenizer regex failed with PCRE2 error " + std::to_string(rc));
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(match.get());
    const size_t begin = ov[0], end = ov[1];
    if (end == begin) {  // an empty match splits nothing: step over one character
      if (begin >= piece.size()) break;
      at = begin + std::max<size_t>(1, utf8_length(piece, begin));
      continue;
    }
    if (begin > gap_start) out.push_back(piece.substr(gap_start, begin - gap_start));
    out.push_back(piece.substr(begin, end - begin));
    gap_start = at = end;
  }
  if (gap_start < piece.size()) out.push_back(piece.substr(gap_start));
}

std::string nfc(std::string_view text) {
  if (std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
    return std::string(text);
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                          static_cast<utf8proc_ssize_t>(text.size()), &mapped,
                                          static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) throw Error(std::string("NFC normalization failed: ") + utf8proc_errmsg(n));
  std::string out(reinterpret_cast<const char*>(mapped), static_cast<size_t>(n));
  std::free(mapped);
  return out;
}

uint64_t pair_key(int64_t a, int64_t b) { return (static_cast<uint64_t>(a) << 32) | static_cast<uint64_t>(b); }

const Json& field(const Json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key)) throw Error(where + ": missing field '" + key + "'");
  return object.at(key);
}

bool flag(const Json& object, const char* key, bool fallback) {
  if (!object.contains(key) || object.at(key).is_null()) return fallback;
  return object.at(key).get<bool>();
}

void refuse_unless(bool ok, const std::string& where, const std::string& what) {
  if (!ok) throw Error(where + ": " + what + " is not supported (gr2 reads byte-level BPE tokenizers: GPT-2, Qwen2, Qwen3)");
}

}  // namespace

struct HfBpeTokenizer::Impl {
  std::unordered_map<std::string, int64_t> ids;      // spelling -> id (vocabulary and added tokens)
  std::vector<const std::string*> spelling;          // id -> spelling (nullptr: no token)
  std::array<int64_t, 256> byte_ids{};               // id of each byte's single-character token
  std::array<std::string, 256> byte_chars = byte_to_unicode();
  std::unordered_map<std::string, uint8_t> char_bytes;  // byte-level character -> byte
  std::unordered_map<uint64_t, std::pair<int32_t, int64_t>> merges;  // (a, b) -> (rank, merged id)
  bool ignore_merges = false;
  bool nfc = false;
  std::vector<PreTokenizerStep> steps;
  std::vector<AddedToken> added;
  // The added tokens matched on the raw text, and those matched on the normalized text.
  struct AddedIndex {
    std::unordered_map<std::string_view, const AddedToken*> by_content;  // views of AddedToken::content
    std::vector<size_t> lengths;                                         // distinct, descending
    std::array<bool, 256> first_bytes{};
    void add(const AddedToken* t) {
      by_content.emplace(t->content, t);
      if (std::find(lengths.begin(), lengths.end(), t->content.size()) == lengths.end()) {
        lengths.push_back(t->content.size());
        std::sort(lengths.rbegin(), lengths.rend());
      }
      first_bytes[static_cast<unsigned char>(t->content[0])] = true;
    }
  };
  AddedIndex raw_added, normalized_added;
  mutable std::mutex cache_mutex;
  mutable std::unordered_map<std::string, std::vector<int64_t>> cache;  // piece bytes -> ids

  void split_added(const std::string& text, const AddedIndex& index,
                   std::vector<std::pair<std::string, int64_t>>& out) const;
  void encode_piece(const std::string& piece, std::vector<int64_t>& out) const;
  std::vector<int64_t> bpe(const std::string& word) const;
};

// Leftmost-longest matches of the added tokens split `text`; pieces between them get id -1. At each
// position only the tokens' distinct lengths are tried (longest first), each by one hash lookup.
void HfBpeTokenizer::Impl::split_added(const std::string& text, const AddedIndex& index,
                                       std::vector<std::pair<std::string, int64_t>>& out) const {
  size_t start = 0;
  std::string_view view(text);
  for (size_t i = 0; i < text.size() && !index.by_content.empty();) {
    const AddedToken* hit = nullptr;
    if (index.first_bytes[static_cast<unsigned char>(text[i])]) {
      for (size_t length : index.lengths) {  // descending
        if (i + length > text.size()) continue;
        auto it = index.by_content.find(view.substr(i, length));
        if (it != index.by_content.end()) {
          hit = it->second;
          break;
        }
      }
    }
    if (!hit) {
      ++i;
      continue;
    }
    if (i > start) out.emplace_back(text.substr(start, i - start), -1);
    out.emplace_back(std::string(), hit->id);
    i += hit->content.size();
    start = i;
  }
  if (start < text.size()) out.emplace_back(text.substr(start), -1);
}

std::vector<int64_t> HfBpeTokenizer::Impl::bpe(const std::string& word) const {
  if (ignore_merges) {
    std::string chars;
    for (char c : word) chars += byte_chars[static_cast<unsigned char>(c)];
    auto it = ids.find(chars);
    if (it != ids.end()) return {it->second};
  }
  std::vector<int64_t> symbols;
  symbols.reserve(word.size());
  for (char c : word) symbols.push_back(byte_ids[static_cast<unsigned char>(c)]);
  while (symbols.size() > 1) {
    int32_t best_rank = INT32_MAX;
    size_t best = 0;
    int64_t merged = -1;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      auto it = merges.find(pair_key(symbols[i], symbols[i + 1]));
      if (it != merges.end() && it->second.first < best_rank) {
        best_rank = it->second.first;
        best = i;
        merged = it->second.second;
      }
    }
    if (merged < 0) break;
    symbols[best] = merged;
    symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(best) + 1);
  }
  return symbols;
}

// Pre-tokenizes one normalized piece (no added tokens inside) and appends its BPE ids.
void HfBpeTokenizer::Impl::encode_piece(const std::string& piece, std::vector<int64_t>& out) const {
  std::vector<std::string> pieces{piece}, next;
  for (const PreTokenizerStep& step : steps) {
    next.clear();
    for (std::string& p : pieces) {
      if (step.prefix_space && (p.empty() || p[0] != ' ')) p.insert(p.begin(), ' ');
      if (step.split) {
        split_isolated(*step.split, p, next);
      } else {
        next.push_back(std::move(p));
      }
    }
    pieces.swap(next);
  }
  constexpr size_t kMaxCache = 1 << 16;
  for (const std::string& p : pieces) {
    if (p.empty()) continue;
    {
      std::lock_guard<std::mutex> lock(cache_mutex);
      auto it = cache.find(p);
      if (it != cache.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
        continue;
      }
    }
    std::vector<int64_t> word = bpe(p);
    out.insert(out.end(), word.begin(), word.end());
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (cache.size() >= kMaxCache) cache.clear();
    cache.emplace(p, std::move(word));
  }
}

HfBpeTokenizer HfBpeTokenizer::load(const std::string& path) {
  std::string file = path;
  if (std::filesystem::is_directory(path)) file = join_path(path, "tokenizer.json");
  if (!file_exists(file)) throw Error(file + ": no such file (expected a Hugging Face tokenizer.json)");
  Json j;
  try {
    j = Json::parse(read_file(file));
  } catch (const Json::exception& e) {
    throw Error(file + ": not valid JSON: " + e.what());
  }
  return from_json(j, file);
}

namespace {

void read_normalizer(const Json& n, bool& nfc, const std::string& where) {
  if (n.is_null()) return;
  const std::string type = field(n, "type", where + ": normalizer").get<std::string>();
  if (type == "NFC") {
    nfc = true;
    return;
  }
  if (type == "Sequence") {
    for (const Json& inner : field(n, "normalizers", where + ": normalizer")) read_normalizer(inner, nfc, where);
    return;
  }
  refuse_unless(false, where, "normalizer '" + type + "'");
}

void read_pre_tokenizer(const Json& p, std::vector<PreTokenizerStep>& steps, const std::string& where) {
  refuse_unless(!p.is_null(), where, "a tokenizer without pre_tokenizer");
  const std::string type = field(p, "type", where + ": pre_tokenizer").get<std::string>();
  if (type == "Sequence") {
    for (const Json& inner : field(p, "pretokenizers", where + ": pre_tokenizer")) read_pre_tokenizer(inner, steps, where);
    return;
  }
  if (type == "Split") {
    const std::string behavior = field(p, "behavior", where + ": Split").get<std::string>();
    refuse_unless(behavior == "Isolated", where, "Split behavior '" + behavior + "'");
    refuse_unless(!flag(p, "invert", false), where, "Split with invert = true");
    const Json& pattern = field(p, "pattern", where + ": Split");
    PreTokenizerStep step;
    if (pattern.contains("Regex")) {
      step.split = compile_regex(pattern.at("Regex").get<std::string>(), false, where);
    } else {
      step.split = compile_regex(field(pattern, "String", where + ": Split pattern").get<std::string>(), true, where);
    }
    steps.push_back(std::move(step));
    return;
  }
  if (type == "ByteLevel") {
    PreTokenizerStep step;
    step.prefix_space = flag(p, "add_prefix_space", false);
    if (flag(p, "use_regex", true)) step.split = compile_regex(kGpt2Pattern, false, where);
    steps.push_back(std::move(step));
    return;
  }
  refuse_unless(false, where, "pre_tokenizer '" + type + "'");
}

}  // namespace

// A function-try-block: a field of the wrong JSON type anywhere in the file (a number where a string
// belongs, ...) surfaces as nlohmann's type_error; it is bad input naming the file, not an internal
// failure.
HfBpeTokenizer HfBpeTokenizer::from_json(const Json& j, const std::string& where) try {
  auto impl = std::make_shared<Impl>();
  const Json& model = field(j, "model", where);
  const std::string type = model.value("type", std::string("BPE"));
  refuse_unless(type == "BPE", where, "model type '" + type + "'");
  refuse_unless(model.value("dropout", Json()).is_null(), where, "BPE dropout");
  refuse_unless(!flag(model, "byte_fallback", false), where, "byte_fallback = true");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    refuse_unless(!model.contains(key) || model.at(key).is_null() || model.at(key).get<std::string>().empty(), where,
                  std::string("model.") + key);
  }
  impl->ignore_merges = flag(model, "ignore_merges", false);
  read_normalizer(j.value("normalizer", Json()), impl->nfc, where);
  read_pre_tokenizer(j.value("pre_tokenizer", Json()), impl->steps, where);
  const auto type_of = [](const Json& part) {
    return part.is_object() ? part.value("type", std::string("?")) : std::string("null");
  };
  const std::string post = type_of(j.value("post_processor", Json()));
  refuse_unless(post == "null" || post == "ByteLevel", where, "post_processor '" + post + "' (it would add tokens)");
  const std::string decoder = type_of(j.value("decoder", Json()));
  refuse_unless(decoder == "ByteLevel", where, "decoder '" + decoder + "'");

  int64_t size = 0;
  std::unordered_map<int64_t, std::string> by_id;
  for (const auto& [token, id_json] : field(model, "vocab", where).items()) {
    const int64_t id = id_json.get<int64_t>();
    if (id < 0) throw Error(where + ": model.vocab['" + token + "'] has negative id " + std::to_string(id));
    impl->ids[token] = id;
    by_id[id] = token;
    size = std::max(size, id + 1);
  }
  for (const Json& a : j.value("added_tokens", Json::array())) {
    AddedToken t;
    t.id = field(a, "id", where + ": added_tokens").get<int64_t>();
    t.content = field(a, "content", where + ": added_tokens").get<std::string>();
    t.special = flag(a, "special", false);
    t.normalized = flag(a, "normalized", !t.special);
    for (const char* key : {"lstrip", "rstrip", "single_word"}) {
      refuse_unless(!flag(a, key, false), where, std::string("added token '") + t.content + "' with " + key + " = true");
    }
    if (t.content.empty()) throw Error(where + ": added token " + std::to_string(t.id) + " has empty content");
    impl->ids[t.content] = t.id;
    by_id[t.id] = t.content;
    size = std::max(size, t.id + 1);
    impl->added.push_back(std::move(t));
  }
  // Spellings live in `ids`' keys (stable addresses); the id table points at them.
  impl->spelling.assign(static_cast<size_t>(size), nullptr);
  for (const auto& [id, token] : by_id) impl->spelling[static_cast<size_t>(id)] = &impl->ids.find(token)->first;
  for (const AddedToken& t : impl->added) (t.normalized ? impl->normalized_added : impl->raw_added).add(&t);

  for (int b = 0; b < 256; ++b) {
    const std::string& c = impl->byte_chars[static_cast<size_t>(b)];
    impl->char_bytes[c] = static_cast<uint8_t>(b);
    auto it = impl->ids.find(c);
    if (it == impl->ids.end()) {
      throw Error(where + ": model.vocab has no token for byte " + std::to_string(b) + " ('" + c +
                  "'): not a byte-level BPE vocabulary");
    }
    impl->byte_ids[static_cast<size_t>(b)] = it->second;
  }
  int32_t rank = 0;
  for (const Json& m : field(model, "merges", where)) {
    std::string a, b;
    if (m.is_string()) {  // "a b" (tokenizers < 0.20)
      const std::string s = m.get<std::string>();
      const size_t space = s.find(' ');
      if (space == std::string::npos) throw Error(where + ": merge " + std::to_string(rank) + " '" + s + "' is not 'a b'");
      a = s.substr(0, space);
      b = s.substr(space + 1);
    } else if (m.is_array() && m.size() == 2) {  // ["a", "b"]
      a = m[0].get<std::string>();
      b = m[1].get<std::string>();
    } else {
      throw Error(where + ": merge " + std::to_string(rank) + " is neither 'a b' nor [a, b]");
    }
    auto ia = impl->ids.find(a), ib = impl->ids.find(b), ic = impl->ids.find(a + b);
    if (ia == impl->ids.end() || ib == impl->ids.end() || ic == impl->ids.end()) {
      throw Error(where + ": merge " + std::to_string(rank) + " ('" + a + "', '" + b + "') names a token not in model.vocab");
    }
    impl->merges.emplace(pair_key(ia->second, ib->second), std::make_pair(rank, ic->second));  // first rank wins
    ++rank;
  }
  HfBpeTokenizer out;
  out.size_ = size;
  out.impl_ = std::move(impl);
  return out;
} catch (const Json::exception& e) {
  throw Error(where + ": a field has the wrong JSON type or value (" + std::string(e.what()) + ")");
}

std::vector<int64_t> HfBpeTokenizer::encode(std::string_view text) const {
  if (auto bad = first_invalid_utf8(text)) {
    throw Error("text is not valid UTF-8 at byte " + std::to_string(*bad) + " (the tokenizer takes Unicode text)");
  }
  std::vector<int64_t> out;
  std::vector<std::pair<std::string, int64_t>> raw, normalized;
  impl_->split_added(std::string(text), impl_->raw_added, raw);
  for (auto& [piece, id] : raw) {
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    normalized.clear();
    impl_->split_added(impl_->nfc ? nfc(piece) : piece, impl_->normalized_added, normalized);
    for (auto& [inner, inner_id] : normalized) {
      if (inner_id >= 0) {
        out.push_back(inner_id);
      } else {
        impl_->encode_piece(inner, out);
      }
    }
  }
  return out;
}

std::string HfBpeTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::unordered_map<int64_t, const AddedToken*> added;
  for (const AddedToken& t : impl_->added) added[t.id] = &t;
  std::string out;
  for (int64_t id : ids) {
    const std::string& spelling = token(id);
    if (added.count(id)) {
      out += spelling;
      continue;
    }
    // Every character back to its byte; a token with a character outside the table keeps its own
    // UTF-8 bytes (as HF's ByteLevel decoder does).
    std::string bytes;
    bool mapped = true;
    for (size_t i = 0; i < spelling.size() && mapped;) {
      const size_t n = std::max<size_t>(1, utf8_length(spelling, i));
      auto it = impl_->char_bytes.find(spelling.substr(i, n));
      if (it == impl_->char_bytes.end()) {
        mapped = false;
      } else {
        bytes.push_back(static_cast<char>(it->second));
      }
      i += n;
    }
    out += mapped ? bytes : spelling;
  }
  return out;
}

std::optional<int64_t> HfBpeTokenizer::token_id(std::string_view token) const {
  auto it = impl_->ids.find(std::string(token));
  if (it == impl_->ids.end()) return std::nullopt;
  return it->second;
}

const std::string& HfBpeTokenizer::token(int64_t id) const {
  if (id < 0 || id >= size_ || !impl_->spelling[static_cast<size_t>(id)]) {
    throw Error("token id " + std::to_string(id) + " is not in the tokenizer (size " + std::to_string(size_) + ")");
  }
  return *impl_->spelling[static_cast<size_t>(id)];
}

const std::vector<HfBpeTokenizer::AddedToken>& HfBpeTokenizer::added_tokens() const { return impl_->added; }

}  // namespace gr2::lm
