// Loader for Amazon review datasets in the P5 / S3-Rec sequence format (Beauty, Sports, Toys, ...):
// a sequences file (`user item item ...` per line, oldest first) plus an items table (items.tsv).
// Written for the format, not for one category: ids are opaque tokens, and items whose title is
// empty are described by their brand and categories.
#pragma once

#include <string>

#include "gr2/data/import/imported_dataset.h"

namespace gr2::importer {

struct AmazonSources {
  // One user per line: `user_id item_id item_id ...`, separated by spaces (or tabs), items in
  // chronological order. Blank lines are ignored; CRLF line ends are accepted.
  std::string sequences_path;
  // UTF-8, tab separated, no quoting, a header line naming the columns: item_id, title, brand,
  // categories (required) and asin (optional); other columns are ignored. Categories are joined by
  // " | ". Every item a sequence references needs a row.
  std::string items_path;
  // Skip rows the format can do without, and count them (SkippedRows): malformed or duplicate item
  // rows, item rows with no text, sequence lines without items or repeating a user, and sequence
  // items missing from items.tsv. Off: each of these is an Error naming file:line.
  bool skip_bad_rows = false;
};

// Loads the two files into an ImportedDataset: the catalog holds every valid items.tsv row (items no
// sequence references are dropped later by prepare_dataset); catalog title = the title, or, when it
// is empty, "<brand> <last category>" (marked "title_generated": true in catalog.jsonl); brand as
// is; category = the " | "-separated names in order; "asin" kept as an extra catalog field. Event
// ts = the 0-based position in the user's sequence (the format has no timestamps). Users keep the
// file's order. Throws Error "file:line: ..." on bad input (see skip_bad_rows).
ImportedDataset load_amazon(const AmazonSources& sources);

}  // namespace gr2::importer
