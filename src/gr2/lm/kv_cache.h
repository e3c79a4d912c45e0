// Key/value storage for incremental decoding of a batch: preallocated per layer, so decoding a
// token writes one slot instead of re-running the prefix. Rows may hold sequences of different
// lengths (left padding); `valid` marks which slots hold real tokens.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <torch/types.h>

#include "gr2/lm/model_config.h"

namespace gr2::lm {

class KvCache {
 public:
  // Room for `capacity` slots per row of a batch of `batch` rows; keys/values in `dtype` on `device`.
  KvCache(const ModelConfig& config, int64_t batch, int64_t capacity, torch::Device device,
          torch::ScalarType dtype);

  int64_t batch() const { return valid_.size(0); }
  int64_t capacity() const { return valid_.size(1); }
  // Slots written so far (the same for every row).
  int64_t length() const { return length_; }

  // Marks the next `t` slots: token_valid [B, t] bool (false = padding). Call once per forward pass
  // before the layers append; returns the validity of all filled slots [B, length + t].
  torch::Tensor begin_step(const torch::Tensor& token_valid);
  // Layer `layer` writes its keys/values k, v [B, Hkv, t, Dh] into the slots opened by begin_step
  // and gets back all filled slots [B, Hkv, length + t, Dh] (views, no copy).
  std::pair<torch::Tensor, torch::Tensor> append(int64_t layer, const torch::Tensor& k, const torch::Tensor& v);
  // Commits the step: length += t.
  void end_step();

  // Keeps rows `rows` [B'] (int64, may repeat) in that order: beam search and dropping finished rows.
  void select_rows(const torch::Tensor& rows);

  // Fills the first source.length() slots of every row with the filled slots of `source`, a cache
  // of one row (a prefix shared by every row, prefix_kv.h); length() becomes source.length().
  // Throws Error::internal when this cache already holds tokens, when `source` has more than one
  // row, another layout, or more slots than this capacity.
  void load_prefix(const KvCache& source);

  // A cache holding the rows of `a` then those of `b`, each row's filled slots right-aligned at the
  // longer of the two lengths (the slots before a row's own are invalid), with room for `capacity`
  // slots: rows of two batches decoding at different lengths continue as one batch (positions are
  // per row, so alignment changes nothing they attend to). Throws Error::internal for caches of
  // another layout or a capacity below that length, or while a step is open.
  static std::unique_ptr<KvCache> concat(const KvCache& a, const KvCache& b, int64_t capacity);

  // Moves each row's valid slots to the end of a shorter filled length (the most valid slots any row
  // has), dropping the invalid ones (padding, slots of rows that left): keys already carry their
  // rotary positions and every cached slot precedes any new query, so what a row attends to is
  // unchanged. Returns the slots dropped per row. Throws Error::internal while a step is open.
  int64_t compact();
  // The most valid slots any row has (the length compact() leaves).
  int64_t valid_slots() const;

  // Makes room for at least `capacity` slots per row, keeping every filled slot (a reallocation
  // when the capacity is smaller; nothing otherwise). Throws Error::internal while a step is open.
  void reserve(int64_t capacity);

 private:
  KvCache() = default;  // for concat
  std::vector<torch::Tensor> keys_, values_;  // per layer [B, Hkv, capacity, Dh]
  torch::Tensor valid_;                        // [B, capacity] bool
  int64_t length_ = 0;
  int64_t step_ = 0;  // t of the step in progress (0 when none)
};

}  // namespace gr2::lm
