#!/usr/bin/env bash
# Training throughput on the CPU: `gr2 pretrain` against the same model and step written in PyTorch
# Python (bench/train_step_reference.py, Debian's python3-torch = the same LibTorch), measured in the
# same run, plus the peak resident memory of each (GNU time). Two models: the demo model
# (configs/demo.toml [model]) and a ~100M-parameter one. Each side runs STEPS steps; the first 2 are
# warmup and not timed (gr2's rate comes from its per-step train_log.jsonl records). Rounds alternate
# gr2 and Python and the best rate of each is kept (the machine is shared).
# Usage: bench/train_throughput_bench.sh [BUILD_DIR]
# Environment: THREADS (1), ROUNDS (2), STEPS_DEMO (30), STEPS_LARGE (6), MODELS ("demo large").
set -euo pipefail
build="${1:-build}"
root="$(cd "$(dirname "$0")/.." && pwd)"
gr2="$(cd "$build" && pwd)/gr2"
threads="${THREADS:-1}"
rounds="${ROUNDS:-2}"
python=/usr/bin/python3
if ! "$python" -c 'import torch' 2>/dev/null; then
  echo "train_throughput_bench: skipped ($python has no torch; apt-get install python3-torch)"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$gr2" data synth --config "$root/configs/demo.toml" --out "$work/data" >/dev/null

# model name -> --set overrides of configs/demo.toml
declare -A sets
sets[demo]="--set pretrain.batch_size=16 --set pretrain.seq_len=128"
sets[large]="--set model.hidden_size=768 --set model.intermediate_size=2048 --set model.num_hidden_layers=16 \
--set model.num_attention_heads=12 --set model.num_key_value_heads=4 --set model.head_dim=64 \
--set pretrain.batch_size=4 --set pretrain.seq_len=128"
declare -A steps
steps[demo]="${STEPS_DEMO:-30}"
steps[large]="${STEPS_LARGE:-6}"

# Peak RSS in MB from GNU time's output file.
rss_mb() { awk -F: '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$1"; }

printf "%-6s %12s %14s %14s %7s %10s %10s\n" model parameters "gr2 tok/s" "python tok/s" ratio "gr2 MB" "python MB"
for model in ${MODELS:-demo large}; do
  n="${steps[$model]}"
  best_gr2=0 best_py=0 rss_gr2=0 rss_py=0 params=0
  for round in $(seq "$rounds"); do
    out="$work/$model-$round"
    # shellcheck disable=SC2086
    GR2_QUIET=1 /usr/bin/time -v -o "$work/time-gr2" "$gr2" pretrain --data "$work/data" --out "$out" \
      --config "$root/configs/demo.toml" ${sets[$model]} --set pretrain.steps="$n" --set pretrain.warmup_steps=1 \
      --set pretrain.eval_every=0 --set pretrain.valid_windows=0 --set pretrain.checkpoint_every=0 \
      --set pretrain.log_every=1 --set pretrain.threads="$threads" --device cpu >/dev/null 2>"$work/gr2.err" ||
      { cat "$work/gr2.err"; exit 1; }
    rate_gr2=$("$python" - "$out/train_log.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if '"loss"' in l]
timed = [r for r in recs if r["step"] > 2]
tokens = [r["tokens"] for r in recs]
per_step = tokens[1] - tokens[0]
print(len(timed) * per_step / sum(per_step / r["tokens_per_s"] for r in timed))
PY
)
    batch=$("$python" -c "import json;c=json.load(open('$out/gr2.json'))['training']['config']['train'];print(c['batch_size'], c['seq_len'])")
    read -r b t <<<"$batch"
    py_json=$(/usr/bin/time -v -o "$work/time-py" "$python" "$root/bench/train_step_reference.py" "$out/config.json" \
      --batch "$b" --seq-len "$t" --steps $((n - 2)) --warmup 2 --threads "$threads")
    rate_py=$("$python" -c "import json,sys;print(json.loads(sys.argv[1])['tokens_per_s'])" "$py_json")
    params=$("$python" -c "import json,sys;print(json.loads(sys.argv[1])['parameters'])" "$py_json")
    best_gr2=$("$python" -c "print(max($best_gr2, $rate_gr2))")
    best_py=$("$python" -c "print(max($best_py, $rate_py))")
    rss_gr2=$(rss_mb "$work/time-gr2")
    rss_py=$(rss_mb "$work/time-py")
    rm -rf "$out"
  done
  ratio=$("$python" -c "print(f'{$best_gr2 / $best_py:.2f}')")
  printf "%-6s %12s %14.0f %14.0f %7s %10s %10s\n" "$model" "$params" "$best_gr2" "$best_py" "$ratio" "$rss_gr2" "$rss_py"
done
