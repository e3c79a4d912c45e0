// The layout of a re-ranking answer in the language-model vocabulary: the PermutationFormat that
// constrained decoding (reranker/LmReranker) enforces and that SFT's choice loss (train/sft) replays,
// defined once so the two cannot drift apart. Plain C++ (no LibTorch).
#pragma once

#include <cstdint>

#include "gr2/lm/permutation_constraint.h"
#include "gr2/lm/vocabulary.h"

namespace gr2::lm {

// The answer format: [free reasoning of at most max_think_tokens, </think>, "\n"] (only when think),
// then every candidate once, then <|im_end|>. In the reasoning, <|im_end|>, eos, <|im_start|> and
// <think> are banned. max_think_tokens is ignored when think is false.
PermutationFormat answer_format(const Vocabulary& vocab, bool think, int64_t max_think_tokens);

}  // namespace gr2::lm
