// `gr2 vocab`: the language model's vocabulary. Subcommands train (SentencePiece text model on a
// corpus + special tokens, optionally SID tokens) and encode (shows the ids and pieces of a text).
// Argument parsing only: the work is in gr2/lm/vocabulary.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "gr2/cli/command.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/core/timing.h"
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

void add_encode(CLI::App& group) {
  auto vocab = std::make_shared<std::string>();
  auto text = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand(
      "encode",
      "Encode a text with a vocabulary and print the token ids, the pieces (as JSON strings) and\n"
      "whether decoding gives the text back.\n"
      "Example: gr2 vocab encode --vocab work/vocab --text \"<|im_start|>user hello<|im_end|>\"");
  cmd->add_option("--vocab", *vocab, "Vocabulary directory (gr2.json + tokenizer.model), e.g. a checkpoint")->required();
  auto* text_opt = cmd->add_option("--text", *text, "Text to encode");
  auto* file_opt = cmd->add_option("--file", *file, "Encode this file's content instead")->check(CLI::ExistingFile);
  text_opt->excludes(file_opt);
  cmd->callback([vocab, text, file] {
    require(!text->empty() || !file->empty(), "gr2 vocab encode: give --text TEXT or --file FILE");
    const lm::Vocabulary v = lm::Vocabulary::load(*vocab);
    const std::string input = file->empty() ? *text : read_file(*file);
    const std::vector<int64_t> ids = v.encode(input);
    Json pieces = Json::array();
    for (int64_t id : ids) pieces.push_back(v.piece(id));
    std::cout << "tokens: " << ids.size() << " (" << input.size() << " bytes)\n"
              << "ids: " << Json(ids).dump() << "\n"
              << "pieces: " << pieces.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n"
              << "round trip: " << (v.decode(ids) == input ? "exact" : "DIFFERS") << "\n";
  });
}

void add_vocab_command(CLI::App& app) {
  auto* group = app.add_subcommand(
      "vocab",
      "The language model's vocabulary: SentencePiece text pieces, special tokens and SID tokens\n"
      "(docs/vocabulary.md). Subcommands: train, encode.");
  group->require_subcommand(1);
  add_train(*group);
  add_encode(*group);
}

}  // namespace
GR2_REGISTER_COMMAND(25, add_vocab_command);
}  // namespace gr2::cli
