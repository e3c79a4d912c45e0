// The steps every importer shares after loading: k-core filtering, dropping catalog items nobody
// interacted with, statistics, the leave-one-out split, and writing the data directory (DataDir:
// catalog.jsonl, events.jsonl, events_train.jsonl, sequences.jsonl, corpus.txt, data.json).
#pragma once

#include <cstdint>
#include <string>

#include "gr2/core/jsonl.h"
#include "gr2/data/catalog.h"
#include "gr2/data/import/import_stats.h"
#include "gr2/data/import/imported_dataset.h"
#include "gr2/data/import/kcore.h"

namespace gr2::importer {

struct PreparedSummary {
  int64_t unreferenced_items = 0;  // catalog rows no sequence referenced (dropped before k-core)
  KCoreReport kcore;
  ImportStats stats;               // after k-core

  Json to_json() const;
  std::string describe() const;
};

// Drops items no sequence references, applies k-core (`kcore` <= 1: off), drops the items k-core
// emptied, checks the dataset and computes its statistics. Throws Error if no user is left.
PreparedSummary prepare_dataset(ImportedDataset& data, int kcore);

// Writes the data directory `out_dir` (created if missing); every file is written atomically.
//  - catalog.jsonl: the catalog plus each item's extra fields (e.g. "asin");
//  - events.jsonl: every interaction, grouped by user in sequence order;
//  - events_train.jsonl: only each user's leave-one-out train part (no valid/test targets);
//  - sequences.jsonl: {"user_id", "train": [...], "valid_target", "test_target"} per user
//    (targets null for sequences shorter than 3);
//  - corpus.txt: item_document() of each catalog item, one per line, in catalog order;
//  - data.json: `data.notes`, `data.source`, `options`, the summary and skipped rows.
void write_data_dir(const ImportedDataset& data, const PreparedSummary& summary, const Json& options,
                    const std::string& out_dir);

// One line of corpus text for an item: "Title. Brand: B. <category_label>: c1, c2, c3." (parts that
// are empty are left out; tabs and line breaks become spaces).
std::string item_document(const Item& item, const std::string& category_label);

}  // namespace gr2::importer
