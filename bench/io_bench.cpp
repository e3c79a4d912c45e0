// Reading-rate benchmark for the data layer: validated slate parsing against bare JSON parsing of
// the same lines (the baseline, measured in the same run), so the ratio shows validation cost.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/core/rng.h"
#include "gr2/data/slates.h"

namespace {

std::vector<std::string> make_slate_lines(int n) {
  gr2::Rng rng(1);
  std::vector<std::string> lines;
  for (int i = 0; i < n; ++i) {
    gr2::Slate s;
    s.request_id = "r" + std::to_string(i);
    s.user_id = "u" + std::to_string(rng.below(1000));
    s.ts = 1000 + i;
    for (int h = 0; h < 20; ++h) s.history.push_back("i" + std::to_string(rng.below(5000)));
    for (int k = 0; k < 10; ++k) {
      s.candidates.push_back({"c" + std::to_string(i) + "_" + std::to_string(k), rng.uniform()});
      s.labels.push_back(rng.bernoulli(0.1) ? 1 : 0);
    }
    lines.push_back(gr2::SlateWriter::slate_to_json(s).dump());
  }
  return lines;
}

const std::vector<std::string>& lines() {
  static const std::vector<std::string> l = make_slate_lines(2000);
  return l;
}

void BM_JsonParseOnly(benchmark::State& state) {
  for (auto _ : state) {
    for (const auto& line : lines()) benchmark::DoNotOptimize(gr2::Json::parse(line));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(lines().size()));
}
BENCHMARK(BM_JsonParseOnly)->Unit(benchmark::kMillisecond);

void BM_SlateParseValidated(benchmark::State& state) {
  gr2::SlateLimits limits;
  for (auto _ : state) {
    for (const auto& line : lines()) {
      gr2::Json j = gr2::parse_json_line(line, "bench:1");
      benchmark::DoNotOptimize(gr2::slate_from_json(j, "bench:1", limits));
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(lines().size()));
}
BENCHMARK(BM_SlateParseValidated)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
