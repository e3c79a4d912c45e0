// `gr2 vocab`: the language model's vocabulary. Subcommands train (SentencePiece text model on a
// corpus + special tokens, optionally SID tokens), encode (shows the ids and pieces of a text) and
// decode (ids -> text); encode and decode also read a Hugging Face tokenizer.json (byte-level BPE).
// Argument parsing only: the work is in gr2/lm/vocabulary and gr2/lm/hf_bpe_tokenizer.
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "gr2/cli/command.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/core/timing.h"
#include "gr2/lm/hf_bpe_tokenizer.h"
#include "gr2/lm/vocabulary.h"

namespace gr2::cli {
namespace {

struct TrainArgs {
  std::string corpus;
  std::string out;
  int64_t sid_levels = 0;
  int64_t sid_codes = 0;
  lm::TextTokenizerOptions options;
};

void add_train(CLI::App& group) {
  auto a = std::make_shared<TrainArgs>();
  auto* cmd = group.add_subcommand(
      "train",
      "Train the SentencePiece text model on CORPUS (one document per line; BPE or unigram, byte\n"
      "fallback, digits split, no normalisation so text round-trips exactly) and write the vocabulary\n"
      "to OUT: OUT/tokenizer.model and the \"vocabulary\" key of OUT/gr2.json (other keys are kept).\n"
      "Ids: text pieces, then <|endoftext|> <|im_start|> <|im_end|> <think> </think> <|sid_begin|>\n"
      "<|sid_end|>, then SID tokens <s_a_0>... when --sid-levels is given. See docs/vocabulary.md.\n"
      "Example: gr2 vocab train --corpus work/data/corpus.txt --out work/vocab --vocab-size 2000");
  cmd->add_option("--corpus", a->corpus, "Text corpus, one document per line")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", a->out, "Output directory")->required();
  cmd->add_option("--vocab-size", a->options.vocab_size, "Text pieces, including <unk>, \"\\n\" and 256 byte pieces")
      ->capture_default_str();
  cmd->add_option("--model-type", a->options.model_type, "bpe or unigram")
      ->check(CLI::IsMember({"bpe", "unigram"}))
      ->capture_default_str();
  cmd->add_option("--character-coverage", a->options.character_coverage,
                  "Share of characters kept as pieces; the rest are spelled by byte pieces")
      ->capture_default_str();
  cmd->add_option("--input-sentence-size", a->options.input_sentence_size,
                  "Train on at most this many lines, sampled with a fixed seed (0: all)")
      ->capture_default_str();
  cmd->add_option("--threads", a->options.num_threads, "SentencePiece training threads")->capture_default_str();
  cmd->add_option("--sid-levels", a->sid_levels, "Also append SID tokens: levels (a, b, ...)");
  cmd->add_option("--sid-codes", a->sid_codes, "SID codes per level (with --sid-levels)");
  cmd->add_flag("--verbose", a->options.verbose, "Show SentencePiece's training log");
  cmd->callback([a] {
    require((a->sid_levels > 0) == (a->sid_codes > 0), "gr2 vocab train: give both --sid-levels and --sid-codes");
    Stopwatch watch;
    lm::Vocabulary v = lm::Vocabulary::train_file(a->corpus, a->options);
    const double seconds = watch.seconds();
    if (a->sid_levels > 0) v = v.with_sids(a->sid_levels, a->sid_codes);
    v.save(a->out);
    std::printf("gr2 vocab train: %lld text pieces (%s) + %zu special + %lld SID tokens = %lld ids, trained in %.1f s -> %s\n",
                static_cast<long long>(v.text_size()), a->options.model_type.c_str(), lm::kSpecialTokens.size(),
                static_cast<long long>(v.size() - v.sid_offset()), static_cast<long long>(v.size()), seconds,
                a->out.c_str());
  });
}

// Either kind of vocabulary behind --vocab: gr2's own (a directory with gr2.json + tokenizer.model)
// or a Hugging Face tokenizer.json (the file, or a directory with one and no gr2 vocabulary).
struct AnyTokenizer {
  std::string kind;
  std::function<std::vector<int64_t>(const std::string&)> encode;
  std::function<std::string(const std::vector<int64_t>&)> decode;
  std::function<std::string(int64_t)> piece;
};

AnyTokenizer open_tokenizer(const std::string& path) {
  namespace fs = std::filesystem;
  const bool hf = fs::is_regular_file(path) ||
                  (fs::is_directory(path) && fs::exists(fs::path(path) / "tokenizer.json") &&
                   !fs::exists(fs::path(path) / "tokenizer.model"));
  if (hf) {
    auto t = std::make_shared<lm::HfBpeTokenizer>(lm::HfBpeTokenizer::load(path));
    return {"Hugging Face byte-level BPE, " + std::to_string(t->size()) + " ids",
            [t](const std::string& s) { return t->encode(s); },
            [t](const std::vector<int64_t>& ids) { return t->decode(ids); },
            [t](int64_t id) { return t->token(id); }};
  }
  auto v = std::make_shared<lm::Vocabulary>(lm::Vocabulary::load(path));
  return {"gr2 SentencePiece, " + std::to_string(v->size()) + " ids",
          [v](const std::string& s) { return v->encode(s); },
          [v](const std::vector<int64_t>& ids) { return v->decode(ids); },
          [v](int64_t id) { return v->piece(id); }};
}

constexpr const char* kVocabHelp =
    "Vocabulary: a gr2 directory (gr2.json + tokenizer.model, e.g. a checkpoint) or a Hugging Face "
    "tokenizer.json (the file or its directory)";

void add_encode(CLI::App& group) {
  auto vocab = std::make_shared<std::string>();
  auto text = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand(
      "encode",
      "Encode a text with a vocabulary and print the token ids, the pieces (as JSON strings) and\n"
      "whether decoding gives the text back.\n"
      "Example: gr2 vocab encode --vocab work/vocab --text \"<|im_start|>user hello<|im_end|>\"");
  cmd->add_option("--vocab", *vocab, kVocabHelp)->required();
  auto* text_opt = cmd->add_option("--text", *text, "Text to encode");
  auto* file_opt = cmd->add_option("--file", *file, "Encode this file's content instead")->check(CLI::ExistingFile);
  text_opt->excludes(file_opt);
  cmd->callback([vocab, text, file] {
    require(!text->empty() || !file->empty(), "gr2 vocab encode: give --text TEXT or --file FILE");
    const AnyTokenizer v = open_tokenizer(*vocab);
    const std::string input = file->empty() ? *text : read_file(*file);
    const std::vector<int64_t> ids = v.encode(input);
    Json pieces = Json::array();
    for (int64_t id : ids) pieces.push_back(v.piece(id));
    std::cout << "vocabulary: " << v.kind << "\n"
              << "tokens: " << ids.size() << " (" << input.size() << " bytes)\n"
              << "ids: " << Json(ids).dump() << "\n"
              << "pieces: " << pieces.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n"
              << "round trip: " << (v.decode(ids) == input ? "exact" : "DIFFERS") << "\n";
  });
}

void add_decode(CLI::App& group) {
  auto vocab = std::make_shared<std::string>();
  auto ids_text = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand(
      "decode",
      "Decode token ids (a JSON array or comma-separated) with a vocabulary and print the text.\n"
      "Example: gr2 vocab decode --vocab work/vocab --ids 2007,15,331");
  cmd->add_option("--vocab", *vocab, kVocabHelp)->required();
  cmd->add_option("--ids", *ids_text, "Token ids: [1, 2, 3] or 1,2,3")->required();
  cmd->callback([vocab, ids_text] {
    std::string list = *ids_text;
    if (list.empty() || list.front() != '[') list = "[" + list + "]";
    std::vector<int64_t> ids;
    try {
      ids = Json::parse(list).get<std::vector<int64_t>>();
    } catch (const Json::exception&) {
      throw Error("gr2 vocab decode: --ids must be integers, as [1, 2, 3] or 1,2,3 (got '" + *ids_text + "')");
    }
    const AnyTokenizer v = open_tokenizer(*vocab);
    std::cout << v.decode(ids) << "\n";
  });
}

void add_vocab_command(CLI::App& app) {
  auto* group = app.add_subcommand(
      "vocab",
      "The language model's vocabulary: SentencePiece text pieces, special tokens and SID tokens\n"
      "(docs/vocabulary.md). Subcommands: train, encode, decode.");
  group->require_subcommand(1);
  add_train(*group);
  add_encode(*group);
  add_decode(*group);
}

}  // namespace
GR2_REGISTER_COMMAND(25, add_vocab_command);
}  // namespace gr2::cli
