// The language model's vocabulary: a text tokenizer, the special tokens and the SID tokens, with
// encode/decode that round-trip any text and save/load beside a checkpoint. Two kinds of text
// tokenizer: SentencePiece (the vocabulary gr2 trains for models it pretrains itself) and a Hugging
// Face byte-level BPE tokenizer.json (hf_bpe_tokenizer.h: the tokenizer of a pretrained checkpoint
// such as Qwen3). Plain C++ (no LibTorch). Layout and spellings: docs/vocabulary.md.
//
// Token ids, a contract the model, prompts and checkpoints rely on:
//   [0, text_size)                        the text tokenizer's ids. SentencePiece: its pieces (0 =
//                                         <unk>, never produced by encode). Hugging Face: every id of
//                                         the base tokenizer.json, its own added tokens included
//   special tokens (kSpecialTokens)       SentencePiece: [text_size, text_size + 7) in that order.
//                                         Hugging Face: the base's own id where it has the token
//                                         (Qwen3 has all but <|sid_begin|>, <|sid_end|>), the others
//                                         appended from text_size on, in kSpecialTokens order
//   [sid_offset, sid_offset + L * C)      SID tokens: level l, code c -> sid_offset + l * C + c,
//                                         spelled "<s_" + ('a' + l) + "_" + c + ">", e.g. "<s_a_97>"
// with sid_offset = text_size + the number of appended special tokens (7 for SentencePiece). A
// vocabulary may have no SID tokens (L = 0), e.g. for pretraining; with_sids() appends them, leaving
// every existing id unchanged.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace gr2::lm {

using Json = nlohmann::json;

// The special tokens, in id order (id = text_size + index).
inline constexpr std::array<std::string_view, 7> kSpecialTokens = {
    "<|endoftext|>",  // padding and end of document
    "<|im_start|>", "<|im_end|>", "<think>", "</think>", "<|sid_begin|>", "<|sid_end|>"};

// How to train the SentencePiece text model. Training is deterministic: the same corpus and options
// give the same model bytes (BPE's pieces also do not depend on num_threads; unigram's scores may).
struct TextTokenizerOptions {
  // Pieces of the text model, including <unk>, "\n" and the 256 byte-fallback pieces (so at least
  // 259 + the distinct characters kept). A small corpus may yield fewer (the limit is soft).
  int64_t vocab_size = 2000;
  std::string model_type = "bpe";    // "bpe" or "unigram"
  double character_coverage = 1.0;   // in [0.98, 1]; rarer characters are spelled by byte pieces
  int64_t input_sentence_size = 0;   // train on at most this many lines, sampled with a fixed seed (0: all)
  int64_t max_sentence_length = 4192;  // bytes; longer lines are cut at spaces for training
  int num_threads = 1;
  bool verbose = false;              // let SentencePiece log its progress to stderr

  // Throws Error naming the bad field.
  void validate() const;
};

class Vocabulary {
 public:
  // Trains the text model on the lines of `corpus_path` (one document per line; blank lines are
  // skipped), streaming the file. Throws Error for an unreadable or empty corpus or bad options.
  static Vocabulary train_file(const std::string& corpus_path, const TextTokenizerOptions& options = {});
  // Trains the text model on in-memory documents (a document may span lines; each line is one
  // training sentence). The result has no SID tokens.
  static Vocabulary train(const std::vector<std::string>& documents, const TextTokenizerOptions& options = {});
  // The vocabulary of a pretrained checkpoint: `path` is a Hugging Face tokenizer.json of the
  // byte-level BPE kind, or a directory holding one (and optionally tokenizer_config.json, kept for
  // save()). The special tokens the base lacks are appended after its ids; no SID tokens. Throws
  // Error naming the file and field for anything HfBpeTokenizer refuses.
  static Vocabulary from_hf_tokenizer(const std::string& path);

  // The same text and special tokens plus SID tokens for `levels` x `codes` (1 <= levels <= 26,
  // codes >= 1), appended at the end: every existing id keeps its meaning, so a vocabulary that
  // already has SID tokens can only grow in levels with the same codes (else Error; start from
  // without_sids()). The model side resizes its embedding to size() and initialises the new rows.
  Vocabulary with_sids(int64_t levels, int64_t codes) const;
  // The text and special tokens only (sid_levels() == 0).
  Vocabulary without_sids() const;

  // Text -> ids. Special tokens and SID tokens written literally map to their ids, everything else
  // goes through SentencePiece, exactly (byte pieces for bytes the model lacks, for invalid UTF-8
  // and for U+2581, which SentencePiece uses as its space marker). Throws Error naming the token for
  // a SID-token-shaped span ("<s_" letter "_" digits ">") that is not in this vocabulary.
  std::vector<int64_t> encode(std::string_view text) const;
  // Ids -> text; decode(encode(t)) == t for every t that encodes. Throws Error for an id outside
  // [0, size()). The unused <unk> id decodes to "\xE2\x81\x87" (U+2047, as SentencePiece does).
  std::string decode(const std::vector<int64_t>& ids) const;

