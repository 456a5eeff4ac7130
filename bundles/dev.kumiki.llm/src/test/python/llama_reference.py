#!/usr/bin/python3
"""An independent PyTorch implementation of the Llama-family decoders Kumiki runs (LlamaForCausalLM,
MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM), written from the published architecture (Llama 2/3 papers,
Hugging Face's model cards and config semantics) -- not from transformers, which is not installed here.

It reads a model folder itself (config.json, safetensors parsed by hand: 8-byte little-endian header length, a JSON
header, raw little-endian bytes; one file or shards listed by model.safetensors.index.json) and prints JSON:
  {"logits": [[...] per position], "generated": [greedy tokens]}

Usage: llama_reference.py MODEL_DIR --tokens 1,2,3 [--compute float32|bfloat16] [--generate N] [--scales S0,S1,...]

--scales multiplies the hidden state by S_i before layer i (one number per layer): the data-flow merge's scales of the
hidden state passed from one layer to the next (Sakana AI's evolutionary merging), to check Kumiki's layer paths.

--compute bfloat16 runs every matrix product and activation in bfloat16 (what transformers does with
torch_dtype=bfloat16); float32 upcasts the stored weights exactly and computes in float32.
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        buf = raw[base + start:base + end]
        shape = spec["shape"]
        dtype = spec["dtype"]
        if dtype == "F32":
            arr = np.frombuffer(buf, dtype="<f4").astype(np.float32)
        elif dtype == "F16":
            arr = np.frombuffer(buf, dtype="<f2").astype(np.float32)
        elif dtype == "BF16":
            # bfloat16 is the upper half of a float32: widening is exact
            arr = (np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise SystemExit(f"{path}: tensor {name} has dtype {dtype}, which this reference does not read")
        out[name] = (torch.from_numpy(arr.copy()).reshape(shape), dtype)
    return out


def read_model(folder):
    index = os.path.join(folder, "model.safetensors.index.json")
    tensors = {}
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
        for name in files:
            tensors.update(read_safetensors(os.path.join(folder, name)))
    else:
        tensors.update(read_safetensors(os.path.join(folder, "model.safetensors")))
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    return config, tensors


class Model:
    def __init__(self, config, tensors, compute, scales=None):
        self.c = config
        self.scales = scales
        self.arch = config["architectures"][0]
        self.dtype = torch.bfloat16 if compute == "bfloat16" else torch.float32
        self.w = {k: v.to(self.dtype) for k, (v, _) in tensors.items()}
        self.hidden = config["hidden_size"]
        self.heads = config["num_attention_heads"]
        self.kv_heads = config.get("num_key_value_heads") or self.heads
        self.head_dim = config.get("head_dim") or self.hidden // self.heads
        self.eps = config.get("rms_norm_eps", 1e-6)
        self.layers = config["num_hidden_layers"]
        self.tied = config.get("tie_word_embeddings", False)
        self.qk_norm = self.arch == "Qwen3ForCausalLM"
        self.inv_freq = self.rope_inverse_frequencies()

    def rope_inverse_frequencies(self):
        # RoFormer's frequencies theta^(-2i/d), in float32
        theta = self.c.get("rope_theta", 10000.0)
        d = self.head_dim
        inv = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
        scaling = self.c.get("rope_scaling")
        if scaling and (scaling.get("rope_type") or scaling.get("type")) == "llama3":
            # Llama 3.1's published scaling: wavelengths longer than original/low_freq_factor are stretched by
            # factor, shorter than original/high_freq_factor kept, the band between blended linearly in 1/wavelength
            factor = scaling["factor"]
            low = scaling["low_freq_factor"]
            high = scaling["high_freq_factor"]
            old = scaling["original_max_position_embeddings"]
            result = []
            for f in inv.tolist():
                wavelen = 2 * math.pi / f
                if wavelen < old / high:
                    result.append(f)
                elif wavelen > old / low:
                    result.append(f / factor)
                else:
                    smooth = (old / wavelen - low) / (high - low)
                    result.append((1 - smooth) * f / factor + smooth * f)
            inv = torch.tensor(result, dtype=torch.float32)
        return inv

    def rms_norm(self, x, weight):
        xf = x.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return weight * xf.to(self.dtype)

    def linear(self, x, name, bias=False):
        y = x @ self.w[name + ".weight"].t()
        if bias:
            y = y + self.w[name + ".bias"]
        return y

    def rope(self, x, positions):
        # x: (heads, T, d); rotate pairs (i, i + d/2)
        angles = positions.float()[:, None] * self.inv_freq[None, :]
        cos = torch.cat([angles.cos(), angles.cos()], dim=-1).to(self.dtype)
        sin = torch.cat([angles.sin(), angles.sin()], dim=-1).to(self.dtype)
        half = self.head_dim // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
        return x * cos + rotated * sin

    def forward(self, tokens):
        T = len(tokens)
        ids = torch.tensor(tokens, dtype=torch.long)
        positions = torch.arange(T)
        x = self.w["model.embed_tokens.weight"][ids]
        qkv_bias = self.arch == "Qwen2ForCausalLM" or (
            self.arch != "MistralForCausalLM" and self.c.get("attention_bias", False))
        o_bias = self.arch != "Qwen2ForCausalLM" and self.arch != "MistralForCausalLM" and self.c.get(
            "attention_bias", False)
        mask = torch.full((T, T), float("-inf")).triu(1)
        group = self.heads // self.kv_heads
        for i in range(self.layers):
            p = f"model.layers.{i}."
            if self.scales is not None:
                x = x * self.scales[i]
            h = self.rms_norm(x, self.w[p + "input_layernorm.weight"])
            q = self.linear(h, p + "self_attn.q_proj", qkv_bias).view(T, self.heads, self.head_dim)
            k = self.linear(h, p + "self_attn.k_proj", qkv_bias).view(T, self.kv_heads, self.head_dim)
            v = self.linear(h, p + "self_attn.v_proj", qkv_bias).view(T, self.kv_heads, self.head_dim)
            if self.qk_norm:
                q = self.rms_norm(q, self.w[p + "self_attn.q_norm.weight"])
                k = self.rms_norm(k, self.w[p + "self_attn.k_norm.weight"])
            q = self.rope(q.transpose(0, 1), positions)
            k = self.rope(k.transpose(0, 1), positions)
            v = v.transpose(0, 1)
            k = k.repeat_interleave(group, dim=0)
            v = v.repeat_interleave(group, dim=0)
            scores = (q @ k.transpose(1, 2)) / math.sqrt(self.head_dim) + mask.to(self.dtype)
            probs = torch.softmax(scores.float(), dim=-1).to(self.dtype)
            a = (probs @ v).transpose(0, 1).reshape(T, self.heads * self.head_dim)
            x = x + self.linear(a, p + "self_attn.o_proj", o_bias)
            h = self.rms_norm(x, self.w[p + "post_attention_layernorm.weight"])
            gate = self.linear(h, p + "mlp.gate_proj")
            up = self.linear(h, p + "mlp.up_proj")
            x = x + self.linear(torch.nn.functional.silu(gate) * up, p + "mlp.down_proj")
        x = self.rms_norm(x, self.w["model.norm.weight"])
        head = self.w["model.embed_tokens.weight"] if self.tied else self.w["lm_head.weight"]
        return (x @ head.t()).float()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--compute", default="float32", choices=["float32", "bfloat16"])
    ap.add_argument("--generate", type=int, default=0)
    ap.add_argument("--scales", default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    config, tensors = read_model(args.model)
    scales = None
    if args.scales:
        scales = [float(v) for v in args.scales.split(",")]
        if len(scales) != config["num_hidden_layers"]:
            raise SystemExit(f"--scales gives {len(scales)} numbers, the model has {config['num_hidden_layers']} layers")
    model = Model(config, tensors, args.compute, scales)
    tokens = [int(t) for t in args.tokens.split(",")]
    with torch.no_grad():
        logits = model.forward(tokens)
        generated = []
        seq = list(tokens)
        for _ in range(args.generate):
            # full recompute every step: no cache, nothing shared with the forward pass above
            nxt = int(torch.argmax(model.forward(seq)[-1]).item())
            generated.append(nxt)
            seq.append(nxt)
    json.dump({"logits": logits.tolist(), "generated": generated}, sys.stdout)


if __name__ == "__main__":
    main()
