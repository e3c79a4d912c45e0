// `gr2 sft`: supervised fine-tuning of a mid-trained re-ranker on teacher traces. Each accepted
// trace becomes prompt + reasoning + answer (prompt/prompt_renderer.h); the loss is only on the
// assistant turn, with weight reasoning_weight on reasoning tokens and answer_weight on answer
// tokens (reasoning_weight < answer_weight, as in GR2). Output: a re-ranker checkpoint directory
// (model, vocabulary, sids.jsonl, gr2.json with the "reranker" settings) usable as "lm:DIR".
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/data/rank_request.h"
#include "gr2/prompt/prompt_renderer.h"
#include "gr2/train/lm_batch.h"
#include "gr2/train/train_config.h"

namespace gr2 {
class Config;
}
namespace gr2::lm {
class Vocabulary;
}
namespace gr2::prompt {
class PromptRenderer;
}

namespace gr2::train::sft {

struct SftConfig {
  TrainConfig train;              // steps, batch_size, seq_len (longest example kept), learning rate, ...
  double reasoning_weight = 0.5;  // lambda_r: loss weight of reasoning tokens (and "</think>")
  double answer_weight = 1.0;     // lambda_o: loss weight of the ranking tokens and the final <|im_end|>
  double choice_weight = 0.0;     // weight of the choice loss on the answer: at each token where the
                                  // answer constraint allows more than one (the first code of each
                                  // SID, ...), the cross-entropy over the allowed tokens only, as
                                  // constrained decoding sees them (token_loss.h); added to the token
                                  // loss above, which still teaches the copies. 0 = off
  double soft_choice_temperature = 0.0;  // > 0: the choice loss's target at each choice is the
                                  // teacher's distribution, softmax(score / T) over the candidates
                                  // still to be placed (traces whose info has "scores", e.g. the
                                  // heuristic teacher's; set_soft_choice_targets), instead of the
                                  // trace's one pick. 0 = one-hot targets. Needs choice_weight > 0
  bool think = true;              // train with the <think> block; false = direct answers (reasoning dropped)
  int max_history = 20;           // prompt: history items shown (newest kept)
  int title_chars = 40;           // prompt: title length cap
  bool show_category = true;      // prompt: " | {leaf category}" after each item
  bool show_brand = false;        // prompt: " | brand {brand}" after each item
  double valid_share = 0.05;      // traces held out for the validation loss (by request id hash)
  int64_t shuffled_copies = 0;    // extra examples per trace with the candidates shown in a seeded
                                  // random order (the same ranking of the same items): more distinct
                                  // supervision per slate, and less reliance on the incoming position

  // The [sft] section (absent keys keep the defaults above). Throws Error naming key and line.
  static SftConfig from_config(const Config& config);
  Json to_json() const;
  // The prompt the re-ranker is trained on and must be served with (think, max_history,
  // title_chars, show_category, show_brand above).
  prompt::PromptOptions prompt_options() const;
};

struct SftOptions {
  std::string init_dir;     // the starting checkpoint (a mid-trained re-ranker directory with sids.jsonl)
  std::string data_dir;     // slates_train.jsonl + catalog.jsonl the traces refer to
  std::string traces_path;  // JSONL written by `gr2 traces`; only accepted traces are used
  std::string out_dir;      // the checkpoint to write (its run state lives in out_dir/run)
  std::string device = "auto";
  bool resume = false;
};

// `request` with its candidates in a seeded random order, and `order` (indices into the original
// candidates, best first) mapped to indices into the permuted list: the same ranking of the same
// items, presented differently ([sft] shuffled_copies). Deterministic in `seed`.
std::pair<RankRequest, std::vector<int>> shuffle_candidates(const RankRequest& request, const std::vector<int>& order,
                                                            uint64_t seed);

// The choices of a direct answer (`answer`: the token ids of answer_part, the candidates' SIDs in
// the chosen order then <|im_end|>): every token where the answer constraint LmReranker decodes
// with allows more than one id, with index = its position in `answer`, the allowed ids and weight 1.
// Throws Error::internal when `answer` is not a permutation of the request's candidates.
std::vector<LmExample::ChoiceSet> answer_choice_sets(const prompt::PromptRenderer& renderer, const lm::Vocabulary& vocab,
                                                     const RankRequest& request, const std::vector<int64_t>& answer);

// Soft targets for `sets`, the choice sets of a direct answer (answer_choice_sets of the same
// request and answer): at each choice, the probability that each allowed token begins the next pick
// under the teacher's Plackett-Luce model, softmax(scores / temperature) over the candidates not yet
// placed whose SID matches the prefix already written (knowledge distillation, Hinton et al. 2015,
// per decision of constrained decoding). scores[i]: the teacher's score of candidate i (request
// order); order: the answer's ranking (request indices). Choices inside picks before
// `first_soft_pick` keep one-hot targets (a targeted trace's first pick is the label, not the
// teacher's preference). Throws Error::internal when `answer` does not spell `order` or scores has
// the wrong size.
void set_soft_choice_targets(std::vector<LmExample::ChoiceSet>& sets, const prompt::PromptRenderer& renderer,
                             const lm::Vocabulary& vocab, const RankRequest& request, const std::vector<int>& order,
                             const std::vector<int64_t>& answer, const std::vector<double>& scores, double temperature,
                             int first_soft_pick);

// Trains and writes out_dir. Returns the training summary (+ example counts) as JSON.
Json run_sft(const SftConfig& config, const SftOptions& options);

}  // namespace gr2::train::sft
