// Loading libgr2_sentencepiece.so into a link namespace of its own (dlmopen) and binding its C
// interface. Hand-written because SentencePiece's library carries a private protobuf that crashes a
// process also linking LibTorch's; no packaged library isolates the two.
#include "gr2/lm/sentencepiece_shim.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"

namespace gr2::lm {
namespace {

std::string executable_dir() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

template <typename F>
void bind(void* handle, const char* name, F& fn, const std::string& path) {
  fn = reinterpret_cast<F>(::dlsym(handle, name));
  if (!fn) throw Error::internal(path + ": missing symbol " + name + " (a stale libgr2_sentencepiece.so?)");
}

SentencePieceShim load_shim() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("GR2_SENTENCEPIECE_SHIM"); env && *env) candidates.push_back(env);
  const std::string dir = executable_dir();
  if (!dir.empty()) candidates.push_back(join_path(dir, "libgr2_sentencepiece.so"));
#ifdef GR2_SENTENCEPIECE_SHIM_PATH
  candidates.push_back(GR2_SENTENCEPIECE_SHIM_PATH);
#endif
  std::string tried;
  for (const std::string& path : candidates) {
    if (!file_exists(path)) {
      tried += "\n  " + path + ": no such file";
      continue;
    }
    // A link namespace of its own: SentencePiece's private protobuf must not meet LibTorch's.
    void* handle = ::dlmopen(LM_ID_NEWLM, path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* why = ::dlerror();
      tried += "\n  " + path + ": " + (why ? why : "dlmopen failed");
      continue;
    }
    auto abi = reinterpret_cast<decltype(&gr2_spm_abi_version)>(::dlsym(handle, "gr2_spm_abi_version"));
    if (!abi || abi() != GR2_SPM_ABI_VERSION) {
      tried += "\n  " + path + ": built from another version of gr2 (interface version mismatch)";
      continue;
    }
    SentencePieceShim shim;
    bind(handle, "gr2_spm_train", shim.train, path);
    bind(handle, "gr2_spm_load", shim.load, path);
    bind(handle, "gr2_spm_free", shim.free, path);
    bind(handle, "gr2_spm_piece_size", shim.piece_size, path);
    bind(handle, "gr2_spm_piece", shim.piece, path);
    bind(handle, "gr2_spm_piece_kind", shim.piece_kind, path);
    bind(handle, "gr2_spm_encode", shim.encode, path);
    return shim;  // never unloaded
  }
  throw Error::internal(
      "cannot load libgr2_sentencepiece.so (SentencePiece for the vocabulary); it is built beside "
      "gr2 (target gr2_sentencepiece); set GR2_SENTENCEPIECE_SHIM to its path. Tried:" + tried);
}

}  // namespace

const SentencePieceShim& sentencepiece_shim() {
  static std::once_flag once;
  static SentencePieceShim instance;
  static std::string failure;
  std::call_once(once, [] {
    try {
      instance = load_shim();
    } catch (const Error& e) {
      failure = e.what();
    }
  });
  if (!failure.empty()) throw Error::internal(failure);
  return instance;
}

void append_to_string(void* ctx, const char* data, size_t size) {
  static_cast<std::string*>(ctx)->append(data, size);
}

void append_ids(void* ctx, const int* ids, size_t n) {
  auto* out = static_cast<std::vector<int64_t>*>(ctx);
  out->insert(out->end(), ids, ids + n);
}

}  // namespace gr2::lm
