#!/usr/bin/env python3
"""Hugging Face transformers' Qwen3ForCausalLM as the reference of gr2's decoder (issue 16): run by
tests/lm/hf_model_reference_test.cpp with the reference environment's python (GR2_REFERENCE_PYTHON).

  hf_model_reference.py make OUT_DIR --tied 0|1 [--seed S]
      A small Qwen3 (GQA: 4 query heads, 2 kv heads) with transformers' random initialisation, saved
      with save_pretrained (config.json + model.safetensors) to OUT_DIR, plus OUT_DIR/ids.json (2 rows
      of 17 random ids) and OUT_DIR/hf_logits.bin: transformers' float32 logits for those ids.
  hf_model_reference.py logits MODEL_DIR IDS_JSON OUT_BIN
      Loads MODEL_DIR (e.g. written by gr2) with from_pretrained and writes its float32 logits.
Logits files are float32 [B, T, V], little-endian, row-major. Attention is "eager" (the plain
softmax formula) so the reference does not depend on which SDPA kernel torch picks.
"""
import argparse
import json
import os

import torch


def logits(model_dir, ids):
    from transformers import Qwen3ForCausalLM
    model = Qwen3ForCausalLM.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    with torch.no_grad():
        return model(torch.tensor(ids)).logits.float().numpy()


def make(out_dir, tied, seed):
    from transformers import Qwen3Config, Qwen3ForCausalLM
    torch.manual_seed(seed)
    config = Qwen3Config(vocab_size=301, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=128,
                         rope_theta=10000.0, rms_norm_eps=1e-6, tie_word_embeddings=tied)
    model = Qwen3ForCausalLM(config)
    # Norm weights start at 1: perturb them so a swapped or ignored norm cannot pass unnoticed.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.add_(0.1 * torch.randn_like(p))
    model.save_pretrained(out_dir, safe_serialization=True)
    ids = torch.randint(0, config.vocab_size, (2, 17), generator=torch.Generator().manual_seed(seed + 1)).tolist()
    with open(os.path.join(out_dir, "ids.json"), "w") as f:
        json.dump({"input_ids": ids}, f)
    logits(out_dir, ids).astype("<f4").tofile(os.path.join(out_dir, "hf_logits.bin"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make")
    m.add_argument("out_dir")
    m.add_argument("--tied", type=int, choices=[0, 1], required=True)
    m.add_argument("--seed", type=int, default=0)
    l = sub.add_parser("logits")
    l.add_argument("model_dir")
    l.add_argument("ids_json")
    l.add_argument("out_bin")
    args = ap.parse_args()
    if args.command == "make":
        make(args.out_dir, bool(args.tied), args.seed)
    else:
        with open(args.ids_json) as f:
            ids = json.load(f)["input_ids"]
        logits(args.model_dir, ids).astype("<f4").tofile(args.out_bin)


if __name__ == "__main__":
    main()
