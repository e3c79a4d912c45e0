#!/usr/bin/env bash
# `make cuda-check`: keeps the CUDA build from rotting on machines without a GPU. Builds gr2 (library,
# CLI, tests) against PyPI's CUDA LibTorch 2.x (scripts/reference_env.sh) with CUDA enabled and
# warnings as errors, checks that the binary links LibTorch's CUDA library, and runs the test suite of
# that build on the CPU (tests that need a GPU skip themselves), so the LibTorch 2.x code paths (SDPA
# attention, autocast, the 1.13/2.x compatibility header) are tested too. Needs the CUDA toolkit's
# nvcc (PATH, $CUDACXX or /usr/local/cuda/bin); exits 2 without it. The default build (`make test`,
# `make demo`) stays on Debian's LibTorch.
# Usage: scripts/cuda_check.sh [BUILD_DIR]   (default build-cuda)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build-cuda}"
nvcc="${CUDACXX:-$(command -v nvcc || true)}"
[ -n "$nvcc" ] || { [ -x /usr/local/cuda/bin/nvcc ] && nvcc=/usr/local/cuda/bin/nvcc; }
if [ -z "$nvcc" ] || [ ! -x "$nvcc" ]; then
  echo "gr2: error: make cuda-check needs the CUDA toolkit's nvcc (not on PATH, \$CUDACXX or /usr/local/cuda/bin)" >&2
  exit 2
fi
scripts/install_deps.sh cuda
venv="$(scripts/reference_env.sh)"
# Read torch's location and build info without importing it (an import loads ~3 GB of CUDA libraries).
read -r torch_root torch_version torch_cuda < <("$venv/bin/python" - <<'PY'
import importlib.util, os, runpy
root = os.path.dirname(importlib.util.find_spec("torch").origin)
v = runpy.run_path(os.path.join(root, "version.py"))
print(root, v["__version__"], v.get("cuda") or "none")
PY
)
if [ "$torch_cuda" = none ]; then
  echo "gr2: error: the torch in $venv is a CPU build; make cuda-check needs its CUDA LibTorch" >&2
  exit 2
fi
echo "gr2: cuda-check: LibTorch $torch_version (CUDA $torch_cuda), nvcc $("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p'), build $build"
# A build directory configured for another torch (an older pinned environment) starts over: CMake's
# cached library paths would otherwise mix two LibTorch versions.
if [ -f "$build/CMakeCache.txt" ] && ! grep -q "^TORCH_LIBRARY:FILEPATH=$torch_root/lib/" "$build/CMakeCache.txt"; then
  echo "gr2: cuda-check: $build was configured for another LibTorch; reconfiguring"
  rm -f "$build/CMakeCache.txt"
fi
# TORCH_CUDA_ARCH_LIST only quiets torch's architecture probe: gr2 has no kernels of its own.
TORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}" cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DGR2_BUILD_TESTS=ON -DGR2_WERROR=ON -DCMAKE_CUDA_COMPILER="$nvcc" \
  -DCMAKE_PREFIX_PATH="$torch_root;$torch_root/share/cmake" >/dev/null
cmake --build "$build" -j "$(nproc)"
libs="$(ldd "$build/gr2")"  # captured first: grep -q on a pipe would SIGPIPE ldd under pipefail
if ! grep -q "libtorch_cuda.so => $torch_root" <<<"$libs"; then
  echo "gr2: error: $build/gr2 does not link $torch_root/lib/libtorch_cuda.so:" >&2
  grep -E "torch|c10" <<<"$libs" >&2
  exit 1
fi
# The reference tests (transformers parity, HF tokenizers) run against this build too.
cd "$build" && GR2_REFERENCE_PYTHON="$venv/bin/python" ctest --output-on-failure -j "$(nproc)"
