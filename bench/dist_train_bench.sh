#!/usr/bin/env bash
# Data-parallel training on this machine: `gr2 pretrain` in one process against 2 ranks of
# `gr2 launch --nproc 2` (Gloo over 127.0.0.1), same global batch and seed. Reports, per model:
# the largest relative difference of the per-step losses (1 process, 1 thread vs 2 ranks of 1 thread;
# and, for scale, 1 process with 1 thread vs 2 threads, which differ only in float summation order),
# training throughput (tokens/s from the runs' train_log.jsonl: tokens over step seconds) of the 2
# ranks against 1 process with 1 thread and with 2 threads (the 2 ranks use both cores; on a 2-vCPU
# VM LibTorch's 2 intra-op threads are slower than 1, docs/benchmarks.md), and the communication
# share of the 2-rank step time (seconds in the gradient all-reduce / step seconds, rank 0).
# Usage: bench/dist_train_bench.sh [BUILD_DIR]     Environment: STEPS (40), MODELS ("demo large").
set -euo pipefail
build="${1:-build}"
root="$(cd "$(dirname "$0")/.." && pwd)"
gr2="$(cd "$build" && pwd)/gr2"
steps="${STEPS:-40}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$gr2" data synth --config "$root/configs/demo.toml" --out "$work/data" >/dev/null

declare -A sets
sets[demo]="--set pretrain.batch_size=16 --set pretrain.seq_len=128"
sets[large]="--set model.hidden_size=512 --set model.intermediate_size=1536 --set model.num_hidden_layers=8 \
--set model.num_attention_heads=8 --set model.num_key_value_heads=4 --set model.head_dim=64 \
--set pretrain.batch_size=8 --set pretrain.seq_len=128"

run() {  # run NAME THREADS [launch args...]: pretrain into $work/NAME
  local name="$1" threads="$2"
  shift 2
  # shellcheck disable=SC2086
  "$@" "$gr2" pretrain --data "$work/data" --out "$work/$name" --config "$root/configs/demo.toml" --device cpu \
    --set pretrain.steps="$steps" --set pretrain.warmup_steps=5 --set pretrain.threads="$threads" \
    --set pretrain.eval_every=0 --set pretrain.log_every=1 ${sets[$model]} >/dev/null 2>"$work/$name.err" ||
    { cat "$work/$name.err" >&2; exit 1; }
}

printf "%-6s %11s %18s %18s %10s %10s %10s %10s %11s\n" model parameters "loss diff 1v2 rank" "loss diff 1v2 thr" \
  "tok/s 1x1" "tok/s 1x2" "tok/s 2x1" "2x1 / 1x1" "comm share"
for model in ${MODELS:-demo large}; do
  # The vocabulary is trained once (rank 0's) and copied, so that every run tokenises alike.
  run "$model-one" 1
  for d in "$model-two" "$model-one2"; do
    mkdir -p "$work/$d" && cp "$work/$model-one"/tokenizer.model "$work/$model-one"/gr2.json "$work/$d"/
  done
  run "$model-two" 1 "$gr2" launch --nproc 2 --
  run "$model-one2" 2
  python3 - "$work" "$model" <<'PY'
import json, sys
work, model = sys.argv[1], sys.argv[2]
def log(name):
    return [r for r in map(json.loads, open(f"{work}/{name}/train_log.jsonl")) if "loss" in r and "eval" not in r]
one, two, one2 = log(f"{model}-one"), log(f"{model}-two"), log(f"{model}-one2")
assert len(one) == len(two) == len(one2)
diff = lambda a, b: max(abs(x["loss"] - y["loss"]) / abs(x["loss"]) for x, y in zip(a, b))
rate = lambda l: l[-1]["tokens"] / l[-1]["elapsed_s"]
params = json.load(open(f"{work}/{model}-one/gr2.json"))["training"]["parameters"]
print(f"{model:6s} {params:11,d} {diff(one, two):18.2e} {diff(one, one2):18.2e} {rate(one):10.0f} {rate(one2):10.0f} "
      f"{rate(two):10.0f} {rate(two) / rate(one):9.2f}x {two[-1]['comm_s'] / two[-1]['elapsed_s']:10.1%}")
PY
done
