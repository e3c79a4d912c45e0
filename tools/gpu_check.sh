#!/usr/bin/env bash
# The GPU measurements of issue 17 in one call on the device machine (one H200 or H100, PyTorch 2.x
# with LibTorch, CUDA, transformers; no network). Builds gr2 against that LibTorch, then:
#   1. parity: gr2's logits against transformers' Qwen3ForCausalLM on the GPU, float32 and bfloat16
#      (tools/hf_parity.py), on a random model of the Qwen3-0.6B shape (vocabulary 3,000);
#   2. training: `gr2 pretrain` tokens/s (bf16 autocast) for the Qwen3-0.6B shape at batch 8 x 1024
#      against transformers' Qwen3ForCausalLM trained by the same step in PyTorch Python
#      (bench/train_step_reference.py --transformers), both measured here, with MFU;
#   3. decode: bench/decode_bench.cpp (batch 1, 2,200-token prompt + 128 new; batch 32 x (512 + 64))
#      against transformers' `generate` (tools/decode_reference.py), the full 151,936-token vocabulary;
#   4. the demo end to end (`gr2 demo --device cuda`), its report and per-stage times, within a limit.
# Every result goes to OUT (default $OUT, else work/gpu_check) as summary.txt (what to paste into
# docs/benchmarks.md) and results.json; a failed check is recorded and the next one still runs.
#
# Before the call, here: tools/gpu_debs.sh (the build's Debian packages, unpacked there with dpkg -x).
# The call (device tool `run`, carry [".gpu-debs"], timeout_s 600):
#   tools/gpu_check.sh
# Environment: GPU_CHECK_SMOKE=1 runs every step with tiny shapes on the CPU (checks this script on
# a machine without a GPU); GPU_CHECK_DEMO_S (300) limits check 4; GPU_CHECK_STEPS (12) training steps.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
out_arg="${1:-${OUT:-work/gpu_check}}"  # relative paths are taken from the repository root
out="$(mkdir -p "$out_arg" && cd "$out_arg" && pwd)"
python="${PYTHON:-python3}"
smoke="${GPU_CHECK_SMOKE:-0}"
device=cuda
[ "$smoke" = 1 ] && device=cpu
build="${GPU_CHECK_BUILD:-build-gpu}"
work="$(mktemp -d)"
summary="$out/summary.txt"
: >"$summary"
echo "{}" >"$out/results.json"
say() { echo "gpu_check: $*" | tee -a "$summary"; }
# record KEY JSON-VALUE: adds one result to results.json
record() { "$python" - "$out/results.json" "$1" "$2" <<'PY'
import json, sys
path, key, value = sys.argv[1:]
r = json.load(open(path)); r[key] = json.loads(value); json.dump(r, open(path, "w"), indent=1)
PY
}
started=$(date +%s)

# ---- machine ----
say "date $(date -u +%FT%TZ), smoke $smoke, device $device"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee -a "$summary"
fi
gpu_name="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)"
"$python" -c 'import torch, transformers; print("torch", torch.__version__, "cuda", torch.version.cuda, "transformers", transformers.__version__)' | tee -a "$summary"

