// C interface of libgr2_sentencepiece.so, the one place gr2 touches the SentencePiece library.
//
// Why a separate library, loaded with dlmopen into its own link namespace: Debian's libsentencepiece
// carries a private copy of protobuf-lite and exports its symbols, and LibTorch links the system
// libprotobuf. Linked into one process, the two copies bind to each other's functions and the
// process crashes while loading (protobuf's static initialisers). In its own namespace the shim
// and libsentencepiece see only their own protobuf, libc and libstdc++; this interface therefore
// passes only plain C data, returns results through callbacks and never lets an exception cross.
// Used by gr2/lm/vocabulary.cpp only.
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// Bumped whenever a signature below changes; the loader refuses a shim with another value.
#define GR2_SPM_ABI_VERSION 1

// Receives bytes (a serialized model, an error message). Must not throw.
typedef void (*gr2_spm_sink)(void* ctx, const char* data, size_t size);
// Yields the next training sentence in *data/*size (valid until the next call) and returns 1, or
// returns 0 at the end. Called only on the thread that called gr2_spm_train. Must not throw.
typedef int (*gr2_spm_source)(void* ctx, const char** data, size_t* size);
// Receives token ids. Must not throw.
typedef void (*gr2_spm_ids_sink)(void* ctx, const int* ids, size_t n);

typedef struct gr2_spm gr2_spm;

// Piece kinds reported by gr2_spm_piece_kind.
enum { GR2_SPM_NORMAL = 0, GR2_SPM_UNKNOWN = 1, GR2_SPM_CONTROL = 2, GR2_SPM_BYTE = 3, GR2_SPM_UNUSED = 4 };

int gr2_spm_abi_version(void);

// Trains a model with the SentencePieceTrainer flags given as n key/value pairs (the names of
// spm_train's flags, e.g. "vocab_size" -> "2000") on the sentences `source` yields, seeding
// SentencePiece's random generator with `seed`. On success passes the serialized ModelProto to
// `model` and returns 0; else passes a message to `error` and returns 1.
int gr2_spm_train(const char* const* keys, const char* const* values, size_t n, unsigned seed,
                  gr2_spm_source source, void* source_ctx, gr2_spm_sink model, void* model_ctx,
                  gr2_spm_sink error, void* error_ctx);

// Loads a serialized ModelProto. Returns NULL (and passes a message to `error`) on failure.
gr2_spm* gr2_spm_load(const char* data, size_t size, gr2_spm_sink error, void* error_ctx);
void gr2_spm_free(gr2_spm* spm);

// Number of pieces; ids are [0, size).
int gr2_spm_piece_size(const gr2_spm* spm);
// The piece of `id` (0 <= id < size) in *data/*size, valid until gr2_spm_free.
void gr2_spm_piece(const gr2_spm* spm, int id, const char** data, size_t* size);
int gr2_spm_piece_kind(const gr2_spm* spm, int id);

// Encodes `text` (valid UTF-8) and passes the ids to `ids` in one call. Returns 0, or 1 after
// passing a message to `error`. Thread-safe for one loaded model.
int gr2_spm_encode(const gr2_spm* spm, const char* text, size_t size, gr2_spm_ids_sink ids, void* ids_ctx,
                   gr2_spm_sink error, void* error_ctx);

#ifdef __cplusplus
}
#endif
