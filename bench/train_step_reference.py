#!/usr/bin/env python3
"""The training step of `gr2 pretrain` written in PyTorch Python: the baseline of the training
throughput benchmark (bench/train_throughput_bench.sh).

Usage: train_step_reference.py CONFIG_JSON --batch B --seq-len T --steps N [--warmup W] [--threads K]

Builds the Qwen3 decoder of CONFIG_JSON (a gr2 / Hugging Face config.json) with the same shapes,
the same float32 ops as gr2 on LibTorch 1.13 (float32 RMSNorm, rotary tables, grouped-query attention
as matmul + softmax, SwiGLU, tied head) and the same step: next-token cross-entropy over B x T random
tokens, backward, global-norm clipping at 1.0, AdamW with weight decay on the projection matrices
only. Runs W untimed steps, then N timed ones, and prints one JSON line:
{"tokens_per_s": ..., "step_s": ..., "parameters": ..., "threads": ...}.

On the GPU (tools/gpu_check.sh): --device cuda runs the forward pass under bf16 autocast, as gr2
does there, and --transformers trains transformers' Qwen3ForCausalLM (SDPA attention) instead of
the hand-written module above, the PyTorch model a user would otherwise train.
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class RmsNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        h = x.float()
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * h.to(x.dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, self.h, self.hkv, self.dh = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
        self.q_proj = nn.Linear(d, self.h * self.dh, bias=False)
        self.k_proj = nn.Linear(d, self.hkv * self.dh, bias=False)
        self.v_proj = nn.Linear(d, self.hkv * self.dh, bias=False)
        self.o_proj = nn.Linear(self.h * self.dh, d, bias=False)
        self.q_norm = RmsNorm(self.dh, c["rms_norm_eps"])
        self.k_norm = RmsNorm(self.dh, c["rms_norm_eps"])

    def forward(self, x, cos, sin, mask):
        B, T, _ = x.shape
        q = self.q_norm(self.q_proj(x).view(B, T, self.h, self.dh)).transpose(1, 2)
        k = self.k_norm(self.k_proj(x).view(B, T, self.hkv, self.dh)).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.hkv, self.dh).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        g = self.h // self.hkv
        qg = q.view(B, self.hkv, g, T, self.dh)
        scores = torch.matmul(qg, k.unsqueeze(2).transpose(-1, -2)) * (1.0 / math.sqrt(self.dh))
        scores = scores.masked_fill(mask, float("-inf"))
        probs = torch.softmax(scores, -1, dtype=torch.float32).to(q.dtype)
        out = torch.matmul(probs, v.unsqueeze(2)).view(B, self.h, T, self.dh)
        return self.o_proj(out.transpose(1, 2).reshape(B, T, self.h * self.dh))


class Mlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, i = c["hidden_size"], c["intermediate_size"]
        self.gate_proj = nn.Linear(d, i, bias=False)
        self.up_proj = nn.Linear(d, i, bias=False)
        self.down_proj = nn.Linear(i, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RmsNorm(c["hidden_size"], c["rms_norm_eps"])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RmsNorm(c["hidden_size"], c["rms_norm_eps"])
        self.mlp = Mlp(c)

    def forward(self, x, cos, sin, mask):
        h = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return h + self.mlp(self.post_attention_layernorm(h))


class Qwen3(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList([Block(c) for _ in range(c["num_hidden_layers"])])
        self.norm = RmsNorm(c["hidden_size"], c["rms_norm_eps"])
        self.tied = c.get("tie_word_embeddings", True)
        if not self.tied:
            self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        theta = c.get("rope_parameters", {}).get("rope_theta", c.get("rope_theta", 1e6))
        dh = c["head_dim"]
        self.inv_freq = 1.0 / torch.pow(theta, torch.arange(0, dh, 2, dtype=torch.float32) / dh)
        std = c.get("initializer_range", 0.02)
        for name, p in self.named_parameters():
            if name.endswith("norm.weight"):
                nn.init.ones_(p)
            else:
                nn.init.normal_(p, 0.0, std)

    def forward(self, ids):
        B, T = ids.shape
        pos = torch.arange(T, device=ids.device).expand(B, T)
        freqs = pos.float().unsqueeze(-1) * self.inv_freq.to(ids.device)
        emb = torch.cat([freqs, freqs], -1).unsqueeze(1)
        cos, sin = emb.cos(), emb.sin()
        mask = torch.ones(T, T, dtype=torch.bool, device=ids.device).tril().logical_not().view(1, 1, 1, T, T)
        h = self.embed_tokens(ids)
        for layer in self.layers:
            h = layer(h, cos, sin, mask)
        h = self.norm(h)
        return F.linear(h, self.embed_tokens.weight) if self.tied else self.lm_head(h)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--seq-len", type=int, required=True)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--transformers", action="store_true", help="train transformers' Qwen3ForCausalLM")
    args = ap.parse_args()
    device = torch.device(args.device)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    with open(args.config) as f:
        c = json.load(f)
    torch.manual_seed(0)
    if args.transformers:
        from transformers import Qwen3Config, Qwen3ForCausalLM
        model = Qwen3ForCausalLM(Qwen3Config(**c, attn_implementation="sdpa")).to(device)
        forward = lambda ids: model(input_ids=ids).logits  # noqa: E731
    else:
        model = Qwen3(c).to(device)
        forward = model
    decay = [p for n, p in model.named_parameters() if n.endswith("_proj.weight")]
    plain = [p for n, p in model.named_parameters() if not n.endswith("_proj.weight")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": plain, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    V = c["vocab_size"]
    gen = torch.Generator().manual_seed(1)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def step():
        tokens = torch.randint(V, (args.batch, args.seq_len + 1), generator=gen).to(device)
        x, y = tokens[:, :-1], tokens[:, 1:]
        opt.zero_grad(set_to_none=True)
        with autocast:
            logits = forward(x)
        loss = F.cross_entropy(logits.reshape(-1, V).float(), y.reshape(-1), reduction="sum")
        (loss / y.numel()).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    sync()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        step()
    sync()
    dt = time.perf_counter() - t0
    params = sum(p.numel() for p in model.parameters())
    print(json.dumps({"tokens_per_s": args.batch * args.seq_len * args.steps / dt, "step_s": dt / args.steps,
                      "parameters": params, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
