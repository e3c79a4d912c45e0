// Logged re-ranking requests (slates.jsonl, docs/formats.md): a user's history, the K candidates in the
// upstream ranker's order ("incoming order") and a graded engagement label per candidate.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/data/catalog.h"

namespace gr2 {

struct Candidate {
  std::string item_id;
  double score = 0.0;  // upstream score; finite
};

struct Slate {
  std::string request_id;            // unique within a file
  std::string user_id;
  int64_t ts = 0;
  std::vector<std::string> history;  // item ids, oldest first
  std::vector<Candidate> candidates; // incoming order; distinct item ids
  std::vector<int> labels;           // graded, >= 0, one per candidate (0 = no engagement)

  int size() const { return static_cast<int>(candidates.size()); }
  bool has_positive() const;
  int max_label() const;
};

// Bounds a reader enforces on every slate.
struct SlateLimits {
  int min_candidates = 2;
  int max_candidates = 200;
  int max_history = 100000;
  int max_label = 100;
};

// Calls `visit` for each slate in file order after validating it: required fields and types,
// distinct candidates, labels/candidates length match, finite scores, size limits, unique
// request ids, and (when `catalog` is given) known item ids. Errors name file:line:field.
void for_each_slate(const std::string& path, const Catalog* catalog, const SlateLimits& limits,
                    const std::function<void(Slate&&)>& visit);

std::vector<Slate> read_slates(const std::string& path, const Catalog* catalog = nullptr,
                               const SlateLimits& limits = {});

class SlateWriter {
 public:
  explicit SlateWriter(const std::string& path) : writer_(path) {}
  void write(const Slate& slate) { writer_.write(slate_to_json(slate)); }
  void commit() { writer_.commit(); }
  int64_t records() const { return writer_.records(); }
  static Json slate_to_json(const Slate& slate);

 private:
  JsonlWriter writer_;
};

// Parses and validates one slate record (no catalog or duplicate-id checks).
Slate slate_from_json(const Json& record, const std::string& where, const SlateLimits& limits);

// Writes slates to `path` atomically.
void write_slates(const std::string& path, const std::vector<Slate>& slates);

}  // namespace gr2