  int64_t size() const { return sid_offset() + sid_levels_ * sid_codes_; }
  int64_t text_size() const { return text_size_; }
  int64_t sid_offset() const { return sid_offset_; }
  // "sentencepiece" or "hf_bpe".
  const char* text_kind() const { return hf_ ? "hf_bpe" : "sentencepiece"; }
  // Ids below this were in the tokenizer the base checkpoint was trained with; the rest were added
  // by gr2 (for a Hugging Face base: the appended special tokens and the SID tokens), so their
  // embedding rows are new. sid_offset() for SentencePiece (gr2 pretrains its special tokens).
  int64_t base_size() const { return hf_ ? text_size_ : sid_offset_; }
  int64_t sid_levels() const { return sid_levels_; }
  int64_t sid_codes() const { return sid_codes_; }

  // Id of a special token by spelling ("<think>"). Throws Error for a string that is not one.
  int64_t special_id(std::string_view token) const;
  int64_t pad_id() const { return special_ids_[0]; }  // <|endoftext|>
  int64_t eos_id() const { return special_ids_[0]; }  // <|endoftext|>
  int64_t im_start_id() const { return special_ids_[1]; }
  int64_t im_end_id() const { return special_ids_[2]; }
  int64_t think_begin_id() const { return special_ids_[3]; }
  int64_t think_end_id() const { return special_ids_[4]; }
  int64_t sid_begin_id() const { return special_ids_[5]; }
  int64_t sid_end_id() const { return special_ids_[6]; }

  // Id of the SID token (level, code). Throws Error when outside sid_levels() x sid_codes().
  int64_t sid_token(int64_t level, int64_t code) const;
  bool is_sid_token(int64_t id) const { return id >= sid_offset() && id < size(); }
  // One of the 7 special tokens (a Hugging Face base's other added tokens are text ids).
  bool is_special(int64_t id) const;
  // (level, code) of a SID token id. Throws Error when is_sid_token(id) is false.
  std::pair<int, int> sid_of_token(int64_t id) const;
  // [sid_begin, s_a, s_b, ..., sid_end] for one item's SID; `levels` must equal sid_levels().
  std::vector<int64_t> item_tokens(const int32_t* sid, int64_t levels) const;

  // The piece of any id: SentencePiece's piece for text ids (raw, e.g. "\xE2\x96\x81the", "<0x0A>"),
  // or the tokenizer.json spelling (byte-level characters, e.g. "\xC4\xA0the"), the spelling for
  // special and SID tokens. Throws Error for an id outside [0, size()).
  std::string piece(int64_t id) const;

  // The serialized SentencePiece ModelProto (the content of tokenizer.model). Throws Error for a
  // Hugging Face vocabulary.
  const std::string& text_model() const;
  // tokenizer.json as transformers and vLLM read it: the base tokenizer with the appended special
  // tokens and the SID tokens as added tokens (ids as here). Throws Error for a SentencePiece one.
  Json hf_tokenizer_json() const;

  // The description written to gr2.json under "vocabulary": format version, text_size, the special
  // tokens with ids, sid_offset, sid_levels, sid_codes, size and a checksum of the text model.
  Json to_json() const;
  // Rebuilds a vocabulary from a serialized text model and to_json()'s description; `where` names
  // the source in messages. Throws Error when they disagree (piece count, checksum, token layout).
  static Vocabulary from_parts(const std::string& serialized_model, const Json& description,
                               const std::string& where = "vocabulary");

  // Writes the text tokenizer (SentencePiece: dir/tokenizer.model; Hugging Face: dir/tokenizer.json
  // = hf_tokenizer_json() and dir/tokenizer_config.json, the base's own when it had one) and merges
  // {"vocabulary": to_json()} into dir/gr2.json (keeping its other keys), each atomically; creates dir.
  void save(const std::string& dir) const;
  // Reads dir/gr2.json's "vocabulary" and its tokenizer file; a directory without gr2.json but with
  // a tokenizer.json (a Hugging Face checkpoint) is read with from_hf_tokenizer. Throws Error naming
  // the file when one is missing, corrupt or inconsistent with the other.
  static Vocabulary load(const std::string& dir);

  // Same kind, same text model (serialized bytes or tokenizer.json content) and same layout.
  bool operator==(const Vocabulary& other) const;
  bool operator!=(const Vocabulary& other) const { return !(*this == other); }

 private:
  struct TextModel;
  struct HfModel;
  Vocabulary() = default;
  static Vocabulary from_hf_json(const Json& tokenizer_json, std::string tokenizer_config, const std::string& where);
  static Vocabulary from_model(std::string serialized_model, const std::string& where);
  // Checks `description` against the text-only vocabulary `v` and adds its SID tokens.
  static Vocabulary described(Vocabulary v, const Json& description, const std::string& where);
  void encode_text(std::string_view text, std::vector<int64_t>& out) const;

  std::shared_ptr<const TextModel> text_;  // SentencePiece, or null
  std::shared_ptr<const HfModel> hf_;      // Hugging Face, or null
  int64_t text_size_ = 0;
  int64_t sid_offset_ = 0;
  std::array<int64_t, kSpecialTokens.size()> special_ids_{};
  int64_t sid_levels_ = 0;
  int64_t sid_codes_ = 0;
};

}  // namespace gr2::lm
