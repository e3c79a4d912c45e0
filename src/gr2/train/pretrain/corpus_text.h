// The text corpus (DATA/corpus.txt, one document per line) as token streams for language-model
// training: lines split into train and held-out by a fixed seeded hash of the line number (the same
// split in every stage, so midtraining's plain-text task never trains on pretraining's validation
// lines), each document encoded and followed by <|endoftext|>, concatenated. Plain C++.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gr2/core/rng.h"
#include "gr2/lm/vocabulary.h"

namespace gr2::train::pretrain {

struct CorpusStreams {
  std::vector<int64_t> train;  // token ids, documents separated by eos
  std::vector<int64_t> valid;
  int64_t train_lines = 0, valid_lines = 0;
};

// True when line `index` (0-based) of the corpus is held out for validation at `valid_fraction`.
bool is_valid_line(int64_t index, double valid_fraction);

// Reads and encodes `path`. Blank lines are skipped. With valid_fraction > 0 at least one line is
// held out (the last, when the hash picks none), and at least one is kept for training. Throws
// Error for an unreadable or empty corpus.
CorpusStreams read_corpus_streams(const std::string& path, const lm::Vocabulary& vocab, double valid_fraction);

// `length` consecutive tokens of `stream` starting at a uniformly drawn offset. The stream must
// hold at least `length` tokens.
std::vector<int64_t> random_window(const std::vector<int64_t>& stream, int64_t length, Rng& rng);

}  // namespace gr2::train::pretrain
