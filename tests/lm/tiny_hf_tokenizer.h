// A hand-built Hugging Face tokenizer.json (GPT-2 style byte-level BPE) for unit tests of the HF
// tokenizer and of the vocabulary built on it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace gr2::lm {

using Json = nlohmann::json;

// GPT-2's byte-to-unicode spelling of one byte (the test's own copy of the table's rule).
inline std::string byte_char(int b) {
  static std::vector<std::string> table = [] {
    std::vector<std::string> t(256);
    int next = 256;
    for (int x = 0; x < 256; ++x) {
      const bool printable = (x >= 33 && x <= 126) || (x >= 161 && x <= 172) || (x >= 174 && x <= 255);
      const int cp = printable ? x : next++;
      std::string s;
      if (cp < 0x80) {
        s.push_back(static_cast<char>(cp));
      } else {
        s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
      t[static_cast<size_t>(x)] = s;
    }
    return t;
  }();
  return table[static_cast<size_t>(b)];
}

// An added-token entry as HF tokenizers writes it (special, matched on the raw text).
inline Json added_token(int64_t id, const std::string& content) {
  return {{"id", id}, {"content", content}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
          {"normalized", false}, {"special", true}};
}

// A GPT-2-style tokenizer.json: the 256 byte tokens (ids 0-255), then the given merges in rank order
// (ids 256...), and <|im_end|> as a special added token.
inline Json tiny_tokenizer(const std::vector<std::pair<std::string, std::string>>& merges) {
  Json vocab = Json::object();
  for (int b = 0; b < 256; ++b) vocab[byte_char(b)] = b;
  Json merge_list = Json::array();
  int64_t next = 256;
  for (const auto& [a, b] : merges) {
    vocab[a + b] = next++;
    merge_list.push_back(a + " " + b);
  }
  Json j;
  j["model"] = {{"type", "BPE"}, {"vocab", vocab}, {"merges", merge_list}, {"dropout", nullptr}, {"byte_fallback", false}};
  j["normalizer"] = nullptr;
  const Json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
  j["version"] = "1.0";
  j["truncation"] = nullptr;
  j["padding"] = nullptr;
  j["pre_tokenizer"] = byte_level;
  j["decoder"] = byte_level;
  j["post_processor"] = nullptr;
  j["added_tokens"] = Json::array({added_token(next, "<|im_end|>")});
  return j;
}

}  // namespace gr2::lm
