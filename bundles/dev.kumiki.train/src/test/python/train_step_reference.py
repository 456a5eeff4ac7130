#!/usr/bin/python3
"""An independent PyTorch reference for one training step of a Llama-family decoder: the masked mean cross-entropy
of a batch and the gradient of every trainable parameter (every weight, or LoRA's A and B over frozen weights).

Written from the published architecture and Hugging Face's config semantics (transformers is not installed here),
and deliberately unlike Kumiki's DJL code: every sequence runs alone (no padding), grouped-query heads are copied
with repeat_interleave, the causal mask comes from torch.triu, the loss is torch's cross_entropy with ignore_index,
and everything is computed in float64 so the result is the exact value the float32 implementation approximates.

Input: a model folder (config.json + model.safetensors, parsed by hand), a batch JSON
  {"tokens": [[...], ...], "trained": [[true|false, ...], ...]}
and optionally LoRA: --lora adapter.safetensors (tensors '<module>.lora_A.weight' [r, in], '<module>.lora_B.weight'
[out, r]) with --scaling S. trained[b][i] says that predicting tokens[b][i] from tokens[b][:i] counts.

Output (JSON on stdout): {"loss": float, "count": n, "gradients": {name: [flat values, row-major]}}
"""
import argparse
import json
import math
import struct
import sys

import numpy as np
import torch

DTYPE = torch.float64


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    base = 8 + length
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        if spec["dtype"] != "F32":
            sys.exit(f"{path}: {name} is {spec['dtype']}; this reference reads F32 only")
        start, end = spec["data_offsets"]
        values = np.frombuffer(raw[base + start:base + end], dtype="<f4").astype(np.float64)
        tensors[name] = torch.from_numpy(values.copy()).reshape(spec["shape"])
    return tensors


def inverse_frequencies(cfg, head_dim):
    theta = cfg.get("rope_theta", 10000.0)
    inv = [1.0 / theta ** (2 * i / head_dim) for i in range(head_dim // 2)]
    scaling = cfg.get("rope_scaling")
    if scaling and scaling.get("rope_type", scaling.get("type")) == "llama3":
        factor = scaling["factor"]
        low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
        original = scaling["original_max_position_embeddings"]
        out = []
        for f in inv:
            wavelength = 2 * math.pi / f
            if wavelength < original / high:
                out.append(f)
            elif wavelength > original / low:
                out.append(f / factor)
            else:
                smooth = (original / wavelength - low) / (high - low)
                out.append((1 - smooth) * f / factor + smooth * f)
        inv = out
    return torch.tensor(inv, dtype=DTYPE)


class Model:
    def __init__(self, cfg, weights, lora, scaling):
        self.cfg = cfg
        self.w = weights
        self.lora = lora
        self.scaling = scaling
        arch = cfg["architectures"][0]
        self.heads = cfg["num_attention_heads"]
        self.kv_heads = cfg.get("num_key_value_heads") or self.heads
        self.head_dim = cfg.get("head_dim") or cfg["hidden_size"] // self.heads
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        self.qk_norm = arch == "Qwen3ForCausalLM"
        self.tied = cfg.get("tie_word_embeddings", False)
        self.inv = inverse_frequencies(cfg, self.head_dim)

    def norm(self, x, weight):
        return weight * (x / torch.sqrt((x * x).mean(dim=-1, keepdim=True) + self.eps))

    def linear(self, module, x):
        y = x @ self.w[module + ".weight"].T
        if module + ".bias" in self.w:
            y = y + self.w[module + ".bias"]
        if module in self.lora:
            a, b = self.lora[module]
            y = y + self.scaling * ((x @ a.T) @ b.T)
        return y

    def rope(self, x, n):
        # x [heads, n, d]; pairs (i, i + d/2) rotate by position * inv[i]
        angles = torch.arange(n, dtype=DTYPE)[:, None] * self.inv[None, :]
        cos, sin = torch.cos(angles), torch.sin(angles)
        half = self.head_dim // 2
        x1, x2 = x[..., :half], x[..., half:]
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)

    def attention(self, prefix, x):
        n = x.shape[0]
        q = self.linear(prefix + "q_proj", x).view(n, self.heads, self.head_dim)
        k = self.linear(prefix + "k_proj", x).view(n, self.kv_heads, self.head_dim)
        v = self.linear(prefix + "v_proj", x).view(n, self.kv_heads, self.head_dim)
        if self.qk_norm:
            q = self.norm(q, self.w[prefix + "q_norm.weight"])
            k = self.norm(k, self.w[prefix + "k_norm.weight"])
        q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
        q, k = self.rope(q, n), self.rope(k, n)
        group = self.heads // self.kv_heads
        k = k.repeat_interleave(group, dim=0)
        v = v.repeat_interleave(group, dim=0)
        scores = q @ k.transpose(1, 2) / math.sqrt(self.head_dim)
        future = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)
        scores = scores.masked_fill(future, float("-inf"))
        out = torch.softmax(scores, dim=-1) @ v
        return self.linear(prefix + "o_proj", out.transpose(0, 1).reshape(n, self.heads * self.head_dim))

    def mlp(self, prefix, x):
        gate = self.linear(prefix + "gate_proj", x)
        return self.linear(prefix + "down_proj", torch.nn.functional.silu(gate) * self.linear(prefix + "up_proj", x))

    def logits(self, tokens):
        x = self.w["model.embed_tokens.weight"][torch.tensor(tokens)]
        for i in range(self.cfg["num_hidden_layers"]):
            p = f"model.layers.{i}."
            x = x + self.attention(p + "self_attn.", self.norm(x, self.w[p + "input_layernorm.weight"]))
            x = x + self.mlp(p + "mlp.", self.norm(x, self.w[p + "post_attention_layernorm.weight"]))
        x = self.norm(x, self.w["model.norm.weight"])
        if self.tied:
            return x @ self.w["model.embed_tokens.weight"].T
        return self.linear("lm_head", x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("batch")
    ap.add_argument("--lora")
    ap.add_argument("--scaling", type=float, default=1.0)
    args = ap.parse_args()
    with open(f"{args.model}/config.json") as f:
        cfg = json.load(f)
    weights = read_safetensors(f"{args.model}/model.safetensors")
    lora = {}
    if args.lora:
        adapter = read_safetensors(args.lora)
        for name in adapter:
            if name.endswith(".lora_A.weight"):
                module = name[:-len(".lora_A.weight")]
                lora[module] = (adapter[name], adapter[module + ".lora_B.weight"])
        params = {}
        for module, (a, b) in lora.items():
            a.requires_grad_(True)
            b.requires_grad_(True)
            params[module + ".lora_A.weight"] = a
            params[module + ".lora_B.weight"] = b
    else:
        for t in weights.values():
            t.requires_grad_(True)
        params = weights
    with open(args.batch) as f:
        batch = json.load(f)
    model = Model(cfg, weights, lora, args.scaling)
    total = torch.zeros((), dtype=DTYPE)
    count = 0
    for tokens, trained in zip(batch["tokens"], batch["trained"]):
        labels = torch.tensor([t if flag else -100 for t, flag in zip(tokens, trained)])
        logits = model.logits(tokens)
        # position i predicts token i + 1
        total = total + torch.nn.functional.cross_entropy(logits[:-1], labels[1:], ignore_index=-100,
                                                          reduction="sum")
        count += int((labels[1:] != -100).sum())
    loss = total / count
    loss.backward()
    grads = {name: (p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1).tolist()
             for name, p in params.items()}
    json.dump({"loss": loss.item(), "count": count, "gradients": grads}, sys.stdout)


if __name__ == "__main__":
    main()
