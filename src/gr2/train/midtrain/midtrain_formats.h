// The formats of the mid-training tasks: each builds one LmExample, a context (loss weight 0) and a
// target (weight 1), from catalog items rendered as SID tokens ("<item>" below is
// <|sid_begin|><s_a_..>...<|sid_end|>). The cues are short plain text; the model is small, so no
// chat markers.
//   next_item:    "History:" <item> ... <item>                      -> <item>
//                 (history items after the first may carry a loss weight too: history_weight)
//   sid_to_text:  "Item" <item> ":"                                 -> " Title (Cat > Sub > Leaf)" <|endoftext|>
//   text_to_sid:  "Find: Title (Cat > Sub > Leaf)\nItem:"           -> <item>
//   interleaved:  "History:" <item> " Title\n" ... "Next:"          -> <item>
//   text:         a window of corpus text                           -> every token (loss on all of it)
// Histories are the newest `n` items, oldest first. next_item_prompt() is the next_item context,
// the prompt of next-item generation (beam search appends <|sid_begin|> and the SID). The cues and
// titles are encoded once, so a format is a concatenation of cached token spans. Plain C++.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gr2/data/catalog.h"
#include "gr2/lm/vocabulary.h"
#include "gr2/sid/sid_table.h"
#include "gr2/train/lm_batch.h"

namespace gr2::train::midtrain {

class MidtrainFormat {
 public:
  // `sids` row i must be catalog item i (align_sids_to_catalog) with the vocabulary's SID levels.
  // Encodes every item's SID span, title and description once.
  MidtrainFormat(const lm::Vocabulary& vocab, const Catalog& catalog, const sid::SidTable& sids);

  const lm::Vocabulary& vocab() const { return vocab_; }
  int64_t items() const { return static_cast<int64_t>(item_tokens_.size()); }
  // <|sid_begin|> s_a ... <|sid_end|> of catalog item i.
  const std::vector<int64_t>& item(int32_t i) const { return item_tokens_[static_cast<size_t>(i)]; }
  // Text of item i as the tasks show it: "Title (Cat > Sub > Leaf)" (no category: the title).
  static std::string describe(const Item& item);

  std::vector<int64_t> next_item_prompt(const std::vector<int32_t>& history, int64_t n) const;
  LmExample next_item(const std::vector<int32_t>& history, int32_t target, int64_t n,
                      float history_weight = 0.0f) const;
  LmExample sid_to_text(int32_t item) const;
  LmExample text_to_sid(int32_t item) const;
  LmExample interleaved(const std::vector<int32_t>& history, int32_t target, int64_t n) const;
  LmExample text(const std::vector<int64_t>& window) const;

 private:
  const lm::Vocabulary& vocab_;
  std::vector<std::vector<int64_t>> item_tokens_;   // SID spans
  std::vector<std::vector<int64_t>> title_tokens_;  // " Title\n"
  std::vector<std::vector<int64_t>> desc_tokens_;   // " Title (Cat > ...)"
  std::vector<std::vector<int64_t>> find_tokens_;   // "Find: Title (Cat > ...)\nItem:"
  std::vector<int64_t> history_cue_, next_cue_, item_cue_, colon_;
};

}  // namespace gr2::train::midtrain
