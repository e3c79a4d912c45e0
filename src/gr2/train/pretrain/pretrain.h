// `gr2 pretrain`: a small base language model on a data directory's text corpus. Trains the
// SentencePiece vocabulary on DATA/corpus.txt (unless OUT already has one, or --init gives a
// checkpoint), then the decoder on random windows of the concatenated documents, and writes a full
// checkpoint in OUT: config.json + model.safetensors (Hugging Face layout), tokenizer.model,
// gr2.json ("vocabulary" and a "training" record), train_log.jsonl and the resumable state in
// OUT/run (train_checkpoint.h).
#pragma once

#include <string>

#include <torch/types.h>

#include "gr2/core/jsonl.h"
#include "gr2/train/pretrain/pretrain_config.h"

namespace gr2::train::pretrain {

struct PretrainOptions {
  std::string data_dir;   // corpus.txt
  std::string out_dir;
  std::string init_dir;   // start from this checkpoint (its vocabulary and weights) instead of scratch
  torch::Device device = torch::kCPU;
  bool resume = false;    // continue OUT's latest checkpoint (exact)
};

// Runs the stage; returns the training record written to gr2.json's "training".
Json run_pretrain(const PretrainConfig& config, const PretrainOptions& options);

}  // namespace gr2::train::pretrain
