#!/usr/bin/env bash
# Installs the Debian packages gr2 needs, only when some are missing.
# Usage: scripts/install_deps.sh [build|test|bench|fuzz|cuda]  (idempotent; quiet when all are present)
set -euo pipefail
purpose="${1:-build}"
packages=(cmake g++ make ccache libtorch-dev libgloo-dev nlohmann-json3-dev libcli11-dev libtomlplusplus-dev
          libcpp-httplib-dev pkgconf libsentencepiece-dev libpcre2-dev libutf8proc-dev
          libopenblas0-pthread)  # libgloo-dev: ProcessGroupGloo's headers (docs/distributed.md). OpenBLAS: Debian's LibTorch otherwise runs on the reference BLAS (~10x slower)
case "$purpose" in
  build|demo) ;;
  test)  packages+=(libgtest-dev python3-torch python3-numpy python3-venv) ;;  # venv: scripts/reference_env.sh
  bench) packages+=(libbenchmark-dev python3-torch python3-numpy python3-venv wrk) ;;  # wrk: serve load test
  fuzz)  packages+=(clang libclang-rt-14-dev) ;;
  cuda)  packages+=(libgtest-dev python3-torch python3-numpy python3-venv) ;;  # + the CUDA toolkit (not Debian's)
  *) echo "install_deps.sh: unknown purpose '$purpose' (expected build, demo, test, bench, fuzz or cuda)" >&2; exit 2 ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "gr2: installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "gr2: error: missing packages (${missing[*]}) and not root; install them with apt-get" >&2; exit 2; fi
else SUDO=""; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
