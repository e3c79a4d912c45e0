// The layout of a language-model checkpoint directory, named in one place so that every stage
// agrees on it (as data/data_dir.h does for data directories):
//   config.json        the model config, Hugging Face layout (lm/model_config.h)
//   model.safetensors  the weights (lm/model_checkpoint.h)
//   tokenizer.model    the SentencePiece text model (lm/vocabulary.h)
//   gr2.json           gr2's description: "vocabulary", "sids", "reranker" settings, "training"
//   sids.jsonl         the SID table (re-ranker checkpoints: mid-trained and later)
//   run/               resumable training state of the stage that wrote it (train/train_checkpoint.h)
#pragma once

#include <string>

#include "gr2/core/file_io.h"

namespace gr2::lm {

struct CheckpointDir {
  std::string root;

  std::string config() const { return join_path(root, "config.json"); }
  std::string weights() const { return join_path(root, "model.safetensors"); }
  std::string tokenizer() const { return join_path(root, "tokenizer.model"); }
  std::string description() const { return join_path(root, "gr2.json"); }
  std::string sids() const { return join_path(root, "sids.jsonl"); }
  std::string run() const { return join_path(root, "run"); }
};

}  // namespace gr2::lm
