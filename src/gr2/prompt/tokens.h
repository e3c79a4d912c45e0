// The literal spellings of gr2's special tokens in prompts and answers. The vocabulary maps each of
// these strings (and every SID token "<s_a_97>": level letter a, b, c, ... and code) to one token;
// src/gr2/prompt/ is the only code that decides how prompts and answers are laid out with them.
#pragma once

#include <string_view>

namespace gr2::prompt {

inline constexpr std::string_view kImStart = "<|im_start|>";
inline constexpr std::string_view kImEnd = "<|im_end|>";
inline constexpr std::string_view kThinkBegin = "<think>";
inline constexpr std::string_view kThinkEnd = "</think>";
inline constexpr std::string_view kSidBegin = "<|sid_begin|>";
inline constexpr std::string_view kSidEnd = "<|sid_end|>";

}  // namespace gr2::prompt
