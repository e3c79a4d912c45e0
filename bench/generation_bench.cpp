// Generation speed and memory (issue 5 targets; numbers in docs/benchmarks.md, "Generation"):
//  - decode with the KV cache against recomputing the whole prefix every step: batch 32, prompts of
//    96-160 tokens, 64 new tokens, the demo-size model (hidden 128, 4 layers, vocab 3,000);
//  - constrained decoding against unconstrained decoding of the same number of tokens: a
//    permutation of 10 candidates' SIDs (64 tokens), one SID of a 5,000-item catalog (7 tokens);
//  - RL-shaped rollouts (8 prompts x 4 samples, prefilled once per prompt) against 32 distinct
//    prompts of the same lengths;
//  - new tokens/s and peak resident memory of generation for the demo model and a ~100M-parameter
//    model (hidden 768, 12 layers, 12 heads, 4 kv heads, intermediate 2048, vocab 32,000).
// Comparisons alternate the two cases call by call (A B A B ...) and compare medians, so load from
// other processes hits both alike; the ratios are printed at the end. Random weights: speed does
// not depend on them. Threads: GR2_BENCH_THREADS (default: LibTorch's). Device: GR2_BENCH_DEVICE
// (cpu, cuda; bfloat16 on CUDA, where peak_rss is host memory only).
#include <benchmark/benchmark.h>

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "gr2/core/rng.h"
#include "gr2/lm/catalog_constraint.h"
#include "gr2/lm/generator.h"
#include "gr2/lm/permutation_constraint.h"
#include "gr2/lm/qwen3_model.h"
#include "gr2/lm/sid_trie.h"

namespace {

using namespace gr2::lm;

// Vocabulary layout of lm::Vocabulary: text pieces, 7 specials, SID tokens (4 levels x 256 codes).
constexpr int64_t kLevels = 4, kCodes = 256;
struct Layout {
  int64_t text, sid_offset;
  int64_t eos() const { return text; }
  int64_t im_end() const { return text + 2; }
  int64_t think_end() const { return text + 4; }
  int64_t sid_begin() const { return text + 5; }
  int64_t sid_end() const { return text + 6; }
};
Layout layout(int64_t vocab) { return {vocab - 7 - kLevels * kCodes, vocab - kLevels * kCodes}; }

ModelConfig demo_config() {
  ModelConfig c;  // the defaults are the demo size: hidden 128, 4 layers, 4 heads, 2 kv heads
  c.vocab_size = 3000;
  return c;
}

ModelConfig config_100m() {
  ModelConfig c;
  c.vocab_size = 32000;
  c.hidden_size = 768;
  c.num_hidden_layers = 12;
  c.num_attention_heads = 12;
  c.num_key_value_heads = 4;
  c.head_dim = 64;
  c.intermediate_size = 2048;
  return c;
}

Qwen3Lm& model(const ModelConfig& config) {
  static std::map<int64_t, Qwen3Lm> models;  // by hidden size
  auto it = models.find(config.hidden_size);
  if (it == models.end()) {
    if (const char* t = std::getenv("GR2_BENCH_THREADS")) at::set_num_threads(std::atoi(t));
    const char* d = std::getenv("GR2_BENCH_DEVICE");
    const torch::Device device(d ? d : "cpu");
    torch::manual_seed(0);
    Qwen3Lm m(config);
    m->to(device, device.is_cuda() ? torch::kBFloat16 : torch::kFloat);
    m->eval();
    it = models.emplace(config.hidden_size, m).first;
  }
  return it->second;
}

std::vector<std::vector<int64_t>> prompts(int64_t batch, int64_t text) {
  gr2::Rng rng(1);
  std::vector<std::vector<int64_t>> out;
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<int64_t> p(static_cast<size_t>(96 + rng.below(65)));  // 96-160 tokens
    for (auto& t : p) t = static_cast<int64_t>(rng.below(static_cast<uint64_t>(text)));
    out.push_back(p);
  }
  return out;
}

// ---- measuring one generate call ----

