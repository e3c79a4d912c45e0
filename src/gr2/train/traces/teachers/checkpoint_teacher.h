// The "checkpoint" teacher: a local gr2 re-ranker checkpoint (an SFT or RL model with a think
// block, reranker/lm_reranker.h) sampled in-process as the teacher of `gr2 traces`. Used for
// self-distillation and rejection-sampling fine-tuning: the model's own sampled answers whose top-1
// is a positive become new SFT data. Only rejection mode: the model's prompt has no place for the
// label, so it cannot be asked to explain a given target.
//
// Each attempt renders the request with the checkpoint's own prompt settings (gr2.json
// "reranker"), samples a think block (at most max_think_tokens) and a constrained ranking (always a
// permutation), and checks the reasoning's citations like the http teacher: a reasoning that cites no
// candidate by SID, or cites a SID that is not an item of the prompt, fails the attempt.
//
// Seeding: attempts are generated in batches (teach_batch); a batch's sampling seed is derived from
// the attempt seeds of its requests, so the same requests in the same batches give the same traces,
// but (unlike the heuristic and http teachers) a trace can change when its batch does.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gr2/data/catalog.h"
#include "gr2/prompt/prompt_renderer.h"
#include "gr2/train/traces/teachers/teacher.h"

namespace gr2 {
class LmReranker;
}

namespace gr2::train::traces::teachers {

struct CheckpointTeacherOptions {
  std::string dir;                 // the checkpoint (config.json, model.safetensors, tokenizer.model,
                                   // gr2.json with "reranker", sids.jsonl)
  std::string device = "cpu";      // auto, cpu, cuda, cuda:N
  double temperature = 0.5;        // > 0: sampling (0 = greedy, then every attempt is the same)
  uint64_t seed = 0;
  int64_t max_think_tokens = 0;    // 0 = the checkpoint's own cap
  int64_t batch_size = 32;         // rows generated together
};

class CheckpointTeacher : public Teacher {
 public:
  // Loads the checkpoint. `renderer` is the traces' renderer (the SIDs of the data directory); it
  // decides which history items count as shown to the teacher. Both must outlive the teacher.
  // Throws Error for a missing or incomplete checkpoint, or one that answers without a think block.
  CheckpointTeacher(const Catalog& catalog, const prompt::PromptRenderer& renderer, CheckpointTeacherOptions options);
  ~CheckpointTeacher() override;

  std::string name() const override { return "checkpoint"; }
  bool deterministic() const override { return options_.temperature <= 0.0; }
  Json describe() const override;
  TeacherTrace teach(const TeachRequest& request) override;
  // Throws Error for a targeted request (target >= 0).
  std::vector<TeacherTrace> teach_batch(const std::vector<TeachRequest>& requests) override;

 private:
  const prompt::PromptRenderer& renderer_;
  CheckpointTeacherOptions options_;
  std::unique_ptr<LmReranker> reranker_;
};

}  // namespace gr2::train::traces::teachers
