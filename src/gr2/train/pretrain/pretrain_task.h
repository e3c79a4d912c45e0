// Pretraining data as a TrainingTask: random windows of the train token stream (every position a
// target, weight 1), scored on consecutive windows of the held-out stream.
#pragma once

#include <cstdint>

#include "gr2/train/pretrain/corpus_text.h"
#include "gr2/train/trainer.h"

namespace gr2::train::pretrain {

class PretrainTask : public TrainingTask {
 public:
  // Needs a train stream of at least seq_len + 1 tokens (Error otherwise). `valid_windows` caps the
  // held-out windows scored by evaluate() (0 = no evaluation).
  PretrainTask(CorpusStreams corpus, int64_t batch_size, int64_t seq_len, uint64_t seed, int64_t valid_windows,
               int64_t pad_id);

  // batch_size windows of seq_len + 1 tokens at offsets drawn from Rng(seed, step).
  LmBatch batch(int64_t step) override;
  // {"valid_loss": mean token cross-entropy, "valid_ppl": exp(valid_loss), "valid_tokens": n}.
  Json evaluate(lm::Qwen3Lm& model) override;
  Json describe() const override;

  // The held-out windows evaluate() scores.
  const std::vector<LmExample>& valid_examples() const { return valid_; }

 private:
  CorpusStreams corpus_;
  int64_t batch_size_, seq_len_;
  uint64_t seed_;
  int64_t pad_id_;
  std::vector<LmExample> valid_;
};

}  // namespace gr2::train::pretrain
