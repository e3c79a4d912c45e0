// Corpus lines -> train / held-out token streams.
#include "gr2/train/pretrain/corpus_text.h"

#include <fstream>

#include "gr2/core/error.h"

namespace gr2::train::pretrain {

bool is_valid_line(int64_t index, double valid_fraction) {
  if (valid_fraction <= 0) return false;
  const uint64_t h = splitmix64(derive_seed(0x67723263ull, "corpus-valid") ^ static_cast<uint64_t>(index));
  return static_cast<double>(h >> 11) * 0x1.0p-53 < valid_fraction;
}

CorpusStreams read_corpus_streams(const std::string& path, const lm::Vocabulary& vocab, double valid_fraction) {
  std::ifstream in(path, std::ios::binary);
  require(in.good(), path + ": cannot open the corpus (expected one document per line)");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    lines.push_back(line);
  }
  require(!lines.empty(), path + ": the corpus has no non-blank line");
  std::vector<bool> held(lines.size());
  int64_t held_count = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    held[i] = is_valid_line(static_cast<int64_t>(i), valid_fraction);
    held_count += held[i];
  }
  if (valid_fraction > 0 && lines.size() >= 2) {
    if (held_count == 0) held.back() = true;
    if (held_count == static_cast<int64_t>(lines.size())) held.front() = false;
  }
  CorpusStreams out;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto& stream = held[i] ? out.valid : out.train;
    const auto ids = vocab.encode(lines[i]);
    stream.insert(stream.end(), ids.begin(), ids.end());
    stream.push_back(vocab.eos_id());
    (held[i] ? out.valid_lines : out.train_lines) += 1;
  }
  return out;
}

std::vector<int64_t> random_window(const std::vector<int64_t>& stream, int64_t length, Rng& rng) {
  const int64_t n = static_cast<int64_t>(stream.size());
  check_internal(length >= 1 && n >= length, "random_window: the stream is shorter than the window");
  const int64_t start = static_cast<int64_t>(rng.below(static_cast<uint64_t>(n - length + 1)));
  return std::vector<int64_t>(stream.begin() + start, stream.begin() + start + length);
}

}  // namespace gr2::train::pretrain
