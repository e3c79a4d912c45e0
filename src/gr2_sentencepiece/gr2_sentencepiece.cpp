// libgr2_sentencepiece.so: the C interface of gr2_sentencepiece.h over Debian's SentencePiece.
// Loaded by gr2 with dlmopen into its own link namespace (see the header for why); nothing here may
// throw across the interface.
#include "gr2_sentencepiece/gr2_sentencepiece.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <exception>
#include <string>
#include <unordered_map>
#include <vector>

struct gr2_spm {
  sentencepiece::SentencePieceProcessor processor;
};

namespace {

void report(gr2_spm_sink sink, void* ctx, const std::string& message) {
  if (sink) sink(ctx, message.data(), message.size());
}

// Pulls sentences from the caller's callback; the first one is fetched on construction because the
// trainer reads value() before its first Next().
class CallbackIterator : public sentencepiece::SentenceIterator {
 public:
  CallbackIterator(gr2_spm_source source, void* ctx) : source_(source), ctx_(ctx) { Next(); }
  bool done() const override { return done_; }
  void Next() override {
    const char* data = nullptr;
    size_t size = 0;
    if (source_(ctx_, &data, &size)) {
      value_.assign(data, size);
    } else {
      done_ = true;
      value_.clear();
    }
  }
  const std::string& value() const override { return value_; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  gr2_spm_source source_;
  void* ctx_;
  std::string value_;
  bool done_ = false;
};

}  // namespace

extern "C" {

int gr2_spm_abi_version(void) { return GR2_SPM_ABI_VERSION; }

int gr2_spm_train(const char* const* keys, const char* const* values, size_t n, unsigned seed,
                  gr2_spm_source source, void* source_ctx, gr2_spm_sink model, void* model_ctx,
                  gr2_spm_sink error, void* error_ctx) {
  try {
    std::unordered_map<std::string, std::string> args;
    for (size_t i = 0; i < n; ++i) args[keys[i]] = values[i];
    sentencepiece::SetRandomGeneratorSeed(seed);
    CallbackIterator sentences(source, source_ctx);
    std::string serialized;
    const sentencepiece::util::Status status =
        sentencepiece::SentencePieceTrainer::Train(args, &sentences, &serialized);
    if (!status.ok()) {
      report(error, error_ctx, status.ToString());
      return 1;
    }
    model(model_ctx, serialized.data(), serialized.size());
    return 0;
  } catch (const std::exception& e) {
    report(error, error_ctx, e.what());
  } catch (...) {
    report(error, error_ctx, "unknown exception in SentencePiece training");
  }
  return 1;
}

gr2_spm* gr2_spm_load(const char* data, size_t size, gr2_spm_sink error, void* error_ctx) {
  try {
    auto* spm = new gr2_spm;
    const sentencepiece::util::Status status =
        spm->processor.LoadFromSerializedProto(absl::string_view(data, size));
    if (!status.ok()) {
      report(error, error_ctx, status.ToString());
      delete spm;
      return nullptr;
    }
    return spm;
  } catch (const std::exception& e) {
    report(error, error_ctx, e.what());
  } catch (...) {
    report(error, error_ctx, "unknown exception loading a SentencePiece model");
  }
  return nullptr;
}

void gr2_spm_free(gr2_spm* spm) { delete spm; }

int gr2_spm_piece_size(const gr2_spm* spm) { return spm->processor.GetPieceSize(); }

void gr2_spm_piece(const gr2_spm* spm, int id, const char** data, size_t* size) {
  const std::string& piece = spm->processor.IdToPiece(id);
  *data = piece.data();
  *size = piece.size();
}

int gr2_spm_piece_kind(const gr2_spm* spm, int id) {
  const auto& p = spm->processor;
  if (p.IsUnknown(id)) return GR2_SPM_UNKNOWN;
  if (p.IsControl(id)) return GR2_SPM_CONTROL;
  if (p.IsByte(id)) return GR2_SPM_BYTE;
  if (p.IsUnused(id)) return GR2_SPM_UNUSED;
  return GR2_SPM_NORMAL;
}

int gr2_spm_encode(const gr2_spm* spm, const char* text, size_t size, gr2_spm_ids_sink ids, void* ids_ctx,
                   gr2_spm_sink error, void* error_ctx) {
  try {
    std::vector<int> out;
    const sentencepiece::util::Status status = spm->processor.Encode(absl::string_view(text, size), &out);
    if (!status.ok()) {
      report(error, error_ctx, status.ToString());
      return 1;
    }
    ids(ids_ctx, out.data(), out.size());
    return 0;
  } catch (const std::exception& e) {
    report(error, error_ctx, e.what());
  } catch (...) {
    report(error, error_ctx, "unknown exception in SentencePiece encoding");
  }
  return 1;
}

}  // extern "C"
