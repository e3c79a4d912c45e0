// SidTrie: built level by level from the items sorted by SID, so every node's children are
// contiguous and sorted (CSR layout).
#include "gr2/lm/sid_trie.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "gr2/core/error.h"
#include "gr2/lm/vocabulary.h"

namespace gr2::lm {

SidTrie::SidTrie(const sid::SidTable& table, int64_t sid_offset) : levels_(table.levels) {
  const int64_t n = table.size(), L = table.levels, C = table.codes;
  require(n > 0, "SID trie: the SID table has no items");
  require(L > 0 && C > 0, "SID trie: the SID table has no levels or codes");
  require(static_cast<int64_t>(table.sids.size()) == n * L, "SID trie: SID table has " +
                                                                std::to_string(table.sids.size()) + " codes for " +
                                                                std::to_string(n) + " items x " + std::to_string(L) +
                                                                " levels");
  require(n < (int64_t{1} << 31) / (L + 1), "SID trie: too many items (" + std::to_string(n) + ")");
  for (int64_t i = 0; i < n; ++i)
    for (int64_t l = 0; l < L; ++l) {
      const int32_t c = table.sid(i)[l];
      require(c >= 0 && c < C, "SID trie: item '" + table.ids[static_cast<size_t>(i)] + "' has code " +
                                   std::to_string(c) + " at level " + std::to_string(l) + ", outside [0, " +
                                   std::to_string(C) + ")");
    }
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    const int32_t *sa = table.sid(a), *sb = table.sid(b);
    for (int64_t l = 0; l < L; ++l)
      if (sa[l] != sb[l]) return sa[l] < sb[l];
    return a < b;
  });
  for (int64_t k = 1; k < n; ++k) {
    const int64_t a = order[static_cast<size_t>(k - 1)], b = order[static_cast<size_t>(k)];
    require(!std::equal(table.sid(a), table.sid(a) + L, table.sid(b)),
            "SID trie: items '" + table.ids[static_cast<size_t>(a)] + "' and '" + table.ids[static_cast<size_t>(b)] +
                "' have the same SID " + sid::sid_to_tokens(table.sid(a), L) +
                "; SIDs must be unique (gr2 sid assign de-duplicates them)");
  }

  // Nodes of the current level as ranges [begin, end) of `order`; node ids are assigned in BFS order
  // and edges appended node by node, so first_edge_ is a CSR offset array.
  struct Range {
    int64_t begin, end;
  };
  std::vector<Range> level_nodes{{0, n}};
  leaf_item_.push_back(-1);
  parent_.push_back(-1);
  node_token_.push_back(-1);
  first_edge_.push_back(0);
  int32_t next_id = 1;
  for (int64_t l = 0; l < L; ++l) {
    std::vector<Range> children;
    for (size_t v = 0; v < level_nodes.size(); ++v) {
      const Range r = level_nodes[v];
      for (int64_t k = r.begin; k < r.end;) {
        const int32_t code = table.sid(order[static_cast<size_t>(k)])[l];
        int64_t e = k + 1;
        while (e < r.end && table.sid(order[static_cast<size_t>(e)])[l] == code) ++e;
        const int64_t token = sid_offset + l * C + code;
        edge_token_.push_back(token);
        edge_child_.push_back(static_cast<int32_t>(next_id + static_cast<int32_t>(children.size())));
        children.push_back({k, e});
        k = e;
      }
      first_edge_.push_back(static_cast<int64_t>(edge_token_.size()));
    }
    // Register the children (next level's nodes).
    size_t e0 = edge_token_.size() - children.size();
    for (size_t c = 0; c < children.size(); ++c) {
      node_token_.push_back(edge_token_[e0 + c]);
      leaf_item_.push_back(l + 1 == L ? order[static_cast<size_t>(children[c].begin)] : -1);
    }
    next_id += static_cast<int32_t>(children.size());
    level_nodes = std::move(children);
  }
  // Leaves have no edges.
  for (size_t v = 0; v < level_nodes.size(); ++v) first_edge_.push_back(static_cast<int64_t>(edge_token_.size()));
  max_token_ = *std::max_element(edge_token_.begin(), edge_token_.end());
  // Parents from the CSR layout.
  parent_.assign(static_cast<size_t>(next_id), -1);
  for (int32_t v = 0; v < next_id; ++v)
    for (int64_t i = 0; i < child_count(v); ++i) parent_[static_cast<size_t>(child_node(v, i))] = v;
  item_leaf_.assign(static_cast<size_t>(n), -1);
  for (int32_t v = 0; v < next_id; ++v)
    if (leaf_item_[static_cast<size_t>(v)] >= 0) item_leaf_[static_cast<size_t>(leaf_item_[static_cast<size_t>(v)])] = v;
}

SidTrie SidTrie::for_vocabulary(const sid::SidTable& table, const Vocabulary& vocab) {
  require(vocab.sid_levels() == table.levels && vocab.sid_codes() == table.codes,
          "SID trie: the vocabulary has SID tokens for " + std::to_string(vocab.sid_levels()) + " levels x " +
              std::to_string(vocab.sid_codes()) + " codes, the SID table has " + std::to_string(table.levels) +
              " x " + std::to_string(table.codes));
  return SidTrie(table, vocab.sid_offset());
}

int32_t SidTrie::find_child(int32_t node, int64_t token) const {
  const int64_t* begin = child_tokens(node);
  const int64_t* end = begin + child_count(node);
  const int64_t* it = std::lower_bound(begin, end, token);
  if (it == end || *it != token) return -1;
  return child_node(node, it - begin);
}

std::vector<int64_t> SidTrie::item_tokens(int64_t item) const {
  require(item >= 0 && item < items(), "SID trie: no item " + std::to_string(item));
  std::vector<int64_t> tokens(static_cast<size_t>(levels_));
  int32_t v = item_leaf_[static_cast<size_t>(item)];
  for (int64_t l = levels_ - 1; l >= 0; --l) {
    tokens[static_cast<size_t>(l)] = node_token_[static_cast<size_t>(v)];
    v = parent_[static_cast<size_t>(v)];
  }
  return tokens;
}

}  // namespace gr2::lm
