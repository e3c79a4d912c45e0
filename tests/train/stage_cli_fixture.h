// Shared fixture of the tests that drive `gr2 sft` and `gr2 rl` through the CLI on a tiny start
// (train/stage_resume_test.cpp, dist/data_parallel_test.cpp): a small world, a tiny re-ranker
// checkpoint without thinking, 24 accepted traces (reversed incoming order), a stages config, the
// command lines, and comparisons of the checkpoints and logs the runs write.
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/reranker/lm_reranker.h"
#include "test_util.h"
#include "train/trace_fixtures.h"

namespace gr2::test {

class StageCliFixture {
 public:
  // Writes the world, the start checkpoint "init", traces.jsonl and `stages_toml` as stages.toml.
  explicit StageCliFixture(const std::string& stages_toml) : world(tmp.path("data")) {
    const std::string init = tmp.path("init");
    write_tiny_checkpoint(init, world, tiny_vocabulary(world), 1, 5);
    LmRerankerOptions o;
    o.prompt.think = false;
    o.prompt.max_history = 4;
    o.prompt.title_chars = 0;
    lm::update_gr2_json(init, "reranker", o.to_json());
    std::string traces;
    for (const Slate& s : world.with_positive(24)) {
      std::vector<int> order(s.candidates.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(order.size() - 1 - i);
      traces += Json{{"request_id", s.request_id}, {"accepted", true}, {"order", order}, {"reasoning", "r"}}.dump() + "\n";
    }
    write_file_atomic(tmp.path("traces.jsonl"), traces);
    write_file_atomic(tmp.path("stages.toml"), stages_toml);
  }

  std::string path(const std::string& name) const { return tmp.path(name); }
  // `gr2 sft` / `gr2 rl` arguments writing to path(out), on the CPU.
  std::string sft_args(const std::string& out) const {
    return "sft --init " + tmp.path("init") + " --data " + world.root + " --traces " + tmp.path("traces.jsonl") +
           " --out " + tmp.path(out) + " --config " + tmp.path("stages.toml") + " --device cpu";
  }
  std::string rl_args(const std::string& out) const {
    return "rl --init " + tmp.path("init") + " --data " + world.root + " --out " + tmp.path(out) + " --config " +
           tmp.path("stages.toml") + " --device cpu";
  }

  // The largest absolute difference between the parameters of checkpoints path(a) and path(b);
  // `moved` (when given) is set to whether path(a) differs from the start checkpoint.
  double max_weight_difference(const std::string& a, const std::string& b, bool* moved = nullptr) const {
    auto ma = lm::load_model(tmp.path(a), torch::kCPU);
    auto mb = lm::load_model(tmp.path(b), torch::kCPU);
    auto init = lm::load_model(tmp.path("init"), torch::kCPU);
    const auto pb = mb->named_parameters();
    const auto pi = init->named_parameters();
    double d = 0;
    bool any = false;
    for (const auto& p : ma->named_parameters()) {
      d = std::max(d, (p.value() - pb[p.key()]).abs().max().item<double>());
      any = any || !torch::equal(p.value(), pi[p.key()]);
    }
    if (moved) *moved = any;
    return d;
  }

  // The "step" of each record of a metrics log that has one (eval records or the others).
  static std::vector<int64_t> logged_steps(const std::string& path, bool eval_records) {
    std::vector<int64_t> steps;
    for (const Json& r : read_jsonl(path))
      if (r.contains("step") && r.contains("eval") == eval_records) steps.push_back(r["step"].get<int64_t>());
    return steps;
  }

  TempDir tmp;
  SmallWorld world;
};

}  // namespace gr2::test
