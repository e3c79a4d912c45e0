#!/usr/bin/env python3
"""Checks that Hugging Face transformers reads a gr2 checkpoint as the same model gr2 runs.

Loads MODEL_DIR (config.json + model.safetensors written by gr2) with
transformers.Qwen3ForCausalLM, runs it on random token ids, asks `gr2 model logits` for the
logits of the same ids, and prints the largest absolute difference. Exit status 1 when it exceeds
--tolerance.

Usage (where transformers is installed, e.g. the GPU machine):
  gr2 model init --config configs/demo.toml --vocab-size 3000 --out /tmp/m
  python3 tools/hf_parity.py /tmp/m --gr2 build/gr2 [--batch 2 --length 33 --tolerance 1e-4]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("--gr2", default="build/gr2", help="path of the gr2 executable")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--length", type=int, default=33)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument("--device", default="cpu", help="where both models run (cpu, cuda)")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"],
                        help="weights and compute of both models")
    args = parser.parse_args()

    from transformers import Qwen3ForCausalLM  # imported late: --help works without transformers

    config = json.load(open(os.path.join(args.model_dir, "config.json")))
    rng = np.random.default_rng(args.seed)
    ids = rng.integers(0, config["vocab_size"], size=(args.batch, args.length)).tolist()

    with tempfile.TemporaryDirectory() as tmp:
        input_path = os.path.join(tmp, "ids.json")
        logits_path = os.path.join(tmp, "logits.bin")
        json.dump({"input_ids": ids}, open(input_path, "w"))
        subprocess.run([args.gr2, "model", "logits", "--model", args.model_dir, "--input", input_path,
                        "--out", logits_path, "--device", args.device, "--dtype", args.dtype], check=True)
        ours = np.fromfile(logits_path, dtype="<f4").reshape(args.batch, args.length, config["vocab_size"])

    dtype = getattr(torch, args.dtype)
    model = Qwen3ForCausalLM.from_pretrained(args.model_dir, dtype=dtype, attn_implementation="eager")
    model.to(args.device).eval()
    with torch.no_grad():
        theirs = model(torch.tensor(ids, device=args.device)).logits.float().cpu().numpy()
    diff = float(np.abs(ours - theirs).max())
    scale = float(np.abs(theirs).max())
    print(f"hf_parity: max |gr2 - transformers| = {diff:.3e} (logit scale {scale:.3f}, "
          f"{args.device}, {args.dtype}, transformers {__import__('transformers').__version__}, torch {torch.__version__})")
    sys.exit(0 if diff <= args.tolerance else 1)


if __name__ == "__main__":
    main()
