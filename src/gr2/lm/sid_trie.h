// The catalog's semantic IDs as a prefix tree over SID token ids: node -> the tokens that may come
// next. Built once from a sid::SidTable and shared (read-only) by every constrained row and by beam
// search. Plain C++ (no LibTorch).
#pragma once

#include <cstdint>
#include <vector>

#include "gr2/sid/sid_table.h"

namespace gr2::lm {

class Vocabulary;

class SidTrie {
 public:
  static constexpr int32_t kRoot = 0;

  // Token of (level, code) = sid_offset + level * table.codes + code, the Vocabulary's layout.
  // Throws Error for an empty table, a code outside [0, codes) or two items with the same SID
  // (naming both; sid export's de-duplication makes SIDs unique).
  SidTrie(const sid::SidTable& table, int64_t sid_offset);
  // The same with sid_offset from `vocab`, whose SID levels and codes must match the table's.
  static SidTrie for_vocabulary(const sid::SidTable& table, const Vocabulary& vocab);

  int64_t levels() const { return levels_; }
  int64_t items() const { return static_cast<int64_t>(item_leaf_.size()); }
  int64_t node_count() const { return static_cast<int64_t>(leaf_item_.size()); }
  // Largest SID token id in the trie (check it against the model's vocabulary size).
  int64_t max_token() const { return max_token_; }

  // Children of `node`: child_count tokens in ascending order (child_tokens) and the node each leads
  // to (child_node(node, i)). A leaf (depth == levels()) has none.
  int64_t child_count(int32_t node) const { return first_edge_[node + 1] - first_edge_[node]; }
  const int64_t* child_tokens(int32_t node) const { return edge_token_.data() + first_edge_[node]; }
  int32_t child_node(int32_t node, int64_t i) const { return edge_child_[first_edge_[node] + i]; }
  // The child reached by `token`, or -1 when no catalog SID continues that way.
  int32_t find_child(int32_t node, int64_t token) const;

  // Item index (row of the SidTable) of a leaf, -1 for inner nodes.
  int64_t item(int32_t node) const { return leaf_item_[node]; }
  // The L SID tokens of item `item`.
  std::vector<int64_t> item_tokens(int64_t item) const;

 private:
  int64_t levels_ = 0;
  int64_t max_token_ = 0;
  std::vector<int64_t> first_edge_;  // [nodes + 1] CSR offsets into the edge arrays
  std::vector<int64_t> edge_token_;  // [edges]
  std::vector<int32_t> edge_child_;  // [edges]
  std::vector<int64_t> leaf_item_;   // [nodes]
  std::vector<int32_t> item_leaf_;   // [items]
  std::vector<int32_t> parent_;      // [nodes]
  std::vector<int64_t> node_token_;  // [nodes] token of the edge into the node (-1 for the root)
};

}  // namespace gr2::lm
