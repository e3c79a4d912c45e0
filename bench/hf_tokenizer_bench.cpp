// Encoding speed of gr2's Hugging Face BPE tokenizer (gr2/lm/hf_bpe_tokenizer.h). Run by
// bench/tokenizer_bench.sh, which measures HF `tokenizers` on the same text in the same run (the
// baseline) and prints the ratio. Reads GR2_BENCH_TOKENIZER (a tokenizer.json) and GR2_BENCH_TEXT (a
// text file, encoded line by line on one thread); without them it registers nothing.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gr2/lm/hf_bpe_tokenizer.h"

namespace {

void encode_lines(benchmark::State& state, const gr2::lm::HfBpeTokenizer* tokenizer,
                  const std::vector<std::string>* lines, int64_t bytes) {
  int64_t tokens = 0;
  for (auto _ : state) {
    tokens = 0;
    for (const std::string& line : *lines) tokens += static_cast<int64_t>(tokenizer->encode(line).size());
    benchmark::DoNotOptimize(tokens);
  }
  state.SetBytesProcessed(state.iterations() * bytes);
  state.counters["tokens"] = static_cast<double>(tokens);
  state.counters["tokens_per_s"] = benchmark::Counter(static_cast<double>(tokens * state.iterations()),
                                                      benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  const char* tokenizer_path = std::getenv("GR2_BENCH_TOKENIZER");
  const char* text_path = std::getenv("GR2_BENCH_TEXT");
  static std::vector<std::string> lines;
  static gr2::lm::HfBpeTokenizer tokenizer;
  if (tokenizer_path && text_path) {
    tokenizer = gr2::lm::HfBpeTokenizer::load(tokenizer_path);
    std::ifstream in(text_path, std::ios::binary);
    int64_t bytes = 0;
    for (std::string line; std::getline(in, line);) {
      bytes += static_cast<int64_t>(line.size());
      lines.push_back(line);
    }
    benchmark::RegisterBenchmark("hf_bpe_encode_lines", encode_lines, &tokenizer, &lines, bytes)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
