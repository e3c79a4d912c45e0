#!/usr/bin/env bash
# Load test of gr2 serve's POST /v1/rerank on loopback with wrk (Debian's wrk 4, bench/serve/rerank.lua):
# one request at a time; paced loads (each connection waits 100 ms after a response, so c connections
# offer about c / (0.1 s + latency) requests/s); closed-loop concurrency; the same concurrency with
# batching off (--max-batch 1) for the batching speed-up; and an overload against a short queue
# (503s, bounded memory); and one request at a time and c=16 without jump-forward decoding (every
# answer token a model step) for its speed-up; one request at a time without the prefix KV cache
# of the system turn; and paced/closed-loop loads with continuous batching (--continuous-batching).
# Prints one line per scenario: achieved requests/s, p50/p95/p99 latency,
# status counts and the server's peak resident memory. Bodies are the first 300 test slates of DATA.
# Usage: bench/serve/load_test.sh MODEL_DIR DATA_DIR [SECONDS_PER_SCENARIO] [extra gr2 serve options...]
set -euo pipefail
model="$1"; data="$2"; seconds="${3:-15}"; shift $(( $# >= 3 ? 3 : $# ))
here="$(cd "$(dirname "$0")" && pwd)"
gr2="${GR2:-$here/../../build/gr2}"
command -v wrk >/dev/null || { echo "load_test.sh: wrk is missing (apt-get install wrk; make bench installs it)" >&2; exit 2; }
tmp="$(mktemp -d)"; trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
python3 - "$data/slates_test.jsonl" "$tmp/bodies.jsonl" <<'PY'
import json, sys
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as out:
    for i, line in enumerate(f):
        if i == 300: break
        s = json.loads(line)
        out.write(json.dumps({"user_id": s["user_id"], "history": s["history"],
                              "candidates": [c["item_id"] for c in s["candidates"]]}) + "\n")
PY
export GR2_BODIES="$tmp/bodies.jsonl"

# start_server NAME OPTIONS...: starts gr2 serve on a free port; sets $port and $pid.
start_server() {
  local name="$1"; shift
  "$gr2" serve --model "$model" --data "$data" --port 0 --threads 1 --no-access-log "$@" "${extra[@]}" \
    > "$tmp/$name.out" 2> "$tmp/$name.err" &
  pid=$!
  for _ in $(seq 100); do grep -q "on http://" "$tmp/$name.out" 2>/dev/null && break; sleep 0.1; done
  port="$(sed -n 's/.*on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/$name.out")"
  [ -n "$port" ] || { cat "$tmp/$name.err" >&2; exit 1; }
  head -1 "$tmp/$name.out"
}
stop_server() { kill -TERM "$pid"; wait "$pid" || true; }
peak_mib() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status"; }

# scenario LABEL CONNECTIONS DELAY_MS
scenario() {
  local line
  line="$(GR2_DELAY_MS="$3" wrk -t "$(( $2 < 2 ? 1 : 2 ))" -c "$2" -d "${seconds}s" --timeout 10s \
          -s "$here/rerank.lua" "http://127.0.0.1:$port" | grep '^RESULT')"
  printf '%-34s %s peak_rss_mib=%s\n' "$1" "${line#RESULT }" "$(peak_mib)"
}

extra=("$@")
start_server batched --max-batch 16 --max-queue 64
curl -s -o /dev/null "http://127.0.0.1:$port/v1/rerank" -d "$(head -1 "$GR2_BODIES")"  # warm-up
scenario "one at a time (c=1)" 1 0
scenario "paced, c=4, 100 ms think time" 4 100
scenario "paced, c=8, 100 ms think time" 8 100
scenario "paced, c=16, 100 ms think time" 16 100
scenario "closed loop, c=16" 16 0
stop_server

start_server continuous --max-batch 16 --max-queue 64 --continuous-batching
scenario "paced, c=4, continuous batching" 4 100
scenario "paced, c=8, continuous batching" 8 100
scenario "closed loop, c=16, continuous batching" 16 0
stop_server

start_server unbatched --max-batch 1 --max-queue 64
scenario "closed loop, c=16, --max-batch 1" 16 0
stop_server

start_server stepwise --max-batch 16 --max-queue 64 --no-jump-forward
scenario "one at a time, --no-jump-forward" 1 0
scenario "closed loop, c=16, --no-jump-forward" 16 0
stop_server

start_server noprefix --max-batch 16 --max-queue 64 --no-prefix-cache
scenario "one at a time, --no-prefix-cache" 1 0
stop_server

start_server overload --max-batch 16 --max-queue 16
scenario "overload, c=64, queue 16" 64 0
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^gr2_(requests_total|fallbacks_total|batch_size_(sum|count))' | sed 's/^/  /'
stop_server
