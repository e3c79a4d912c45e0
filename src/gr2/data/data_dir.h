// The layout of a data directory, as written by `gr2 data synth` and `gr2 data import`, and
// read by every later stage. One place names the files so that stages agree on them.
#pragma once

#include <string>

#include "gr2/core/file_io.h"
#include "gr2/data/split.h"

namespace gr2 {

struct DataDir {
  std::string root;

  std::string catalog() const { return join_path(root, "catalog.jsonl"); }
  // Every event (the source of histories).
  std::string events() const { return join_path(root, "events.jsonl"); }
  // The events a policy may learn from: those before the validation period (no leakage).
  std::string train_events() const { return join_path(root, "events_train.jsonl"); }
  // One record per user of an imported dataset: train items, valid_target, test_target (leave-one-out).
  std::string sequences() const { return join_path(root, "sequences.jsonl"); }
  std::string slates(SplitPart part) const {
    return join_path(root, std::string("slates_") + split_part_name(part) + ".jsonl");
  }
  // True relevance per request (synthetic data only; absent for logged data).
  std::string truth() const { return join_path(root, "truth.jsonl"); }
  // Item text corpus, one document per line (for tokenizers and pre-training).
  std::string corpus() const { return join_path(root, "corpus.txt"); }
  // Provenance and statistics: generator, config, seed, counts, split cut-offs.
  std::string info() const { return join_path(root, "data.json"); }
};

// The events a model fitted before evaluation may learn from (the SID embedder's co-occurrences,
// popularity): events_train.jsonl when it exists, else "" (none). events.jsonl is never the
// fallback: it holds the validation and test periods too.
inline std::string learnable_events(const DataDir& dir) {
  return file_exists(dir.train_events()) ? dir.train_events() : std::string();
}

}  // namespace gr2
