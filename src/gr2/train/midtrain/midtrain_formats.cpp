// Mid-training task formats.
#include "gr2/train/midtrain/midtrain_formats.h"

#include <algorithm>

#include "gr2/core/error.h"

namespace gr2::train::midtrain {
namespace {

// The newest n items of `history`.
std::pair<size_t, size_t> tail(const std::vector<int32_t>& history, int64_t n) {
  const size_t end = history.size();
  const size_t begin = end > static_cast<size_t>(n) ? end - static_cast<size_t>(n) : 0;
  return {begin, end};
}

}  // namespace

std::string MidtrainFormat::describe(const Item& item) {
  std::string s = item.title;
  if (!item.category.empty()) {
    s += " (";
    for (size_t i = 0; i < item.category.size(); ++i) s += (i ? " > " : "") + item.category[i];
    s += ")";
  }
  return s;
}

MidtrainFormat::MidtrainFormat(const lm::Vocabulary& vocab, const Catalog& catalog, const sid::SidTable& sids)
    : vocab_(vocab) {
  require(sids.size() == static_cast<int64_t>(catalog.size()), "midtrain: the SID table and the catalog differ in size");
  require(sids.levels == vocab.sid_levels() && sids.codes == vocab.sid_codes(),
          "midtrain: the SID table's levels x codes differ from the vocabulary's SID tokens");
  history_cue_ = vocab.encode("History:");
  next_cue_ = vocab.encode("Next:");
  item_cue_ = vocab.encode("Item");
  colon_ = vocab.encode(":");
  const auto newline = vocab.encode("\n");
  for (int64_t i = 0; i < sids.size(); ++i) {
    const Item& it = catalog.at(static_cast<int32_t>(i));
    item_tokens_.push_back(vocab.item_tokens(sids.sid(i), sids.levels));
    auto title = vocab.encode(" " + it.title);
    title.insert(title.end(), newline.begin(), newline.end());
    title_tokens_.push_back(std::move(title));
    desc_tokens_.push_back(vocab.encode(" " + describe(it)));
    find_tokens_.push_back(vocab.encode("Find: " + describe(it) + "\nItem:"));
  }
}

std::vector<int64_t> MidtrainFormat::next_item_prompt(const std::vector<int32_t>& history, int64_t n) const {
  std::vector<int64_t> p = history_cue_;
  const auto [b, e] = tail(history, n);
  for (size_t i = b; i < e; ++i) p.insert(p.end(), item(history[i]).begin(), item(history[i]).end());
  return p;
}

LmExample MidtrainFormat::next_item(const std::vector<int32_t>& history, int32_t target, int64_t n,
                                    float history_weight) const {
  LmExample e;
  e.add(history_cue_, 0.0f);
  const auto [b, en] = tail(history, n);
  for (size_t i = b; i < en; ++i) e.add(item(history[i]), i == b ? 0.0f : history_weight);
  e.add(item(target), 1.0f);
  return e;
}

LmExample MidtrainFormat::sid_to_text(int32_t i) const {
  LmExample e;
  e.add(item_cue_, 0.0f);
  e.add(item(i), 0.0f);
  e.add(colon_, 0.0f);
  e.add(desc_tokens_[static_cast<size_t>(i)], 1.0f);
  e.add(vocab_.eos_id(), 1.0f);
  return e;
}

LmExample MidtrainFormat::text_to_sid(int32_t i) const {
  LmExample e;
  e.add(find_tokens_[static_cast<size_t>(i)], 0.0f);
  e.add(item(i), 1.0f);
  return e;
}

LmExample MidtrainFormat::interleaved(const std::vector<int32_t>& history, int32_t target, int64_t n) const {
  LmExample e;
  e.add(history_cue_, 0.0f);
  const auto [b, en] = tail(history, n);
  for (size_t i = b; i < en; ++i) {
    e.add(item(history[i]), 0.0f);
    e.add(title_tokens_[static_cast<size_t>(history[i])], 0.0f);
  }
  e.add(next_cue_, 0.0f);
  e.add(item(target), 1.0f);
  return e;
}

LmExample MidtrainFormat::text(const std::vector<int64_t>& window) const {
  LmExample e;
  e.add(window, 1.0f);
  return e;
}

}  // namespace gr2::train::midtrain