double status_mb(const char* key) {  // a "VmXXX:" line of /proc/self/status, in MB
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::atof(line.c_str() + std::string(key).size()) / 1024.0;
  return 0;
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Case {
  ModelConfig config;
  std::function<std::vector<GenerationRequest>()> requests;
  GenerationOptions options;
};

struct Measure {
  double wall = 0, cpu = 0, decode = 0;  // seconds: whole call, process CPU (all threads), after the first token
  int64_t new_tokens = 0, rows = 0;
  double rss_before_mb = 0, peak_rss_mb = 0;
};

Measure measure(const Case& c) {
  Qwen3Lm& m = model(c.config);
  auto requests = c.requests();
  Measure r;
  r.rss_before_mb = status_mb("VmRSS:");
  std::ofstream("/proc/self/clear_refs") << "5";  // restart the resident high-water mark here
  GenerationStats stats;
  const double cpu0 = process_cpu_seconds();
  benchmark::DoNotOptimize(generate(*m, requests, c.options, &stats));
  r.cpu = process_cpu_seconds() - cpu0;
  r.peak_rss_mb = status_mb("VmHWM:");
  r.wall = stats.seconds;
  r.decode = stats.seconds - stats.first_token_seconds;
  r.new_tokens = stats.new_tokens;
  r.rows = stats.rows;
  return r;
}

// ---- the cases ----

constexpr int64_t kBatch = 32, kNew = 64;

GenerationOptions sampling(int64_t new_tokens, bool cache = true) {
  GenerationOptions o;
  o.max_new_tokens = new_tokens;
  o.use_cache = cache;
  o.sampling.temperature = 1.0;
  o.sampling.seed = 1;
  return o;
}

Case free_case(const ModelConfig& config, int64_t batch, int64_t new_tokens, bool cache = true) {
  auto ps = prompts(batch, layout(config.vocab_size).text);
  return {config,
          [ps] {
            std::vector<GenerationRequest> r;
            for (const auto& p : ps) r.push_back({p, nullptr, -1, {}});
            return r;
          },
          sampling(new_tokens, cache)};
}

// RL-shaped rollouts: 8 prompts x 4 samples each (a group shares its prompt, so generate()
// prefills it once) or, with `shared` false, 32 distinct prompts of the same lengths (each group's
// copies differ in their last token): the same shapes, only the prefill sharing differs.
Case group_case(bool shared, int64_t new_tokens) {
  const ModelConfig config = demo_config();
  auto ps = prompts(8, layout(config.vocab_size).text);
  std::vector<std::vector<int64_t>> rows;
  for (const auto& p : ps) {
    for (int64_t g = 0; g < 4; ++g) {
      rows.push_back(p);
      if (!shared) rows.back().back() = g;
    }
  }
  return {config,
          [rows] {
            std::vector<GenerationRequest> r;
            for (const auto& p : rows) r.push_back({p, nullptr, -1, {}});
            return r;
          },
          sampling(new_tokens)};
}

// 10 candidates x (sid_begin + 4 SID tokens + sid_end) after a think block capped at 2 tokens and
// </think>, then im_end: exactly 64 tokens per row, as many as the unconstrained case.
Case permutation_case() {
  const ModelConfig config = demo_config();
  const Layout lay = layout(config.vocab_size);
  auto ps = prompts(kBatch, lay.text);
  return {config,
          [ps, lay] {
            gr2::Rng rng(2);
            std::vector<GenerationRequest> requests;
            for (const auto& p : ps) {
              std::set<std::vector<int64_t>> seen;
              std::vector<std::vector<int64_t>> cands;
              while (cands.size() < 10) {
                std::vector<int64_t> t{lay.sid_begin()};
                for (int64_t l = 0; l < kLevels; ++l) t.push_back(lay.sid_offset + l * kCodes + static_cast<int64_t>(rng.below(kCodes)));
                t.push_back(lay.sid_end());
                if (seen.insert(t).second) cands.push_back(t);
              }
              PermutationFormat f;
              f.think = true;
              f.think_end = lay.think_end();
              f.max_think_tokens = 2;
              f.end = {lay.im_end()};
              f.banned_in_think = {lay.im_end(), lay.eos()};
              requests.push_back({p, std::make_shared<PermutationConstraint>(cands, f), -1, {}});
            }
            return requests;
          },
          sampling(kNew)};
}

// One SID of a 5,000-item catalog (4 x 256 codes): sid_begin, 4 SID tokens, sid_end, im_end.
Case catalog_case() {
  const ModelConfig config = demo_config();
  const Layout lay = layout(config.vocab_size);
  gr2::sid::SidTable table;
  table.levels = kLevels;
  table.codes = kCodes;
  gr2::Rng rng(3);
  std::set<std::vector<int32_t>> seen;
  while (table.size() < 5000) {
    std::vector<int32_t> sid;
    for (int64_t l = 0; l < kLevels; ++l) sid.push_back(static_cast<int32_t>(rng.below(kCodes)));
    if (!seen.insert(sid).second) continue;
    table.ids.push_back(std::to_string(table.size()));
    table.sids.insert(table.sids.end(), sid.begin(), sid.end());
  }
  auto trie = std::make_shared<const SidTrie>(table, lay.sid_offset);
  auto ps = prompts(kBatch, lay.text);
  return {config,
          [ps, lay, trie] {
            std::vector<GenerationRequest> requests;
            for (const auto& p : ps)
              requests.push_back({p, std::make_shared<CatalogSidConstraint>(trie, lay.sid_begin(), lay.sid_end(), std::vector<int64_t>{lay.im_end()}), -1, {}});
            return requests;
          },
          sampling(kLevels + 3)};
}

// ---- benchmarks ----

// Throughput and peak memory of one case (one warm-up call first when `warm_up`).
void throughput(benchmark::State& state, const Case& c, bool warm_up) {
  if (warm_up) measure(c);
  Measure sum, worst;
  int64_t n = 0;
  for (auto _ : state) {
    const Measure m = measure(c);
    sum.wall += m.wall;
    sum.cpu += m.cpu;
    sum.decode += m.decode;
    sum.new_tokens += m.new_tokens;
    sum.rows += m.rows;
    worst.peak_rss_mb = std::max(worst.peak_rss_mb, m.peak_rss_mb);
    worst.rss_before_mb = std::max(worst.rss_before_mb, m.peak_rss_mb - m.rss_before_mb);
    ++n;
  }
  state.counters["new_tokens_per_s"] = static_cast<double>(sum.new_tokens) / sum.wall;
  // The first token of each row comes with the prefill; the rest are decode steps.
  state.counters["decode_tokens_per_s"] = static_cast<double>(sum.new_tokens - sum.rows) / sum.decode;
  state.counters["first_token_s"] = (sum.wall - sum.decode) / static_cast<double>(n);
  state.counters["process_cpu_s"] = sum.cpu / static_cast<double>(n);
  state.counters["peak_rss_MB"] = worst.peak_rss_mb;
  state.counters["gen_extra_MB"] = worst.rss_before_mb;  // peak during the call - resident size before it
  state.counters["params_M"] = static_cast<double>(c.config.parameter_count()) / 1e6;
}

void BM_DemoGenerateKvCache(benchmark::State& state) { throughput(state, free_case(demo_config(), kBatch, kNew), true); }
BENCHMARK(BM_DemoGenerateKvCache)->Unit(benchmark::kMillisecond)->Iterations(3);

// batch 8, 32 new tokens (fewer than the demo runs: 2 CPU cores).
void BM_100mGenerateKvCache(benchmark::State& state) { throughput(state, free_case(config_100m(), 8, 32), false); }
BENCHMARK(BM_100mGenerateKvCache)->Unit(benchmark::kMillisecond)->Iterations(1);

struct Ratio {
  std::string what, target;
  double wall, cpu, decode;
  int calls_a, calls_b;
};
std::vector<Ratio>& ratios() {
  static std::vector<Ratio> r;
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Alternates `a` (once per round) and `b` (`b_per_round` times) for `reps` rounds, after one
// warm-up call each; counters and the summary get median(a) / median(b) for wall, process CPU and
// decode-only wall time.
void compare(benchmark::State& state, const std::string& what, const std::string& target, const Case& a,
             const Case& b, int reps, int b_per_round = 1) {
  measure(a);
  measure(b);
  std::vector<double> aw, ac, ad, bw, bc, bd;
  for (auto _ : state) {
    for (int r = 0; r < reps; ++r) {
      const Measure ma = measure(a);
      aw.push_back(ma.wall), ac.push_back(ma.cpu), ad.push_back(ma.decode);
      for (int k = 0; k < b_per_round; ++k) {
        const Measure mb = measure(b);
        bw.push_back(mb.wall), bc.push_back(mb.cpu), bd.push_back(mb.decode);
      }
    }
  }
  const Ratio r{what, target, median(aw) / median(bw), median(ac) / median(bc), median(ad) / median(bd),
                static_cast<int>(aw.size()), static_cast<int>(bw.size())};
  ratios().push_back(r);
  state.counters["ratio_wall"] = r.wall;
  state.counters["ratio_cpu"] = r.cpu;
  state.counters["ratio_decode"] = r.decode;
  state.counters["a_wall_s"] = median(aw);
  state.counters["b_wall_s"] = median(bw);
}

void BM_DemoRecomputeVsKvCache(benchmark::State& state) {
  compare(state, "recompute prefix / KV cache (batch 32, 64 new tokens)", "target >= 5",
          free_case(demo_config(), kBatch, kNew, false), free_case(demo_config(), kBatch, kNew), 2, 3);
}
BENCHMARK(BM_DemoRecomputeVsKvCache)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_DemoDistinctVsSharedPrompts(benchmark::State& state) {
  compare(state, "32 distinct prompts / 8 prompts x 4 samples (prefill once)", "< 1: sharing slower",
          group_case(false, 16), group_case(true, 16), 7);
}
BENCHMARK(BM_DemoDistinctVsSharedPrompts)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_DemoPermutationVsFree(benchmark::State& state) {
  compare(state, "permutation-constrained / unconstrained (64 tokens)", "target <= 1.20", permutation_case(),
          free_case(demo_config(), kBatch, kNew), 7);
}
BENCHMARK(BM_DemoPermutationVsFree)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_DemoCatalogVsFree(benchmark::State& state) {
  compare(state, "catalog-constrained / unconstrained (7 tokens)", "target <= 1.20", catalog_case(),
          free_case(demo_config(), kBatch, kLevels + 3), 15);
}
BENCHMARK(BM_DemoCatalogVsFree)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  if (!ratios().empty()) std::printf("\nratios (medians of alternating calls in this run):\n");
  for (const Ratio& r : ratios())
    std::printf("  %-54s wall %6.2f  cpu %6.2f  decode-only %6.2f  (%d vs %d calls; %s)\n", r.what.c_str(), r.wall,
                r.cpu, r.decode, r.calls_a, r.calls_b, r.target.c_str());
  benchmark::Shutdown();
  return 0;
}
