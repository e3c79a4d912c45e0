// The vocabulary: SentencePiece (through lm/sentencepiece_shim.h) or a Hugging Face tokenizer.json
// (lm/hf_bpe_tokenizer.h), the special and SID tokens around it, and its gr2.json description.
#include "gr2/lm/vocabulary.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "gr2/core/error.h"
#include "gr2/core/hash.h"
#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/core/utf8.h"
#include "gr2/lm/hf_bpe_tokenizer.h"
#include "gr2/lm/sentencepiece_shim.h"

namespace gr2::lm {
namespace {

constexpr int kFormatVersion = 1;
constexpr const char* kModelFile = "tokenizer.model";
constexpr const char* kHfTokenizerFile = "tokenizer.json";
constexpr const char* kHfTokenizerConfigFile = "tokenizer_config.json";
constexpr const char* kDescriptionFile = "gr2.json";
constexpr int64_t kMaxLevels = 26;
// UTF-8 of U+2581, SentencePiece's whitespace marker.
constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";
// What the unused <unk> id decodes to (U+2047, SentencePiece's choice).
constexpr std::string_view kUnknownSurface = "\xE2\x81\x87";

std::string level_letter(int64_t level) { return std::string(1, static_cast<char>('a' + level)); }

std::string sid_spelling(int64_t level, int64_t code) {
  return "<s_" + level_letter(level) + "_" + std::to_string(code) + ">";
}

// Length of a SID-token-shaped span "<s_" [a-z] "_" [0-9]+ ">" at text[i], or 0.
size_t sid_shape_length(std::string_view text, size_t i) {
  if (text.compare(i, 3, "<s_") != 0) return 0;
  size_t k = i + 3;
  if (k >= text.size() || text[k] < 'a' || text[k] > 'z') return 0;
  ++k;
  if (k >= text.size() || text[k] != '_') return 0;
  ++k;
  const size_t digits = k;
  while (k < text.size() && text[k] >= '0' && text[k] <= '9') ++k;
  if (k == digits || k >= text.size() || text[k] != '>') return 0;
  return k + 1 - i;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

struct Vocabulary::HfModel {
  HfBpeTokenizer tokenizer;  // the base tokenizer (without gr2's added tokens)
  std::string base_json;     // its tokenizer.json, compact (Json::dump())
  std::string config;        // the base's tokenizer_config.json, or "" when it had none
  std::string checksum;      // fnv1a64 of base_json
};

struct Vocabulary::TextModel {
  const SentencePieceShim* shim = nullptr;
  gr2_spm* handle = nullptr;
  std::string serialized;
  std::string checksum;
  std::vector<std::string> pieces;    // [text_size], raw SentencePiece pieces
  std::vector<std::string> surfaces;  // [text_size], what each piece decodes to
  std::array<int64_t, 256> byte_ids{};

  ~TextModel() {
    if (handle) shim->free(handle);
  }
};

Vocabulary Vocabulary::from_model(std::string serialized_model, const std::string& where) {
  const SentencePieceShim& s = sentencepiece_shim();
  auto text = std::make_shared<TextModel>();
  text->shim = &s;
  std::string error;
  text->handle = s.load(serialized_model.data(), serialized_model.size(), append_to_string, &error);
  if (!text->handle) throw Error(where + ": not a SentencePiece model (" + error + ")");
  text->serialized = std::move(serialized_model);
  text->checksum = hex64(fnv1a64(text->serialized));
  const int n = s.piece_size(text->handle);
  text->pieces.resize(n);
  text->surfaces.resize(n);
  text->byte_ids.fill(-1);
  for (int id = 0; id < n; ++id) {
    const char* data = nullptr;
    size_t size = 0;
    s.piece(text->handle, id, &data, &size);
    std::string piece(data, size);
    std::string surface;
    switch (s.piece_kind(text->handle, id)) {
      case GR2_SPM_UNKNOWN:
        surface = kUnknownSurface;
        break;
      case GR2_SPM_CONTROL:
      case GR2_SPM_UNUSED:
        break;
      case GR2_SPM_BYTE: {
        unsigned value = 0;
        require(piece.size() == 6 && std::sscanf(piece.c_str(), "<0x%02X>", &value) == 1 && value < 256,
                where + ": unexpected byte piece \"" + piece + "\"");
        surface = std::string(1, static_cast<char>(value));
        text->byte_ids[value] = id;
        break;
      }
      default: {
        for (size_t pos = 0;;) {
          const size_t hit = piece.find(kSpaceMarker, pos);
          surface.append(piece, pos, hit == std::string::npos ? std::string::npos : hit - pos);
          if (hit == std::string::npos) break;
          surface += ' ';
          pos = hit + kSpaceMarker.size();
        }
      }
    }
    text->pieces[id] = std::move(piece);
    text->surfaces[id] = std::move(surface);
  }
  for (int b = 0; b < 256; ++b) {
    if (text->byte_ids[b] < 0) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      throw Error(where + ": the SentencePiece model lacks the byte-fallback piece " + name +
                  " (gr2 needs byte_fallback; train it with 'gr2 vocab train')");
    }
  }
  Vocabulary v;
  v.text_size_ = n;
  v.sid_offset_ = n + static_cast<int64_t>(kSpecialTokens.size());
  for (size_t k = 0; k < kSpecialTokens.size(); ++k) v.special_ids_[k] = n + static_cast<int64_t>(k);
  v.text_ = std::move(text);
  return v;
}

Vocabulary Vocabulary::from_hf_json(const Json& tokenizer_json, std::string tokenizer_config, const std::string& where) {
  auto hf = std::make_shared<HfModel>(HfModel{HfBpeTokenizer::from_json(tokenizer_json, where), tokenizer_json.dump(),
                                              std::move(tokenizer_config), ""});
  hf->checksum = hex64(fnv1a64(hf->base_json));
  Vocabulary v;
  v.text_size_ = hf->tokenizer.size();
  int64_t next = v.text_size_;
  for (size_t k = 0; k < kSpecialTokens.size(); ++k) {
    const std::optional<int64_t> id = hf->tokenizer.token_id(kSpecialTokens[k]);
    v.special_ids_[k] = id ? *id : next++;
  }
  v.sid_offset_ = next;
  v.hf_ = std::move(hf);
  return v;
}

Vocabulary Vocabulary::from_hf_tokenizer(const std::string& path) {
  const bool dir = std::filesystem::is_directory(path);
  const std::string file = dir ? join_path(path, kHfTokenizerFile) : path;
  require(file_exists(file), file + ": missing (a Hugging Face tokenizer.json, or a directory holding one)");
  const Json j = Json::parse(read_file(file), nullptr, /*allow_exceptions=*/false);
  require(!j.is_discarded(), file + ": invalid JSON");
  std::string config;
  const std::string config_path = join_path(dir ? path : std::filesystem::path(path).parent_path().string(), kHfTokenizerConfigFile);
  if (file_exists(config_path)) {
    config = read_file(config_path);
    require(!Json::parse(config, nullptr, false).is_discarded(), config_path + ": invalid JSON");
  }
  return from_hf_json(j, std::move(config), file);
}

Json Vocabulary::hf_tokenizer_json() const {
  require(hf_ != nullptr, "vocabulary: a SentencePiece vocabulary has no tokenizer.json");
  Json j = Json::parse(hf_->base_json);
  if (!j.contains("added_tokens") || !j["added_tokens"].is_array()) j["added_tokens"] = Json::array();
  const auto add = [&](int64_t id, const std::string& content, bool special) {
    j["added_tokens"].push_back({{"id", id}, {"content", content}, {"single_word", false}, {"lstrip", false},
                                 {"rstrip", false}, {"normalized", false}, {"special", special}});
  };
  for (size_t k = 0; k < kSpecialTokens.size(); ++k)
    if (special_ids_[k] >= text_size_) add(special_ids_[k], std::string(kSpecialTokens[k]), true);
  for (int64_t id = sid_offset_; id < size(); ++id) add(id, piece(id), false);
  return j;
}

Vocabulary Vocabulary::with_sids(int64_t levels, int64_t codes) const {
  require(levels >= 1 && levels <= kMaxLevels,
          "vocabulary: SID levels must be in [1, 26] (letters a-z), got " + std::to_string(levels));
  require(codes >= 1, "vocabulary: SID codes must be at least 1, got " + std::to_string(codes));
  if (sid_levels_ > 0) {
    require(codes == sid_codes_ && levels >= sid_levels_,
            "vocabulary: it already has " + std::to_string(sid_levels_) + " x " + std::to_string(sid_codes_) +
                " SID tokens; " + std::to_string(levels) + " x " + std::to_string(codes) +
                " would change their ids (only more levels with the same codes can be appended)");
  }
  Vocabulary v = *this;
  v.sid_levels_ = levels;
  v.sid_codes_ = codes;
  return v;
}

Vocabulary Vocabulary::without_sids() const {
  Vocabulary v = *this;
  v.sid_levels_ = 0;
  v.sid_codes_ = 0;
  return v;
}

void Vocabulary::encode_text(std::string_view text, std::vector<int64_t>& out) const {
  if (text.empty()) return;
  if (hf_) {
    const std::vector<int64_t> ids = hf_->tokenizer.encode(text);
    out.insert(out.end(), ids.begin(), ids.end());
    return;
  }
  // Runs of valid UTF-8 go to SentencePiece; invalid bytes and U+2581 (its space marker, which it
  // would decode as a space) become byte pieces, so that every byte string round-trips.
  const TextModel& m = *text_;
  size_t run = 0;
  const auto flush = [&](size_t end) {
    if (end > run) {
      std::string error;
      if (m.shim->encode(m.handle, text.data() + run, end - run, append_ids, &out, append_to_string, &error) != 0)
        throw Error::internal("SentencePiece encoding failed: " + error);
    }
  };
  size_t i = 0;
  while (i < text.size()) {
    const size_t len = utf8_length(text, i);
    if (len > 0 && text.compare(i, len, kSpaceMarker) != 0) {
      i += len;
      continue;
    }
    flush(i);
    const size_t bytes = len > 0 ? len : 1;
    for (size_t k = 0; k < bytes; ++k) out.push_back(m.byte_ids[static_cast<unsigned char>(text[i + k])]);
    i += bytes;
    run = i;
  }
  flush(text.size());
}

std::vector<int64_t> Vocabulary::encode(std::string_view text) const {
  std::vector<int64_t> out;
  out.reserve(text.size() / 3 + 4);
  size_t plain = 0;  // start of the pending plain-text run
  size_t i = text.find('<');
  while (i != std::string_view::npos) {
    int64_t id = -1;
    size_t len = 0;
    for (size_t k = 0; k < kSpecialTokens.size(); ++k) {
      if (text.compare(i, kSpecialTokens[k].size(), kSpecialTokens[k]) == 0) {
        id = special_ids_[k];
        len = kSpecialTokens[k].size();
        break;
      }
    }
    if (id < 0 && (len = sid_shape_length(text, i)) > 0) {
      const std::string_view token = text.substr(i, len);
      const int64_t level = token[3] - 'a';
      const std::string_view digits = token.substr(5, token.size() - 6);
      const auto not_in = [&](const std::string& why) {
        return Error("text contains the SID token " + std::string(token) + ", " + why);
      };
      if (digits.size() > 1 && digits[0] == '0') throw not_in("written with a leading zero (codes are plain decimals)");
      if (sid_levels_ == 0) throw not_in("but this vocabulary has no SID tokens (Vocabulary::with_sids or gr2 vocab train --sid-levels adds them)");
      int64_t code = -1;
      if (digits.size() <= 9) code = std::stoll(std::string(digits));
      if (level >= sid_levels_ || code < 0 || code >= sid_codes_) {
        throw not_in("which is not in this vocabulary (levels a-" + level_letter(sid_levels_ - 1) + ", codes 0-" +
                     std::to_string(sid_codes_ - 1) + ")");
      }
      id = sid_offset() + level * sid_codes_ + code;
    }
    if (id >= 0) {
      encode_text(text.substr(plain, i - plain), out);
      out.push_back(id);
      plain = i + len;
      i = text.find('<', plain);
    } else {
      i = text.find('<', i + 1);
    }
  }
  encode_text(text.substr(plain), out);
  return out;
}

std::string Vocabulary::decode(const std::vector<int64_t>& ids) const {
  std::string out;
  if (hf_) {  // runs of base ids decode together (a byte-level token may hold part of a character)
    std::vector<int64_t> run;
    for (int64_t id : ids) {
      if (id >= 0 && id < text_size_) {
        run.push_back(id);
        continue;
      }
      out += hf_->tokenizer.decode(run);
      run.clear();
      out += piece(id);
    }
    return out + hf_->tokenizer.decode(run);
  }
  for (int64_t id : ids) {
    if (id >= 0 && id < text_size_) {
      out += text_->surfaces[static_cast<size_t>(id)];
    } else {
      out += piece(id);
    }
  }
  return out;
}

int64_t Vocabulary::special_id(std::string_view token) const {
  for (size_t k = 0; k < kSpecialTokens.size(); ++k) {
    if (kSpecialTokens[k] == token) return special_ids_[k];
  }
  throw Error("vocabulary: \"" + std::string(token) + "\" is not a special token");
}

bool Vocabulary::is_special(int64_t id) const {
  for (int64_t s : special_ids_)
    if (s == id) return true;
  return false;
}

int64_t Vocabulary::sid_token(int64_t level, int64_t code) const {
  require(level >= 0 && level < sid_levels_ && code >= 0 && code < sid_codes_,
          "vocabulary: no SID token for level " + std::to_string(level) + ", code " + std::to_string(code) + " (it has " +
              std::to_string(sid_levels_) + " levels x " + std::to_string(sid_codes_) + " codes)");
  return sid_offset() + level * sid_codes_ + code;
}

std::pair<int, int> Vocabulary::sid_of_token(int64_t id) const {
  require(is_sid_token(id), "vocabulary: id " + std::to_string(id) + " is not a SID token (SID tokens are [" +
                                std::to_string(sid_offset()) + ", " + std::to_string(size()) + "))");
  const int64_t k = id - sid_offset();
  return {static_cast<int>(k / sid_codes_), static_cast<int>(k % sid_codes_)};
}

std::vector<int64_t> Vocabulary::item_tokens(const int32_t* sid, int64_t levels) const {
  require(levels == sid_levels_, "vocabulary: an item SID has " + std::to_string(levels) +
                                     " levels but the vocabulary's SID tokens have " + std::to_string(sid_levels_));
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(levels) + 2);
  out.push_back(sid_begin_id());
  for (int64_t l = 0; l < levels; ++l) out.push_back(sid_token(l, sid[l]));
  out.push_back(sid_end_id());
  return out;
}

std::string Vocabulary::piece(int64_t id) const {
  require(id >= 0 && id < size(),
          "vocabulary: token id " + std::to_string(id) + " is outside [0, " + std::to_string(size()) + ")");
  if (id < text_size_) return hf_ ? hf_->tokenizer.token(id) : text_->pieces[static_cast<size_t>(id)];
  if (id < sid_offset_) {
    for (size_t k = 0; k < kSpecialTokens.size(); ++k)
      if (special_ids_[k] == id) return std::string(kSpecialTokens[k]);
  }
  const int64_t k = id - sid_offset();
  return sid_spelling(k / sid_codes_, k % sid_codes_);
}

const std::string& Vocabulary::text_model() const {
  require(text_ != nullptr, "vocabulary: a Hugging Face vocabulary has no SentencePiece model (see hf_tokenizer_json)");
  return text_->serialized;
}

Json Vocabulary::to_json() const {
  Json specials = Json::array();
  for (size_t k = 0; k < kSpecialTokens.size(); ++k) {
    specials.push_back({{"token", std::string(kSpecialTokens[k])}, {"id", special_ids_[k]}});
  }
  return Json{{"format_version", kFormatVersion},
              {"text_model", text_kind()},
              {"text_model_file", hf_ ? kHfTokenizerFile : kModelFile},
              {"text_model_fnv1a64", hf_ ? hf_->checksum : text_->checksum},
              {"text_size", text_size_},
              {"special_tokens", specials},
              {"pad_token", std::string(kSpecialTokens[0])},
              {"eos_token", std::string(kSpecialTokens[0])},
              {"sid_offset", sid_offset()},
              {"sid_levels", sid_levels_},
              {"sid_codes", sid_codes_},
              {"sid_token_format", "<s_{level letter a-z}_{code}>"},
              {"size", size()}};
}

Vocabulary Vocabulary::from_parts(const std::string& serialized_model, const Json& description,
                                  const std::string& where) {
  return described(from_model(serialized_model, where + ": text model"), description, where);
}

Vocabulary Vocabulary::described(Vocabulary v, const Json& description, const std::string& where) {
  require(description.is_object(), where + ": the vocabulary description must be a JSON object, got " +
                                       json_type_name(description));
  JsonFields f(description, where);
  const int64_t version = f.int64("format_version");
  if (version != kFormatVersion) {
    throw f.error("format_version", "this gr2 reads version " + std::to_string(kFormatVersion) + ", got " +
                                        std::to_string(version));
  }
  const std::string file = v.hf_ ? kHfTokenizerFile : kModelFile;
  if (f.optional_string("text_model", "sentencepiece") != v.text_kind())
    throw f.error("text_model", std::string("expected \"") + v.text_kind() + "\" (the kind of " + file + ")");
  const int64_t text_size = f.int64("text_size");
  if (text_size != v.text_size_) {
    throw f.error("text_size", "says " + std::to_string(text_size) + " but " + file + " has " +
                                   std::to_string(v.text_size_) + " ids (" + file + " from another vocabulary?)");
  }
  if (f.has("text_model_fnv1a64")) {
    const std::string checksum = f.string("text_model_fnv1a64");
    const std::string& actual = v.hf_ ? v.hf_->checksum : v.text_->checksum;
    if (checksum != actual) {
      throw f.error("text_model_fnv1a64", "the checksum of " + file + " is " + actual + ", not " + checksum + " (" +
                                              file + " from another vocabulary?)");
    }
  }
  const Json& specials = f.array("special_tokens");
  if (specials.size() != kSpecialTokens.size())
    throw f.error("special_tokens", "expected " + std::to_string(kSpecialTokens.size()) + " entries");
  for (size_t k = 0; k < kSpecialTokens.size(); ++k) {
    const Json& e = specials[k];
    const int64_t expected = v.special_ids_[k];
    if (!e.is_object() || !e.contains("token") || !e.contains("id") || e["token"] != std::string(kSpecialTokens[k]) ||
        e["id"] != expected) {
      throw f.error("special_tokens", "entry " + std::to_string(k) + " must be {\"token\": \"" +
                                          std::string(kSpecialTokens[k]) + "\", \"id\": " + std::to_string(expected) +
                                          "}, got " + e.dump());
    }
  }
  if (f.int64("sid_offset") != v.sid_offset())
    throw f.error("sid_offset", "must be text_size + " + std::to_string(v.sid_offset() - v.text_size_) +
                                    " (the appended special tokens) = " + std::to_string(v.sid_offset()));
  const int64_t levels = f.int64("sid_levels");
  const int64_t codes = f.int64("sid_codes");
  if (levels < 0 || levels > kMaxLevels) throw f.error("sid_levels", "must be in [0, 26]");
  if (levels > 0) {
    if (codes < 1) throw f.error("sid_codes", "must be at least 1 when sid_levels > 0");
    v = v.with_sids(levels, codes);
  } else if (codes != 0) {
    throw f.error("sid_codes", "must be 0 when sid_levels is 0");
  }
  if (f.has("size") && f.int64("size") != v.size())
    throw f.error("size", "must be sid_offset + sid_levels * sid_codes = " + std::to_string(v.size()));
  return v;
}

void Vocabulary::save(const std::string& dir) const {
  make_directories(dir);
  if (hf_) {
    write_file_atomic(join_path(dir, kHfTokenizerFile), hf_tokenizer_json().dump(2) + "\n");
    // The base's tokenizer_config.json (chat template, special-token names) as it was: transformers
    // takes the added tokens, gr2's included, from tokenizer.json.
    write_file_atomic(join_path(dir, kHfTokenizerConfigFile),
                      hf_->config.empty() ? Json{{"tokenizer_class", "PreTrainedTokenizerFast"},
                                                 {"eos_token", std::string(kSpecialTokens[0])},
                                                 {"pad_token", std::string(kSpecialTokens[0])}}
                                                    .dump(2) + "\n"
                                          : hf_->config);
  } else {
    write_file_atomic(join_path(dir, kModelFile), text_->serialized);
  }
  const std::string json_path = join_path(dir, kDescriptionFile);
  Json doc = Json::object();
  if (file_exists(json_path)) {
    const std::string content = read_file(json_path);
    doc = Json::parse(content, nullptr, /*allow_exceptions=*/false);
    require(!doc.is_discarded(), json_path + ": invalid JSON; not overwriting it");
    require(doc.is_object(), json_path + ": expected a JSON object, got " + json_type_name(doc));
  }
  doc["vocabulary"] = to_json();
  write_file_atomic(json_path, doc.dump(2) + "\n");
}

Vocabulary Vocabulary::load(const std::string& dir) {
  const std::string json_path = join_path(dir, kDescriptionFile);
  const std::string model_path = join_path(dir, kModelFile);
  const std::string hf_path = join_path(dir, kHfTokenizerFile);
  Json doc;
  if (file_exists(json_path)) {
    doc = Json::parse(read_file(json_path), nullptr, /*allow_exceptions=*/false);
    require(!doc.is_discarded(), json_path + ": invalid JSON");
  }
  const bool described_here = doc.is_object() && doc.contains("vocabulary");
  if (!described_here && file_exists(hf_path)) return from_hf_tokenizer(dir);  // a Hugging Face checkpoint
  require(file_exists(json_path), json_path + ": missing; a vocabulary directory holds " + kDescriptionFile + " and " +
                                      kModelFile + " (from 'gr2 vocab train' or a gr2 checkpoint), or a Hugging Face " +
                                      kHfTokenizerFile);
  require(described_here, json_path + ": no \"vocabulary\" key");
  const Json& description = doc["vocabulary"];
  const std::string where = json_path + ": vocabulary";
  if (!description.is_object() || description.value("text_model", "sentencepiece") != "hf_bpe") {
    require(file_exists(model_path), model_path + ": missing (the SentencePiece model of " + json_path + ")");
    return described(from_model(read_file(model_path), model_path), description, where);
  }
  // tokenizer.json as save() wrote it: the base's added tokens, then gr2's (ids >= text_size).
  require(file_exists(hf_path), hf_path + ": missing (the tokenizer of " + json_path + ")");
  Json j = Json::parse(read_file(hf_path), nullptr, /*allow_exceptions=*/false);
  require(!j.is_discarded() && j.is_object(), hf_path + ": invalid JSON");
  require(description.contains("text_size") && description["text_size"].is_number_integer(),
          where + ": text_size: expected an integer");
  const int64_t text_size = description["text_size"].get<int64_t>();
  Json ours = Json::array(), base_added = Json::array();
  for (const Json& a : j.value("added_tokens", Json::array()))
    (a.is_object() && a.value("id", int64_t{-1}) >= text_size ? ours : base_added).push_back(a);
  j["added_tokens"] = base_added;
  const std::string config_path = join_path(dir, kHfTokenizerConfigFile);
  Vocabulary v = described(from_hf_json(j, file_exists(config_path) ? read_file(config_path) : "", hf_path),
                           description, where);
  const Json expected = v.hf_tokenizer_json()["added_tokens"];
  require(base_added.size() + ours.size() == expected.size() &&
              std::equal(ours.begin(), ours.end(), expected.begin() + static_cast<std::ptrdiff_t>(base_added.size())),
          hf_path + ": added_tokens: the tokens from id " + std::to_string(text_size) +
              " on are not the special and SID tokens " + json_path + " describes (edited by hand?)");
  return v;
}

bool Vocabulary::operator==(const Vocabulary& other) const {
  if ((hf_ == nullptr) != (other.hf_ == nullptr)) return false;
  const bool same_text = hf_ ? hf_->base_json == other.hf_->base_json : text_->serialized == other.text_->serialized;
  return same_text && text_size_ == other.text_size_ && sid_offset_ == other.sid_offset_ &&
         special_ids_ == other.special_ids_ && sid_levels_ == other.sid_levels_ && sid_codes_ == other.sid_codes_;
}

}  // namespace gr2::lm
