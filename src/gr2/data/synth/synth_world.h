// The simulator and writer of the synthetic world (`gr2 data synth`): generates the catalog, then
// simulates user after user (sessions with upstream-ranked slates, position-biased clicks and
// purchases, organic purchases) and streams every output file of the data directory (DataDir).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/data/split.h"
#include "gr2/data/synth/synth_config.h"

namespace gr2::synth {

// Counts and label statistics of a generated world (also written to data.json).
struct SynthSummary {
  int64_t items = 0;
  int64_t users = 0;
  int64_t events = 0;            // all events (events.jsonl)
  int64_t train_events = 0;      // events before the validation period (events_train.jsonl)
  int64_t organic_events = 0;    // purchases made outside slates
  int64_t slates[3] = {0, 0, 0}; // train, valid, test
  int64_t clicks = 0;            // candidates with label >= 1
  int64_t purchases = 0;         // candidates with label 2
  int64_t slates_with_positive = 0;
  std::vector<int64_t> clicks_by_position;  // [slate_size]: candidates with label >= 1 per position
  TimeSplit split;               // the cut-offs used

  int64_t total_slates() const { return slates[0] + slates[1] + slates[2]; }
  Json to_json() const;
};

// Writes a complete data directory under `out_dir` (created if missing): catalog.jsonl,
// corpus.txt, events.jsonl, events_train.jsonl, slates_{train,valid,test}.jsonl, truth.jsonl and
// data.json. Every file is written atomically; the same config (seed included) gives byte-identical
// files. Memory grows with the catalog, not with the number of users or events. Shows progress on
// stderr (gr2::Progress). Throws Error when a file cannot be written.
SynthSummary generate_world(const SynthConfig& config, const std::string& out_dir);

}  // namespace gr2::synth
