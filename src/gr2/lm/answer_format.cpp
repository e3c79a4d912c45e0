// The re-ranking answer's PermutationFormat (see answer_format.h).
#include "gr2/lm/answer_format.h"

namespace gr2::lm {

PermutationFormat answer_format(const Vocabulary& vocab, bool think, int64_t max_think_tokens) {
  PermutationFormat format;
  format.end = {vocab.im_end_id()};
  format.think = think;
  if (think) {
    format.think_end = vocab.think_end_id();
    format.max_think_tokens = max_think_tokens;
    format.after_think = vocab.encode("\n");
    format.banned_in_think = {vocab.im_end_id(), vocab.eos_id(), vocab.im_start_id(), vocab.think_begin_id()};
  }
  return format;
}

}  // namespace gr2::lm
