// Loader for MovieLens (ML-100K and the other GroupLens sets) as RecBole atomic files: an `.inter`
// file of ratings and an `.item` file of movies, tab separated with typed `name:type` headers.
#pragma once

#include <string>

#include "gr2/data/import/imported_dataset.h"

namespace gr2::importer {

struct MovieLensSources {
  // Columns found by header name: user_id, item_id, timestamp (required), rating (optional); others
  // are ignored. One rating per line.
  std::string inter_path;
  // Columns: item_id, movie_title (required), release_year, class (optional genres, space separated).
  std::string item_path;
};

// Loads the two files into an ImportedDataset. Every rating is an interaction (action "rating",
// with its "rating" value kept in events.jsonl). Each user's ratings are ordered by timestamp, ties
// in the order of the .inter file (a stable sort). Users are ordered by numeric id when every user
// id is an integer, else by first appearance. Catalog: title = "<movie_title> (<year>)" when the
// year is a number (else the title alone), category = the genres in the file's order (a list, not
// a hierarchy), extra field "year". Throws Error "file:line: field '...': ..." on any bad row
// (wrong field count, empty or duplicate id, unknown item, non-numeric timestamp or rating).
ImportedDataset load_movielens(const MovieLensSources& sources);

}  // namespace gr2::importer
