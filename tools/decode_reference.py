#!/usr/bin/env python3
"""Decode speed of Hugging Face transformers' `generate`: the baseline of bench/decode_bench.cpp.

Builds Qwen3ForCausalLM from CONFIG_JSON with random weights (speed does not depend on them), on
--device (bfloat16 on CUDA, float32 on the CPU), and for each case BxP+N generates N new tokens
greedily for B random prompts of P tokens (min_new_tokens = N, so no row stops early), with the KV
cache. One untimed warm-up call per case, then --repeats timed ones. Prints one JSON line per case:
{"case": "1x2200+128", "new_tokens_per_s": ..., "first_token_s": ..., "seconds": ...}, where
first_token_s is timed by a separate call with max_new_tokens = 1.

Usage: decode_reference.py CONFIG_JSON --cases 1x2200+128,32x512+64 [--device cuda] [--repeats 3]
"""
import argparse
import json
import time

import torch


def timed(fn, device):
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("config")
    ap.add_argument("--cases", default="1x256+32,8x128+16")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    from transformers import Qwen3Config, Qwen3ForCausalLM  # late: --help works without transformers

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    with open(args.config) as f:
        config = Qwen3Config(**json.load(f))
    torch.manual_seed(0)
    model = Qwen3ForCausalLM(config).to(device=device, dtype=dtype).eval()
    for spec in args.cases.split(","):
        b, rest = spec.split("x")
        p, n = rest.split("+")
        b, p, n = int(b), int(p), int(n)
        ids = torch.randint(0, config.vocab_size, (b, p), device=device)
        mask = torch.ones_like(ids)

        def run(new):
            with torch.no_grad():
                model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=new, min_new_tokens=new,
                               do_sample=False, use_cache=True, pad_token_id=0)

        run(n)  # warm-up
        seconds = min(timed(lambda: run(n), device) for _ in range(args.repeats))
        first = min(timed(lambda: run(1), device) for _ in range(args.repeats))
        print(json.dumps({"case": spec, "new_tokens_per_s": b * n / seconds, "first_token_s": first,
                          "seconds": seconds, "device": str(device), "dtype": str(dtype).replace("torch.", "")}),
              flush=True)


if __name__ == "__main__":
    main()
