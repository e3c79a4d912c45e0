// finish_reranker_checkpoint: vocabulary, SID table and gr2.json settings of a written re-ranker.
#include "gr2/train/reranker_checkpoint.h"

#include "gr2/core/file_io.h"
#include "gr2/lm/checkpoint_dir.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/lm/vocabulary.h"

namespace gr2::train {

void finish_reranker_checkpoint(const std::string& from_dir, const std::string& to_dir, const Json& reranker,
                                const Json& training) {
  lm::Vocabulary::load(from_dir).save(to_dir);
  write_file_atomic(lm::CheckpointDir{to_dir}.sids(), read_file(lm::CheckpointDir{from_dir}.sids()));
  lm::update_gr2_json(to_dir, "reranker", reranker);
  lm::update_gr2_json(to_dir, "training", training);
}

}  // namespace gr2::train
