#!/usr/bin/env bash
# Downloads, on a machine with Debian's package archive, the .deb files gr2's build needs beside
# LibTorch into .gpu-debs/ (git-ignored): the GPU machine of tools/gpu_check.sh has PyTorch, CMake
# and nvcc but none of these and no network, so they travel with the working tree (`carry`) and
# gpu_check.sh unpacks them into a private prefix with `dpkg -x` (nothing is installed there).
# Usage: tools/gpu_debs.sh        (about 10 MB; run once before calling the device tool)
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(nlohmann-json3-dev libcli11-dev libtomlplusplus-dev libtomlplusplus3
          libcpp-httplib-dev libcpp-httplib0.11 libssl-dev libssl3 zlib1g-dev zlib1g libbrotli-dev libbrotli1
          libsentencepiece-dev libsentencepiece0 libpcre2-dev libpcre2-8-0 libpcre2-16-0 libpcre2-32-0
          libpcre2-posix3 libutf8proc-dev libutf8proc2 libbenchmark-dev libbenchmark1debian)
rm -rf .gpu-debs && mkdir -p .gpu-debs
(cd .gpu-debs && apt-get download "${packages[@]}" >/dev/null)
echo "gr2: $(ls .gpu-debs | wc -l) packages, $(du -sh .gpu-debs | cut -f1) in .gpu-debs (carry it to the GPU machine)"
