// A Hugging Face `tokenizer.json` of the byte-level BPE kind (GPT-2, Qwen2, Qwen3): the tokenizer of
// pretrained checkpoints, beside gr2's own SentencePiece vocabulary (vocabulary.h) for models it
// pretrains itself. Encodes and decodes exactly as HF `tokenizers` does for the supported pipeline:
//
//   1. added tokens (tokenizer.json "added_tokens") are split off first, leftmost-longest: those with
//      normalized = false on the raw text, the others on the NFC-normalized rest;
//   2. normalizer: none or NFC (utf8proc);
//   3. pre-tokenizer: a Split on a regex (behavior Isolated; Qwen2/Qwen3) followed by ByteLevel without
//      its own regex, or ByteLevel with GPT-2's regex (optionally add_prefix_space). The regex runs on
//      PCRE2 in UTF + UCP mode (Unicode letter/number/space classes, as Oniguruma in HF);
//   4. bytes -> the 256 printable characters of GPT-2's byte-to-unicode table;
//   5. BPE: the pair of adjacent symbols with the lowest merge rank is merged first (leftmost among
//      equal ranks) until no merge applies; ignore_merges = true looks the whole word up first.
//
// Anything else in the file (another model type, byte_fallback, a continuing-subword prefix, a
// TemplateProcessing post-processor that adds tokens, lstrip/rstrip/single_word added tokens, ...)
// is refused at load with an Error that names the field, never ignored. Hand-written because no
// Debian package reads tokenizer.json (HF `tokenizers` is Rust, not packaged); the Unicode work is
// done by PCRE2 and utf8proc, the file by nlohmann-json. Checked id for id against HF `tokenizers`
// (tests/lm/hf_bpe_tokenizer_test.cpp). Plain C++ (no LibTorch). Thread-safe after load.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace gr2::lm {

class HfBpeTokenizer {
 public:
  struct AddedToken {
    int64_t id = 0;
    std::string content;
    bool special = false;     // HF's flag (skipped by decode with skip_special_tokens; kept here)
    bool normalized = false;  // matched on the normalized text (true) or on the raw text (false)
  };

  // Reads `path`: a tokenizer.json file or a directory holding one. Throws Error naming the file and
  // the field for an unreadable file, invalid JSON or an unsupported pipeline (see above).
  static HfBpeTokenizer load(const std::string& path);
  // The same from parsed JSON; `where` names the source in messages. A field of the wrong JSON
  // type is an Error naming `where` too (never a library exception).
  static HfBpeTokenizer from_json(const nlohmann::json& tokenizer_json, const std::string& where);

  // Text -> ids, as HF `tokenizers`' encode(text, add_special_tokens=False) gives them. Throws
  // Error for text that is not valid UTF-8 (naming the byte offset): HF only takes valid strings.
  std::vector<int64_t> encode(std::string_view text) const;
  // Ids -> bytes: added tokens verbatim, the others through the byte-level table back to their
  // bytes, so decode(encode(t)) == t byte for byte. Unlike HF (which replaces them with U+FFFD), a
  // partial UTF-8 sequence from an incomplete id list is returned as is. Throws Error for an id that
  // is no token.
  std::string decode(const std::vector<int64_t>& ids) const;

  // One more than the largest token id (the smallest embedding that covers every token).
  int64_t size() const { return size_; }
  // Id of a token by its spelling in the file (a vocabulary entry in byte-level characters, or an
  // added token's content); nullopt when there is none.
  std::optional<int64_t> token_id(std::string_view token) const;
  // The spelling of an id (as in the file). Throws Error for an id that is no token.
  const std::string& token(int64_t id) const;
  const std::vector<AddedToken>& added_tokens() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
  int64_t size_ = 0;
};

}  // namespace gr2::lm
