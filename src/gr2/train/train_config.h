// The optimisation knobs every training stage shares (pretrain, midtrain, SFT, RL), read
// from a stage's TOML section ([pretrain], [midtrain], ...): one parser, so the stages agree on
// names and ranges. Plain C++ (no LibTorch).
#pragma once

#include <cstdint>
#include <string>

#include "gr2/core/jsonl.h"

namespace gr2 {
class ConfigSection;
}

namespace gr2::train {

// Which of the keys a stage reads. A stage that does not train on fixed token batches (RL: its
// batch is prompts_per_step x group_size rollouts, no held-out evaluation) does not read
// batch_size, seq_len, grad_accum, eval_every and ema_decay, so its section rejects them as unknown keys.
enum class TrainKeys { All, NoTokenBatches };

struct TrainConfig {
  int64_t steps = 1000;           // optimizer steps of the whole run
  int64_t batch_size = 16;        // sequences per optimizer step (all micro-batches together)
  int64_t seq_len = 128;          // tokens per sequence (inputs; a window holds seq_len + 1 tokens)
  int64_t grad_accum = 1;         // micro-batches per step (batch_size % grad_accum == 0)
  double learning_rate = 1e-3;    // peak learning rate (after warmup)
  double min_lr_ratio = 0.1;      // the cosine decays to learning_rate * min_lr_ratio at the last step
  int64_t warmup_steps = 100;     // linear warmup from learning_rate / warmup_steps
  double weight_decay = 0.1;      // AdamW decoupled decay, on projection matrices only (trainer.h)
  double beta1 = 0.9;
  double beta2 = 0.95;
  double adam_eps = 1e-8;
  double grad_clip = 1.0;         // max global L2 norm of the gradient; 0 = no clipping
  int64_t eval_every = 0;         // steps between evaluations (0 = at the end only)
  int64_t checkpoint_every = 0;   // steps between resumable checkpoints (0 = at the end only)
  int64_t log_every = 1;          // steps between JSONL metric records
  uint64_t seed = 0;              // data order (each step's batch is a function of seed and step)
  int64_t threads = 0;            // LibTorch intra-op threads (0 = LibTorch's default)
  std::string precision = "auto"; // "auto": bf16 autocast on CUDA, float32 on CPU; "float32": never autocast
  double ema_decay = 0.0;         // > 0: keep an exponential moving average of the weights (after each
                                  // step: ema = d * ema + (1 - d) * weights, from the starting weights)
                                  // and end the run with it as the model; 0 = the last step's weights.
                                  // Token-batch stages only (pretrain, midtrain, SFT)

  // Reads the training keys of `section` (other keys of the section are left for the caller, who
  // calls finish()); absent keys keep the values of `defaults`. Throws Error naming key and line.
  static TrainConfig from_section(ConfigSection& section, const TrainConfig& defaults, TrainKeys keys = TrainKeys::All);
  static TrainConfig from_section(ConfigSection& section);
  // Cross-field checks (batch_size % grad_accum, warmup <= steps, ...). Throws Error naming the
  // `stage` section's key.
  void validate(const std::string& stage = "train") const;
  Json to_json() const;
  // Every field from to_json()'s object; `where` names the source in errors.
  static TrainConfig from_json(const Json& json, const std::string& where);
};

}  // namespace gr2::train
