// Reading and checking the [pipeline] and [eval] sections.
#include "gr2/pipeline/pipeline_settings.h"

#include <climits>

#include "gr2/core/config.h"
#include "gr2/core/error.h"

namespace gr2::pipeline {

PipelineSettings PipelineSettings::from_config(const Config& config) {
  ConfigSection s = config.section("pipeline");
  PipelineSettings p;
  p.data = s.get_string("data", p.data);
  p.base_model = s.get_string("base_model", p.base_model);
  p.legacy = s.get_string("legacy", p.legacy);
  p.rl_init = s.get_string("rl_init", p.rl_init);
  p.naive_rl = s.get_bool("naive_rl", p.naive_rl);
  p.sft_targeted = s.get_bool("sft_targeted", p.sft_targeted);
  p.sft_rejection = s.get_bool("sft_rejection", p.sft_rejection);
  p.threads = s.get_int_in("threads", p.threads, 0, 1024);
  p.sft_ranks = s.get_int_in("sft_ranks", p.sft_ranks, 1, 1024);
  s.finish();
  if (!p.legacy.empty() && p.legacy != "din" && p.legacy != "prm")
    throw Error("[pipeline] legacy must be \"din\", \"prm\" or \"\", got \"" + p.legacy + "\"");
  if (p.rl_init != "sft_rejection" && p.rl_init != "sft_targeted")
    throw Error("[pipeline] rl_init must be \"sft_rejection\" or \"sft_targeted\"");
  if (p.rl_init == "sft_targeted" && !p.sft_targeted) throw Error("[pipeline] rl_init = \"sft_targeted\" needs sft_targeted = true");
  if (p.rl_init == "sft_rejection" && !p.sft_rejection)
    throw Error("[pipeline] rl_init = \"sft_rejection\" needs sft_rejection = true");
  return p;
}

EvalSettings EvalSettings::from_config(const Config& config) {
  ConfigSection s = config.section("eval");
  EvalSettings e;
  e.policies = s.get_string_list("policies", e.policies);
  e.bootstrap = static_cast<int>(s.get_int_in("bootstrap", e.bootstrap, 1, 1000000));
  e.robustness_slates = s.get_int_in("robustness_slates", e.robustness_slates, -1, INT64_MAX);
  e.limit = s.get_int_in("limit", e.limit, 0, INT64_MAX);
  e.sample = s.get_int_in("sample", e.sample, 0, INT64_MAX);
  e.batch = static_cast<int>(s.get_int_in("batch", e.batch, 1, 100000));
  e.seed = static_cast<uint64_t>(s.get_int_in("seed", 0, 0, INT64_MAX));
  s.finish();
  return e;
}

}  // namespace gr2::pipeline
