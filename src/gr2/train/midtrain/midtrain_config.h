// The [midtrain] section: the shared training knobs, the task mixture and the next-item evaluation.
// Plain C++.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "gr2/core/jsonl.h"
#include "gr2/train/train_config.h"

namespace gr2 {
class Config;
}

namespace gr2::train::midtrain {

// The SID-aligned task families, in mixture order (midtrain_formats.h has the formats).
enum class MidtrainTaskKind { NextItem, SidToText, TextToSid, Interleaved, Text };
inline constexpr std::array<const char*, 5> kMidtrainTaskNames = {"next_item", "sid_to_text", "text_to_sid",
                                                                  "interleaved", "text"};

struct MidtrainConfig {
  TrainConfig train;
  // Mixture weights (keys mix_<task name>); need not sum to 1, at least one > 0.
  std::array<double, 5> mix = {0.4, 0.15, 0.15, 0.15, 0.15};
  int64_t max_history = 20;       // items of history in next_item prompts (newest last), in training and evaluation
  double history_weight = 0.0;    // loss weight of the history items after the first in next_item examples
                                  // (0: loss on the target only; > 0: every item is also predicted from the
                                  // items before it, as a sequential recommender trains)
  int64_t interleave_len = 8;     // items (SID + title) of history in interleaved prompts
  int64_t text_len = 64;          // tokens of a plain-text window (capped by seq_len + 1)
  double valid_fraction = 0.02;   // corpus lines held out from the plain-text task (as in pretraining)
  double new_token_noise = 0.02;  // std of the noise added to the mean row for new SID token rows
  int64_t eval_users = 300;       // validation users scored at each evaluation, periodic and final (0 = all)
  int64_t beam_width = 10;        // next-item beam width (>= 10: Recall/NDCG@10 need 10 results)
  int64_t test_users = 0;         // test users of the final next-item evaluation (0 = all)

  // Reads [midtrain] (strict keys).
  static MidtrainConfig from_config(const Config& config);
  Json to_json() const;
};

}  // namespace gr2::train::midtrain
