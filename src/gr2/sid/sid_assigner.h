// SIDs for items the SID table does not have, from their text: the saved text model embeds the
// text into the catalog's embedding space (text_embedder.h), the trained tokenizer quantizes it to
// its nearest codes (sid_model.h), and the result is moved to the nearest SID no item holds
// (sid_table.h, take_nearest_free_sid) so that every SID stays unique. Used by `gr2 serve` for
// new items in requests (real slates are full of items the training catalog never saw).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <ATen/core/Tensor.h>

#include "gr2/sid/sid_model.h"
#include "gr2/sid/sid_table.h"
#include "gr2/sid/text_embedder.h"

namespace gr2::sid {

class SidAssigner {
 public:
  // `taken`: the SIDs already held (the served table); its levels must equal the tokenizer's and
  // its codes must not exceed `codes_limit` (the SID tokens the vocabulary has). The text model's
  // output width must equal the tokenizer's input width. Throws Error saying which disagrees.
  SidAssigner(TextEmbedder text, SidModel tokenizer, const SidTable& taken, int64_t codes_limit);

  // Loads a `gr2 sid train` output directory: DIR/codebooks.safetensors and the text model written
  // by `gr2 sid embed` beside the embeddings it trained on (DIR/embeddings.text_embedder.safetensors,
  // or `text_model_path` when not empty). Throws Error naming a missing or malformed file.
  static std::unique_ptr<SidAssigner> load(const std::string& dir, const std::string& text_model_path,
                                           const SidTable& taken, int64_t codes_limit);

  // The embedding of an item's text ([d] float32, CPU); `known_terms` receives how many of its
  // terms the catalog's vocabulary has (0: the text says nothing the tokenizer can place).
  // Thread-safe.
  at::Tensor embed(const std::string& title, const std::vector<std::string>& category, const std::string& brand,
                   int64_t* known_terms) const;

  // A unique SID [levels] for `embedding` (from embed()): its nearest codes, moved to the nearest
  // free SID, then recorded as taken. Not thread-safe (one caller at a time). Throws Error when no
  // SID is free.
  std::vector<int32_t> assign(const at::Tensor& embedding);

  int64_t levels() const { return tokenizer_.levels; }
  int64_t codes() const { return tokenizer_.codes; }
  // SIDs assign() moved away from the nearest codes because another item held them.
  int64_t moved() const { return moved_; }

 private:
  TextEmbedder text_;
  SidModel tokenizer_;
  std::unordered_set<std::string> used_;
  int64_t moved_ = 0;
};

}  // namespace gr2::sid
