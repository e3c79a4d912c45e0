// The traces stage on a data directory, as `gr2 traces` and the pipeline run it: loads the catalog,
// the training slates (and training events for the heuristic teacher) and the SID table, builds
// the configured teacher and generates the traces (trace_generation.h).
#pragma once

#include <string>

#include "gr2/train/traces/trace_generation.h"
#include "gr2/train/traces/traces_config.h"

namespace gr2::train::traces {

struct TracesStageOptions {
  std::string data_dir;    // catalog.jsonl, slates_train.jsonl, events_train.jsonl
  std::string sids_path;   // sids.jsonl
  std::string out_path;    // the traces file (appended to / resumed)
  std::string vocab_dir;   // optional: a vocabulary for exact reasoning lengths in the report
  std::string device = "cpu";  // the checkpoint teacher's device
  bool show_progress = true;
  Json run_info = Json::object();  // extra provenance for the report
};

// Runs the stage with `config` (its mode, attempts, temperature, limit, batch, teacher). Throws
// Error on bad input (missing files, items without SIDs, an unknown teacher...).
TraceRunResult run_traces_stage(const TracesConfig& config, const TracesStageOptions& options);

}  // namespace gr2::train::traces
