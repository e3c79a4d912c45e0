#!/usr/bin/env bash
# Encoding speed of gr2's Hugging Face BPE tokenizer against HF `tokenizers` (Rust, the reference
# environment's pinned version), on the same text, line by line on one thread each (HF: encode_batch
# with RAYON_NUM_THREADS=1), in the same run.
# Tokenizers: the real Qwen3 tokenizer.json and the Qwen3-style one of the reference test. Text: the
# reference test's training corpus (English-like prose, numbers, CJK, accents, emoji), ~0.2 MB,
# repeated 5 times. Prints tokens/s of each side and the ratio gr2 / HF; HF's count of tokens must
# equal gr2's (it is printed).
# Usage: bench/tokenizer_bench.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
root="$(cd "$(dirname "$0")/.." && pwd)"
exe="$build/hf_tokenizer_bench"
venv="$("$root/scripts/reference_env.sh" 2>/dev/null)" || { echo "tokenizer_bench: skipped (no reference environment)"; exit 0; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false "$venv/bin/python" - "$root" "$work" <<'PY'
import os, sys, time
sys.path.insert(0, os.path.join(sys.argv[1], "tests", "lm"))
import hf_tokenizer_reference as ref
from tokenizers import Tokenizer
work = sys.argv[2]
lines = [l.replace("\r", " ").replace("\n", " ") for l in ref.training_corpus()] * 5
open(os.path.join(work, "text.txt"), "w", encoding="utf-8").write("\n".join(lines) + "\n")
ref.build("qwen3_style", ref.training_corpus()).save(os.path.join(work, "qwen3_style.json"))
PY
printf "%-12s %14s %14s %10s %8s\n" tokenizer "HF tokens/s" "gr2 tokens/s" tokens "gr2/HF"
for name in qwen3 qwen3_style; do
  json="$work/qwen3_style.json"
  [ "$name" = qwen3 ] && json="$venv/qwen3-tokenizer/tokenizer.json"
  [ -f "$json" ] || { echo "$name: skipped ($json absent)"; continue; }
  hf=$(RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false "$venv/bin/python" - "$json" "$work/text.txt" <<'PY'
import sys, time
from tokenizers import Tokenizer
tok = Tokenizer.from_file(sys.argv[1])
lines = open(sys.argv[2], encoding="utf-8").read().split("\n")[:-1]
best = None
for _ in range(3):
    # encode_batch: one call, the Rust loop over lines (RAYON_NUM_THREADS=1: one thread); a Python loop
    # of encode() calls would mostly time Python's call overhead.
    t0 = time.perf_counter(); n = sum(len(e.ids) for e in tok.encode_batch(lines, add_special_tokens=False))
    dt = time.perf_counter() - t0; best = dt if best is None or dt < best else best
print(n / best, n)
PY
)
  out=$(GR2_BENCH_TOKENIZER="$json" GR2_BENCH_TEXT="$work/text.txt" "$exe" --benchmark_format=json --benchmark_min_time=1)
  read -r gr2_rate gr2_tokens < <(printf '%s' "$out" | "$venv/bin/python" -c 'import json,sys; b=json.load(sys.stdin)["benchmarks"][0]; print(b["tokens_per_s"], int(b["tokens"]))')
  read -r hf_rate hf_tokens <<<"$hf"
  [ "$hf_tokens" = "$gr2_tokens" ] || echo "tokenizer_bench: WARNING: token counts differ (HF $hf_tokens, gr2 $gr2_tokens)"
  printf "%-12s %14.0f %14.0f %10d %8.2f\n" "$name" "$hf_rate" "$gr2_rate" "$gr2_tokens" "$(echo "$gr2_rate / $hf_rate" | bc -l)"
done
