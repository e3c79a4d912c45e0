// Decode speed of the generator at the paper's prompt sizes (issue 17, check 3): batch B, prompts of
// P tokens, N new tokens per row (greedy, no stop tokens, so every row generates exactly N), with the
// KV cache. The baseline is transformers' `generate` on the same config.json in the same run
// (tools/decode_reference.py, called by tools/gpu_check.sh); this file only measures gr2.
// Environment:
//   GR2_DECODE_MODEL  a directory with a config.json (any gr2 or Hugging Face Qwen3 config; random
//                     weights, speed does not depend on them); default: the demo model (vocab 3,000)
//   GR2_DECODE_CASES  comma-separated BxP+N, default "1x256+32,8x128+16" (small enough for a CPU)
//   GR2_BENCH_DEVICE  cpu (float32) or cuda (bfloat16); GR2_BENCH_THREADS  LibTorch intra-op threads
// Counters: new_tokens_per_s (all rows, whole call), decode_tokens_per_s (after the first token),
// first_token_s (prefill + first token), params_M.
#include <benchmark/benchmark.h>

#include <torch/torch.h>

#include <cstdlib>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "gr2/core/rng.h"
#include "gr2/lm/generator.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/lm/qwen3_model.h"

namespace {

using namespace gr2::lm;

struct DecodeCase {
  int64_t batch = 1, prompt = 0, new_tokens = 0;
};

std::vector<DecodeCase> parse_cases(const std::string& spec) {
  std::vector<DecodeCase> out;
  std::stringstream in(spec);
  std::string item;
  while (std::getline(in, item, ',')) {
    DecodeCase c;
    if (std::sscanf(item.c_str(), "%ldx%ld+%ld", &c.batch, &c.prompt, &c.new_tokens) != 3 || c.batch < 1 ||
        c.prompt < 1 || c.new_tokens < 1) {
      std::fprintf(stderr, "decode_bench: GR2_DECODE_CASES: '%s' is not BxP+N (e.g. 1x2200+128)\n", item.c_str());
      std::exit(2);
    }
    out.push_back(c);
  }
  return out;
}

ModelConfig model_config() {
  if (const char* dir = std::getenv("GR2_DECODE_MODEL")) return load_model_config(dir);
  ModelConfig c;  // the defaults are the demo size
  c.vocab_size = 3000;
  return c;
}

Qwen3Lm& model() {
  static Qwen3Lm m = [] {
    if (const char* t = std::getenv("GR2_BENCH_THREADS")) at::set_num_threads(std::atoi(t));
    const char* d = std::getenv("GR2_BENCH_DEVICE");
    const torch::Device device(d ? d : "cpu");
    torch::manual_seed(0);
    Qwen3Lm lm(model_config());
    lm->to(device, device.is_cuda() ? torch::kBFloat16 : torch::kFloat);
    lm->eval();
    return lm;
  }();
  return m;
}

void BM_Decode(benchmark::State& state, DecodeCase c) {
  Qwen3Lm& m = model();
  gr2::Rng rng(1);
  std::vector<std::vector<int64_t>> prompts(static_cast<size_t>(c.batch), std::vector<int64_t>(static_cast<size_t>(c.prompt)));
  for (auto& p : prompts)
    for (auto& t : p) t = static_cast<int64_t>(rng.below(static_cast<uint64_t>(m->config().vocab_size)));
  GenerationOptions options;
  options.max_new_tokens = c.new_tokens;
  options.sampling.temperature = 0.0;  // greedy
  generate(*m, prompts, options);      // warm-up (allocator, kernels)
  GenerationStats sum;
  for (auto _ : state) {
    GenerationStats s;
    benchmark::DoNotOptimize(generate(*m, prompts, options, &s));
    sum.seconds += s.seconds;
    sum.first_token_seconds += s.first_token_seconds;
    sum.new_tokens += s.new_tokens;
    sum.rows += s.rows;
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["new_tokens_per_s"] = static_cast<double>(sum.new_tokens) / sum.seconds;
  state.counters["decode_tokens_per_s"] =
      static_cast<double>(sum.new_tokens - sum.rows) / (sum.seconds - sum.first_token_seconds);
  state.counters["first_token_s"] = sum.first_token_seconds / n;
  state.counters["params_M"] = static_cast<double>(m->config().parameter_count()) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const char* spec = std::getenv("GR2_DECODE_CASES");
  for (const DecodeCase& c : parse_cases(spec ? spec : "1x256+32,8x128+16")) {
    const std::string name = "BM_Decode/batch:" + std::to_string(c.batch) + "/prompt:" + std::to_string(c.prompt) +
                             "/new:" + std::to_string(c.new_tokens);
    benchmark::RegisterBenchmark(name.c_str(), BM_Decode, c)->Unit(benchmark::kMillisecond)->Iterations(3);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
