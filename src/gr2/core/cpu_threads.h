// CPU thread control: LibTorch's intra-op pool and the BLAS library's own pool, set together.
// Debian's LibTorch calls OpenBLAS for matrix products, and OpenBLAS keeps a thread pool of its own
// (as many threads as cores, busy-waiting between calls): with LibTorch at 1 thread, OpenBLAS still
// spins on the other core, slowing anything that runs beside it (a second stage, tests, a server)
// for no gain on small models. Setting both to the same count removes that.
#pragma once

#include <cstdint>

namespace gr2 {

// Sets LibTorch's intra-op threads to n (n >= 1) and, when the process has OpenBLAS loaded, its
// thread count too (found at run time with dlsym, so gr2 links no BLAS of its own). n <= 0 leaves
// LibTorch as it is and only caps OpenBLAS at LibTorch's current count.
void set_cpu_threads(int64_t n);

// The OpenBLAS thread count, or -1 when the process has no OpenBLAS (for tests and `gr2 info`).
int blas_threads();

}  // namespace gr2
