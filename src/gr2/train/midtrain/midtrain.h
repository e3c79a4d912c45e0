// `gr2 midtrain`: SID-aligned mid-training of a base language model. Extends the base vocabulary
// with the SID tokens of the SID table (levels x codes; new embedding rows = mean of the old rows +
// noise), trains on the [midtrain] mixture of tasks (midtrain_formats.h) built from the training
// events and the catalog only (midtrain_data.h), then evaluates next-item generation with
// constrained beam search over the catalog (next_item_eval.h) on the validation and test users.
// Writes OUT: config.json, model.safetensors, tokenizer.model, gr2.json ("vocabulary" with the SID
// tokens, "sids", "training"), sids.jsonl (the table, so OUT is self-contained), train_log.jsonl,
// next_item_eval.json and resumable checkpoints in OUT/run.
#pragma once

#include <string>

#include <torch/types.h>

#include "gr2/core/jsonl.h"
#include "gr2/train/midtrain/midtrain_config.h"

namespace gr2::train::midtrain {

struct MidtrainOptions {
  std::string base_dir;   // base checkpoint (gr2 pretrain output, or any gr2 checkpoint with a vocabulary)
  std::string data_dir;   // catalog.jsonl, events_train.jsonl, corpus.txt (+ sequences.jsonl or events.jsonl for evaluation)
  std::string sids_path;  // sids.jsonl
  std::string out_dir;
  torch::Device device = torch::kCPU;
  bool resume = false;
  bool evaluate = true;   // run the final next-item evaluation (valid + test)
};

// Runs the stage; returns the training record written to gr2.json's "training" (with the next-item
// metrics under "next_item").
Json run_midtrain(const MidtrainConfig& config, const MidtrainOptions& options);

}  // namespace gr2::train::midtrain
