// Semantic-ID assignment speed: residual quantization of 1,000,000 items (d = 256, 4 levels x 256
// codes) with the batched GEMM search gr2 uses, against the straightforward nearest-code loop
// (every item x level x code, scalar distances) in the same run. items/s in the output; the
// ratio of the two rates goes to docs/benchmarks.md. Threads: GR2_BENCH_THREADS (default: LibTorch's).
#include <benchmark/benchmark.h>

#include <torch/torch.h>

#include <cstdlib>

#include "gr2/sid/quantize.h"
#include "gr2/sid/rq_vae.h"

namespace {

constexpr int64_t kDim = 256, kLevels = 4, kCodes = 256, kItems = 1000000, kBatch = 65536;

struct Fixture {
  torch::Tensor batch;                 // [kBatch, kDim], unit rows
  std::vector<torch::Tensor> codebooks;  // kLevels x [kCodes, kDim]
  Fixture() {
    if (const char* t = std::getenv("GR2_BENCH_THREADS")) at::set_num_threads(std::atoi(t));
    torch::manual_seed(0);
    batch = torch::randn({kBatch, kDim});
    batch = batch / batch.norm(2, 1, true);
    double scale = 0.5;
    for (int64_t k = 0; k < kLevels; ++k, scale *= 0.5) codebooks.push_back(torch::randn({kCodes, kDim}) * scale / 16);
  }
};
Fixture& fixture() {
  static Fixture f;
  return f;
}

// 1,000,000 items as 16 batches of 65,536 rows (the streaming batch of `gr2 sid assign`), plus the
// last partial batch.
void BM_SidAssignBatched(benchmark::State& state) {
  Fixture& f = fixture();
  for (auto _ : state) {
    for (int64_t done = 0; done < kItems; done += kBatch) {
      const int64_t n = std::min(kBatch, kItems - done);
      benchmark::DoNotOptimize(gr2::sid::residual_encode(f.batch.slice(0, 0, n), f.codebooks));
    }
  }
  state.SetItemsProcessed(state.iterations() * kItems);
  state.counters["threads"] = at::get_num_threads();
}
BENCHMARK(BM_SidAssignBatched)->Unit(benchmark::kMillisecond)->Iterations(1);

// The straightforward search on 4,096 items (a full million would take minutes); compare items/s.
void BM_SidAssignNaiveLoop(benchmark::State& state) {
  Fixture& f = fixture();
  torch::Tensor x = f.batch.slice(0, 0, 4096).contiguous();
  for (auto _ : state) benchmark::DoNotOptimize(gr2::sid::residual_encode_naive(x, f.codebooks));
  state.SetItemsProcessed(state.iterations() * x.size(0));
}
BENCHMARK(BM_SidAssignNaiveLoop)->Unit(benchmark::kMillisecond)->Iterations(1);

// RQ-VAE assignment: encoder 256 -> 256 -> 64 then 4 x 256 codes in the latent space, 1M items.
void BM_SidAssignRqVae(benchmark::State& state) {
  Fixture& f = fixture();
  torch::NoGradGuard no_grad;
  gr2::sid::RqVae model(kDim, 256, 64, kLevels, kCodes);
  model->eval();
  std::vector<torch::Tensor> cbs = model->codebook_list();
  for (auto _ : state) {
    for (int64_t done = 0; done < kItems; done += kBatch) {
      const int64_t n = std::min(kBatch, kItems - done);
      benchmark::DoNotOptimize(gr2::sid::residual_encode(model->encode(f.batch.slice(0, 0, n)), cbs));
    }
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}
BENCHMARK(BM_SidAssignRqVae)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
