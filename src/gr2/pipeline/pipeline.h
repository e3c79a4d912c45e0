// `gr2 pipeline` / `gr2 demo`: the whole GR2 recipe in one work directory, stage by stage:
//   data -> sid -> pretrain -> midtrain -> traces -> sft -> rl -> eval
// Each stage reads the files earlier stages wrote and records a stamp (WORK/stages/NAME.json) with
// a fingerprint of the config sections it reads and of the stages it depends on. A stage whose
// stamp matches is skipped, so rerunning after a change redoes only what the change affects, and a
// killed run continues from the first incomplete stage (training stages also resume mid-stage).
#pragma once

#include <string>
#include <vector>

#include "gr2/rank/evaluation.h"

namespace gr2::pipeline {

struct PipelineOptions {
  std::string config_path;          // TOML config (configs/demo.toml); "" = built-in defaults
  std::vector<std::string> sets;    // "section.key=value" overrides
  std::string work = "work/demo";   // work directory
  std::string device = "auto";
  bool force = false;               // rerun every stage
};

struct PipelineResult {
  std::string report_dir;  // WORK/eval (report.md, report.json, report.svg)
  EvalResult eval;
  double seconds = 0;
};

// Runs the stages in order (skipping current ones) and evaluates on the test slates. Prints one
// line per stage to stderr. Throws Error for bad configs or inputs.
PipelineResult run_pipeline(const PipelineOptions& options);

// The config sections the pipeline accepts ([prerank] is accepted and ignored, so a dataset keeps one
// config file); a config with any other top-level table is refused.
const std::vector<std::string>& pipeline_sections();

}  // namespace gr2::pipeline
