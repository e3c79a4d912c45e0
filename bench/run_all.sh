#!/usr/bin/env bash
# Runs every benchmark built in BUILD_DIR and prints results; numbers in docs/benchmarks.md come
# from this script (ratios against baselines measured in the same run).
# Usage: bench/run_all.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
root="$(cd "$(dirname "$0")/.." && pwd)"
shopt -s nullglob
for exe in "$build"/*_bench; do
  echo "== $(basename "$exe")"
  "$exe" --benchmark_min_time=0.5
done
for script in "$root"/bench/*_bench.sh; do
  echo "== $(basename "$script")"
  "$script" "$build"
done
# The serving load test needs a trained re-ranker: the demo's final policy when `make demo` has run
# (paths relative to the repository root).
build_dir="$(cd "$build" && pwd)"
cd "$root"
if [ -d work/demo/rl_conditional ]; then
  echo "== serve/load_test.sh (work/demo/rl_conditional)"
  GR2="$build_dir/gr2" bench/serve/load_test.sh work/demo/rl_conditional work/demo/data 15
else
  echo "== serve/load_test.sh skipped: run make demo first (it serves work/demo/rl_conditional)"
fi
