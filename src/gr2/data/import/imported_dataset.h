// An imported public dataset in memory: the catalog plus one time-ordered interaction sequence per
// user, as every loader (Amazon P5 format, MovieLens RecBole files) produces it before the shared
// steps (k-core, leave-one-out split, writing the data directory) run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/data/catalog.h"
#include "gr2/data/import/skipped_rows.h"

namespace gr2::importer {

// One user's interactions, oldest first. `items` are dense catalog indices; `ts` has one entry per
// item and never decreases; `ratings` is empty or has one entry per item.
struct UserSequence {
  std::string user_id;
  std::vector<int32_t> items;
  std::vector<int64_t> ts;
  std::vector<double> ratings;
};

struct ImportedDataset {
  std::string generator;           // "gr2 data import amazon", written to data.json
  Catalog catalog;
  std::vector<Json> item_extra;    // per catalog index: extra catalog.jsonl fields (an object)
  std::vector<UserSequence> users; // in output order
  std::string action = "interaction";  // events.jsonl "action" of every interaction
  std::string category_label = "Categories";  // how corpus.txt introduces Item::category
  Json notes = Json::object();     // data.json entries that describe the source: timestamps, order, ...
  Json source = Json::object();    // data.json "source": input files and their sizes
  SkippedRows skipped;             // rows dropped under --skip-bad-rows

  int64_t interactions() const;
  // Checks the invariants above (sizes, ts order, indices in range); throws Error::internal.
  void check() const;
};

// Removes catalog items that no sequence references (renumbering the sequences) and returns how
// many were removed. Keeps the catalog order of the remaining items.
int64_t drop_items_without_interactions(ImportedDataset& data);

// {"path": path, "bytes": size} for data.json's "source".
Json describe_source_file(const std::string& path);

}  // namespace gr2::importer
