// Training the SentencePiece text model of a vocabulary (Vocabulary::train, train_file): documents
// cut into training sentences, SentencePiece's trainer with gr2's fixed settings (byte fallback,
// split digits, no normalization), deterministic for the same corpus and options.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gr2/core/error.h"
#include "gr2/lm/sentencepiece_shim.h"
#include "gr2/lm/vocabulary.h"

namespace gr2::lm {
namespace {

constexpr unsigned kTrainingSeed = 42;

// Training sentences from documents: one per non-blank line, lines longer than `max_bytes` cut at
// the last space before the limit (else at a character boundary).
class SentenceSplitter {
 public:
  explicit SentenceSplitter(size_t max_bytes) : max_bytes_(max_bytes) {}

  void add_document(std::string_view text, std::vector<std::string>& out) const {
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      add_line(text.substr(start, end - start), out);
      start = end + 1;
    }
  }

  void add_line(std::string_view line, std::vector<std::string>& out) const {
    while (line.size() > max_bytes_) {
      size_t cut = line.rfind(' ', max_bytes_);
      if (cut == std::string_view::npos || cut < max_bytes_ / 2) {
        cut = max_bytes_;
        while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
        if (cut == 0) cut = max_bytes_;
      }
      push(line.substr(0, cut), out);
      line.remove_prefix(cut);
    }
    push(line, out);
  }

 private:
  static void push(std::string_view s, std::vector<std::string>& out) {
    if (s.find_first_not_of(" \t\r") != std::string_view::npos) out.emplace_back(s);
  }
  size_t max_bytes_;
};

}  // namespace

void TextTokenizerOptions::validate() const {
  require(model_type == "bpe" || model_type == "unigram",
          "text tokenizer: model_type must be \"bpe\" or \"unigram\", got \"" + model_type + "\"");
  require(vocab_size >= 260, "text tokenizer: vocab_size must be at least 260 (it includes <unk>, \"\\n\" and 256 "
                             "byte pieces), got " + std::to_string(vocab_size));
  require(character_coverage >= 0.98 && character_coverage <= 1.0,
          "text tokenizer: character_coverage must be in [0.98, 1], got " + std::to_string(character_coverage));
  require(input_sentence_size >= 0, "text tokenizer: input_sentence_size must be >= 0 (0: all lines)");
  require(max_sentence_length >= 64, "text tokenizer: max_sentence_length must be at least 64 bytes");
  require(num_threads >= 1, "text tokenizer: num_threads must be at least 1");
}

namespace {

struct SentenceSource {
  const std::vector<std::string>* sentences = nullptr;
  size_t next = 0;
};

int next_sentence(void* ctx, const char** data, size_t* size) {
  auto* source = static_cast<SentenceSource*>(ctx);
  if (source->next >= source->sentences->size()) return 0;
  const std::string& s = (*source->sentences)[source->next++];
  *data = s.data();
  *size = s.size();
  return 1;
}

std::string train_model(const std::vector<std::string>& sentences, const TextTokenizerOptions& options,
                        const std::string& what) {
  options.validate();
  require(!sentences.empty(), what + ": no text to train the tokenizer on (every line is blank)");
  const std::vector<std::pair<std::string, std::string>> args = {
      {"model_type", options.model_type},
      {"vocab_size", std::to_string(options.vocab_size)},
      {"hard_vocab_limit", "false"},
      {"character_coverage", std::to_string(options.character_coverage)},
      {"input_sentence_size", std::to_string(options.input_sentence_size)},
      {"shuffle_input_sentence", "true"},
      {"max_sentence_length", std::to_string(options.max_sentence_length)},
      {"num_threads", std::to_string(options.num_threads)},
      {"unk_id", "0"},
      {"bos_id", "-1"},
      {"eos_id", "-1"},
      {"pad_id", "-1"},
      {"user_defined_symbols", "\n"},
      {"byte_fallback", "true"},
      {"split_digits", "true"},
      {"normalization_rule_name", "identity"},
      {"add_dummy_prefix", "false"},
      {"remove_extra_whitespaces", "false"},
      {"minloglevel", options.verbose ? "0" : "2"},
  };
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : args) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  SentenceSource source{&sentences, 0};
  std::string model, error;
  const SentencePieceShim& s = sentencepiece_shim();
  if (s.train(keys.data(), values.data(), keys.size(), kTrainingSeed, next_sentence, &source, append_to_string,
              &model, append_to_string, &error) != 0) {
    throw Error(what + ": SentencePiece training failed: " + error);
  }
  return model;
}

}  // namespace

Vocabulary Vocabulary::train(const std::vector<std::string>& documents, const TextTokenizerOptions& options) {
  options.validate();
  SentenceSplitter splitter(static_cast<size_t>(options.max_sentence_length));
  std::vector<std::string> sentences;
  for (const std::string& d : documents) splitter.add_document(d, sentences);
  return from_model(train_model(sentences, options, "training documents"), "trained model");
}

Vocabulary Vocabulary::train_file(const std::string& corpus_path, const TextTokenizerOptions& options) {
  options.validate();
  std::ifstream in(corpus_path, std::ios::binary);
  if (!in) throw Error(corpus_path + ": cannot open the corpus (" + std::strerror(errno) + ")");
  SentenceSplitter splitter(static_cast<size_t>(options.max_sentence_length));
  std::vector<std::string> sentences;
  std::string line;
  while (std::getline(in, line)) splitter.add_line(line, sentences);
  if (in.bad()) throw Error(corpus_path + ": read failed");
  return from_model(train_model(sentences, options, corpus_path), corpus_path);
}

}  // namespace gr2::lm
