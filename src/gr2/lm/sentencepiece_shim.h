// SentencePiece for the vocabulary, behind the C interface of libgr2_sentencepiece.so
// (src/gr2_sentencepiece/gr2_sentencepiece.h). SentencePiece's library carries a private protobuf
// that crashes a process also linking LibTorch's libprotobuf, so gr2 does not link it: the shim is
// loaded once per process with dlmopen into a link namespace of its own, found at
// $GR2_SENTENCEPIECE_SHIM, next to the executable, or at its build path.
#pragma once

#include <cstddef>

#include "gr2_sentencepiece/gr2_sentencepiece.h"

namespace gr2::lm {

// The shim's entry points (see gr2_sentencepiece.h for their contracts).
struct SentencePieceShim {
  decltype(&gr2_spm_train) train = nullptr;
  decltype(&gr2_spm_load) load = nullptr;
  decltype(&gr2_spm_free) free = nullptr;
  decltype(&gr2_spm_piece_size) piece_size = nullptr;
  decltype(&gr2_spm_piece) piece = nullptr;
  decltype(&gr2_spm_piece_kind) piece_kind = nullptr;
  decltype(&gr2_spm_encode) encode = nullptr;
};

// The loaded shim (loaded on first call, never unloaded). Throws Error::internal naming every path
// tried when it cannot be loaded or was built from another version of gr2.
const SentencePieceShim& sentencepiece_shim();

// Callbacks for the shim's output parameters: append to the std::string / std::vector<int64_t>
// that `ctx` points to.
void append_to_string(void* ctx, const char* data, size_t size);
void append_ids(void* ctx, const int* ids, size_t n);

}  // namespace gr2::lm
