// set_cpu_threads: at::set_num_threads + openblas_set_num_threads (looked up with dlsym).
#include "gr2/core/cpu_threads.h"

#include <dlfcn.h>

#include <ATen/Parallel.h>

namespace gr2 {
namespace {

using SetThreads = void (*)(int);
using GetThreads = int (*)();

SetThreads openblas_set() { return reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")); }
GetThreads openblas_get() { return reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads")); }

}  // namespace

void set_cpu_threads(int64_t n) {
  if (n > 0) at::set_num_threads(static_cast<int>(n));
  if (SetThreads set = openblas_set()) set(at::get_num_threads());
}

int blas_threads() {
  GetThreads get = openblas_get();
  return get ? get() : -1;
}

}  // namespace gr2
