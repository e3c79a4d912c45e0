// Mid-training data as a TrainingTask: each row of a step's batch draws a task family from the
// [midtrain] mixture and an instance of it (a (user, position) of the training sequences for
// next_item / interleaved, a catalog item for sid_to_text / text_to_sid, a corpus window for text),
// all from an Rng seeded by (seed, step), so batch(step) is a pure function of the step.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "gr2/core/rng.h"
#include "gr2/lm/sid_trie.h"
#include "gr2/train/pretrain/corpus_text.h"
#include "gr2/train/midtrain/midtrain_config.h"
#include "gr2/train/midtrain/midtrain_data.h"
#include "gr2/train/midtrain/midtrain_formats.h"
#include "gr2/train/trainer.h"

namespace gr2::train::midtrain {

class MidtrainTask : public TrainingTask {
 public:
  // `format`, `sequences` and `trie` must outlive the task. `valid_cases` are scored by evaluate()
  // (teacher-forced loss of the target SID, and beam-search Recall/NDCG); `corpus_train` feeds the
  // text task. Throws Error when a task with a positive weight has no data.
  MidtrainTask(const MidtrainFormat& format, const TrainSequences& sequences, std::vector<int64_t> corpus_train,
               const lm::SidTrie& trie, std::vector<NextItemCase> valid_cases, const MidtrainConfig& config);

  LmBatch batch(int64_t step) override;
  Json evaluate(lm::Qwen3Lm& model) override;
  Json describe() const override;

  // One example of task `kind` drawn with `rng` (what batch() does per row).
  LmExample example(MidtrainTaskKind kind, Rng& rng) const;
  // The task of each row of step `step`'s batch (for tests and statistics).
  std::vector<MidtrainTaskKind> kinds_of_step(int64_t step) const;

 private:
  Rng step_rng(int64_t step) const;

  const MidtrainFormat& format_;
  const TrainSequences& sequences_;
  std::vector<int64_t> corpus_;
  const lm::SidTrie& trie_;
  std::vector<NextItemCase> valid_;
  MidtrainConfig config_;
  std::vector<double> weights_;
  std::vector<std::pair<int32_t, int32_t>> positions_;  // (user, index of the target in the sequence), index >= 1
};

}  // namespace gr2::train::midtrain
