// Keeps memory that training frees inside the process. A training step allocates and frees the same
// activation and gradient buffers every step; glibc's malloc by default hands the top of the heap
// back to the kernel once 128 KiB (rising with use) are free, so the next step faults every page of
// it in again — measured on the demo's SFT: 3.6M page faults and 12% of the time in the kernel over
// 60 steps, 1.25x the steps/s once the heap is kept (docs/benchmarks.md). Hand-written because the
// fix is one glibc call (mallopt), not a library.
#pragma once

namespace gr2 {

// Sets glibc's mmap threshold to 32 MiB and its trim threshold to 1 GiB, so freed buffers stay with
// the process for reuse (its peak heap is kept until exit). Does nothing when the user set malloc tunables (GLIBC_TUNABLES names glibc.malloc.*),
// or when the C library is not glibc. Call once, first thing in main.
void retain_freed_heap();

}  // namespace gr2
