#!/usr/bin/env python3
"""Independent Qwen3 forward pass in plain PyTorch, the numeric reference for gr2's decoder.

Usage: qwen3_reference.py MODEL_DIR INPUT_JSON OUTPUT_BIN
  MODEL_DIR:  config.json + model.safetensors (Hugging Face names) written by gr2
  INPUT_JSON: {"input_ids": [[...], ...]}  (B rows of equal length T)
  OUTPUT_BIN: float32 logits [B, T, V], little-endian, row-major
Written from the Qwen3 description (not from gr2's code); reads safetensors by hand so that it
needs only torch and numpy.
"""
import json
import struct
import sys

import numpy as np
import torch

DTYPES = {"F32": np.float32, "BF16": None, "F16": np.float16}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = data[base + start:base + end]
        if info["dtype"] == "BF16":
            u16 = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            arr = u16.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=DTYPES[info["dtype"]]).astype(np.float32)
        out[name] = torch.from_numpy(arr.copy()).reshape(info["shape"])
    return out


def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rope(x, pos, theta):
    # x: [B, H, T, Dh]; pairs feature i with i + Dh/2.
    dh = x.shape[-1]
    inv = 1.0 / theta ** (torch.arange(0, dh, 2, dtype=torch.float32) / dh)
    ang = pos[:, None].float() * inv[None, :]          # [T, Dh/2]
    cos, sin = ang.cos(), ang.sin()
    x1, x2 = x[..., : dh // 2], x[..., dh // 2:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def forward(cfg, w, ids):
    eps = cfg["rms_norm_eps"]
    theta = cfg.get("rope_parameters", {}).get("rope_theta", cfg.get("rope_theta"))
    H, Hkv, Dh = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    B, T = ids.shape
    x = w["model.embed_tokens.weight"][ids]
    pos = torch.arange(T)
    mask = torch.full((T, T), float("-inf")).triu(1)
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (h @ w[p + "self_attn.q_proj.weight"].T).view(B, T, H, Dh)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).view(B, T, Hkv, Dh)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).view(B, T, Hkv, Dh)
        q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps).transpose(1, 2)
        k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps).transpose(1, 2)
        v = v.transpose(1, 2)
        q, k = rope(q, pos, theta), rope(k, pos, theta)
        k = k.repeat_interleave(H // Hkv, dim=1)
        v = v.repeat_interleave(H // Hkv, dim=1)
        att = torch.softmax(q @ k.transpose(-1, -2) / Dh ** 0.5 + mask, dim=-1)
        o = (att @ v).transpose(1, 2).reshape(B, T, H * Dh)
        x = x + o @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        g = h @ w[p + "mlp.gate_proj.weight"].T
        u = h @ w[p + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(g) * u) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else w["lm_head.weight"]
    return x @ head.T


def main():
    model_dir, input_path, output_path = sys.argv[1:4]
    cfg = json.load(open(f"{model_dir}/config.json"))
    w = load_safetensors(f"{model_dir}/model.safetensors")
    ids = torch.tensor(json.load(open(input_path))["input_ids"], dtype=torch.long)
    with torch.no_grad():
        logits = forward(cfg, w, ids)
    logits.contiguous().numpy().astype("<f4").tofile(output_path)


if __name__ == "__main__":
    main()