# ---- build ----
# The Debian packages carried in .gpu-debs go to a private prefix; their pkg-config files are
# pointed at it. Where the build packages are installed (smoke runs here), none are needed.
prefix="$work/debs"
pkg_path=""
if ls .gpu-debs/*.deb >/dev/null 2>&1; then
  for f in .gpu-debs/*.deb; do dpkg -x "$f" "$prefix"; done
  for pc in "$prefix"/usr/lib/x86_64-linux-gnu/pkgconfig/*.pc "$prefix"/usr/share/pkgconfig/*.pc; do
    [ -f "$pc" ] && sed -i "s|^prefix=/usr|prefix=$prefix/usr|" "$pc"
  done
  pkg_path="$prefix/usr/lib/x86_64-linux-gnu/pkgconfig:$prefix/usr/share/pkgconfig"
  export LD_LIBRARY_PATH="$prefix/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
torch_cmake="$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')"
torch_root="$("$python" -c 'import os, torch; print(os.path.dirname(torch.__file__))')"
build_start=$(date +%s)
cuda_args=()
[ "$device" = cuda ] && cuda_args=(-DCMAKE_CUDA_COMPILER="$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)")
if ! PKG_CONFIG_PATH="$pkg_path${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" TORCH_CUDA_ARCH_LIST=9.0 \
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DGR2_BUILD_BENCH=ON "${cuda_args[@]}" \
      -DCMAKE_PREFIX_PATH="$torch_root;$torch_cmake;$prefix/usr" >"$out/build.log" 2>&1 ||
   ! cmake --build "$build" -j "$(nproc)" --target gr2_cli decode_bench >>"$out/build.log" 2>&1; then
  say "build FAILED (build.log)"; tail -30 "$out/build.log"; exit 1
fi
say "build $(( $(date +%s) - build_start )) s"
gr2="$root/$build/gr2"

# ---- shapes ----
# Qwen3-0.6B: hidden 1024, 28 layers, 16 heads, 8 kv heads, head_dim 128, intermediate 3072.
shape=(--set model.hidden_size=1024 --set model.intermediate_size=3072 --set model.num_hidden_layers=28
       --set model.num_attention_heads=16 --set model.num_key_value_heads=8 --set model.head_dim=128)
batch=8 seq=1024 steps="${GPU_CHECK_STEPS:-12}" full_vocab=151936
cases="1x2200+128,32x512+64"
if [ "$smoke" = 1 ]; then
  shape=(--set model.num_hidden_layers=2)
  batch=2 seq=64 steps=4 full_vocab=3000 cases="1x64+8,4x32+4"
fi

# ---- 1. parity ----
"$gr2" model init --config configs/demo.toml "${shape[@]}" --vocab-size 3000 --out "$work/m32" >/dev/null &&
  "$gr2" model init --config configs/demo.toml "${shape[@]}" --vocab-size 3000 --dtype bfloat16 --out "$work/m16" >/dev/null
for dtype in float32 bfloat16; do
  m="$work/m32"; tol=1e-3
  [ "$dtype" = bfloat16 ] && { m="$work/m16"; tol=0.5; }
  line="$("$python" tools/hf_parity.py "$m" --gr2 "$gr2" --device "$device" --dtype "$dtype" --tolerance "$tol" 2>&1 | tail -1)"
  say "parity $dtype: $line"
done

# ---- 2. training throughput ----
"$gr2" data synth --config configs/demo.toml --out "$work/data" >/dev/null
train_log="$out/train_gr2.log"
GR2_QUIET=1 "$gr2" pretrain --data "$work/data" --out "$work/pre" --config configs/demo.toml "${shape[@]}" \
  --set pretrain.batch_size=$batch --set pretrain.seq_len=$seq --set pretrain.steps="$steps" \
  --set pretrain.warmup_steps=1 --set pretrain.eval_every=0 --set pretrain.valid_windows=0 \
  --set pretrain.checkpoint_every=0 --set pretrain.log_every=1 --device "$device" >"$train_log" 2>&1
if [ -f "$work/pre/train_log.jsonl" ]; then
  py="$("$python" bench/train_step_reference.py "$work/pre/config.json" --transformers --device "$device" \
        --batch $batch --seq-len $seq --steps $((steps - 2)) --warmup 2 2>>"$train_log")"
  result="$("$python" - "$work/pre/train_log.jsonl" "$work/pre/config.json" "$py" "$gpu_name" $seq <<'PY'
import json, sys
log, config, py, gpu, seq = sys.argv[1], json.load(open(sys.argv[2])), json.loads(sys.argv[3]), sys.argv[4], int(sys.argv[5])
recs = [json.loads(l) for l in open(log) if '"loss"' in l]
timed = [r for r in recs if r["step"] > 2]
per_step = recs[1]["tokens"] - recs[0]["tokens"]
gr2 = len(timed) * per_step / sum(per_step / r["tokens_per_s"] for r in timed)
# Training FLOPs per token: 6 N (N = every matrix-multiplied parameter, the tied head included) plus
# attention's 6 L T H Dh (scores and values, causal half counted; PaLM, arXiv:2204.02311 app. B).
c = config
D, L, H, Hkv, Dh, I, V = (c[k] for k in ("hidden_size", "num_hidden_layers", "num_attention_heads",
                                         "num_key_value_heads", "head_dim", "intermediate_size", "vocab_size"))
n = L * (D * H * Dh * 2 + D * Hkv * Dh * 2 + 3 * D * I) + V * D
flops_per_token = 6 * n + 6 * L * seq * H * Dh
peak = 989e12 if ("H100" in gpu or "H200" in gpu) else None  # dense bf16, SXM
out = {"gr2_tokens_per_s": gr2, "python_tokens_per_s": py["tokens_per_s"], "ratio": gr2 / py["tokens_per_s"],
       "matmul_parameters": n, "flops_per_token": flops_per_token}
if peak:
    out["gr2_mfu"] = gr2 * flops_per_token / peak
    out["python_mfu"] = py["tokens_per_s"] * flops_per_token / peak
print(json.dumps(out))
PY
)"
  record training "$result"
  say "training (batch $batch x $seq, $steps steps): $result"
else
  say "training FAILED (train_gr2.log)"; tail -20 "$train_log"
fi

# ---- 3. decode ----
"$python" - "$work/qwen3_06b" $full_vocab "${shape[*]}" <<'PY'
import json, os, sys
d, vocab, sets = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
c = {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "vocab_size": vocab, "hidden_size": 128,
     "intermediate_size": 384, "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 2,
     "head_dim": 32, "max_position_embeddings": 4096, "rope_theta": 1e6, "rms_norm_eps": 1e-6,
     "tie_word_embeddings": True, "hidden_act": "silu", "torch_dtype": "bfloat16"}
for s in sets:
    if s.startswith("model."):
        k, v = s[len("model."):].split("=")
        c[k] = int(v)
os.makedirs(d, exist_ok=True)
json.dump(c, open(os.path.join(d, "config.json"), "w"), indent=1)
PY
GR2_DECODE_MODEL="$work/qwen3_06b" GR2_DECODE_CASES="$cases" GR2_BENCH_DEVICE="$device" \
  "$build/decode_bench" --benchmark_format=json >"$out/decode_gr2.json" 2>"$out/decode_gr2.err"
"$python" tools/decode_reference.py "$work/qwen3_06b/config.json" --cases "$cases" --device "$device" \
  >"$out/decode_hf.jsonl" 2>"$out/decode_hf.err"
result="$("$python" - "$out/decode_gr2.json" "$out/decode_hf.jsonl" <<'PY'
import json, sys
try:
    # Google Benchmark names them BM_Decode/batch:B/prompt:P/new:N/iterations:3
    ours = {b["name"].split("/iterations:")[0]: b for b in json.load(open(sys.argv[1]))["benchmarks"]}
except Exception as e:
    ours = {}
theirs = {}
for line in open(sys.argv[2]):
    r = json.loads(line); theirs[r["case"]] = r
out = {}
for case, t in theirs.items():
    b, rest = case.split("x"); p, n = rest.split("+")
    o = ours.get(f"BM_Decode/batch:{b}/prompt:{p}/new:{n}", {})
    g = o.get("new_tokens_per_s")
    out[case] = {"gr2_new_tokens_per_s": g, "gr2_first_token_s": o.get("first_token_s"),
                 "hf_new_tokens_per_s": t["new_tokens_per_s"], "hf_first_token_s": t["first_token_s"],
                 "ratio": g / t["new_tokens_per_s"] if g else None}
print(json.dumps(out))
PY
)"
record decode "${result:-null}"
say "decode: ${result:-FAILED (decode_*.err)}"

# ---- 4. the demo end to end ----
demo_limit="${GPU_CHECK_DEMO_S:-300}"
[ "$smoke" = 1 ] && demo_limit="${GPU_CHECK_DEMO_S:-0}"
if [ "$demo_limit" -gt 0 ]; then
  demo_start=$(date +%s)
  timeout "$demo_limit" "$gr2" demo --config configs/demo.toml --work "$work/demo" --device "$device" \
    >"$out/demo.log" 2>&1
  rc=$?
  cp "$work/demo/eval/report.md" "$out/demo_report.md" 2>/dev/null
  say "demo: exit $rc after $(( $(date +%s) - demo_start )) s (limit $demo_limit s; demo.log, demo_report.md)"
else
  say "demo: skipped (GPU_CHECK_DEMO_S=0)"
fi
say "total $(( $(date +%s) - started )) s"
rm -rf "$work"
