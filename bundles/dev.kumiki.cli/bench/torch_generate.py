# PyTorch's side of `kumiki bench generate`: greedy generation with a KV cache in PyTorch eager
# (Debian's python3-torch), on the same model folder, prompt and thread count as Kumiki.
#
# The weights are memory-mapped from the safetensors files (numpy.memmap, no copy) and used in their stored dtype:
# BF16 weights as torch.bfloat16 tensors with bfloat16 activations (what transformers does with
# torch_dtype=bfloat16; RMSNorm and softmax in float32), F32 weights as float32 tensors. Linear layers are
# torch.nn.functional.linear, attention is written out (torch 1.13 has no scaled_dot_product_attention).
#
# Prints one line per run, then the greedy tokens of the last run and the peak RSS of this process:
#   run=0 prefill_seconds=... decode_seconds=...
#   tokens=5,17,...
#   peak_rss_bytes=...
#
# Usage: torch_generate.py MODEL_DIR --tokens 1,2,3 --new-tokens N --threads T --runs R
import argparse
import json
import math
import os
import resource
import struct
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"F32": ("<f4", torch.float32), "BF16": ("<i2", torch.bfloat16), "F16": ("<f2", torch.float16)}


def map_safetensors(path):
    """Name -> tensor over the mapped file, in the stored dtype; nothing is read until used."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n).decode("utf-8"))
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        if spec["dtype"] not in DTYPES:
            raise SystemExit(f"{path}: tensor {name} has dtype {spec['dtype']}; this baseline reads F32, BF16, F16")
        np_type, torch_type = DTYPES[spec["dtype"]]
        start, end = spec["data_offsets"]
        count = (end - start) // np.dtype(np_type).itemsize
        arr = np.memmap(path, dtype=np_type, mode="r", offset=8 + n + start, shape=(count,))
        t = torch.from_numpy(arr)
        if torch_type == torch.bfloat16:
            t = t.view(torch.bfloat16)  # the same bits, reinterpreted
        out[name] = t.reshape(spec["shape"])
    return out


def read_model(folder):
    index = os.path.join(folder, "model.safetensors.index.json")
    tensors = {}
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    for name in files:
        tensors.update(map_safetensors(os.path.join(folder, name)))
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    return config, tensors


class Model:
    def __init__(self, c, w):
        arch = c["architectures"][0]
        if arch not in ("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM"):
            raise SystemExit(f"this baseline runs Llama-family decoders, not {arch}")
        if c.get("rope_scaling"):
            raise SystemExit("this baseline does not implement rope_scaling; bench a model without it")
        self.w = w
        self.dtype = w["model.embed_tokens.weight"].dtype
        self.hidden = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.kv_heads = c.get("num_key_value_heads") or self.heads
        self.head_dim = c.get("head_dim") or self.hidden // self.heads
        self.eps = c.get("rms_norm_eps", 1e-6)
        self.layers = c["num_hidden_layers"]
        self.max_len = c["max_position_embeddings"]
        self.qkv_bias = arch == "Qwen2ForCausalLM" or (arch != "MistralForCausalLM" and c.get("attention_bias", False))
        self.o_bias = arch not in ("Qwen2ForCausalLM", "MistralForCausalLM") and c.get("attention_bias", False)
        self.qk_norm = arch == "Qwen3ForCausalLM"
        self.head = w["model.embed_tokens.weight"] if c.get("tie_word_embeddings", False) else w["lm_head.weight"]
        d = self.head_dim
        inv = 1.0 / (c.get("rope_theta", 10000.0) ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
        self.inv_freq = inv

    def rms_norm(self, x, weight):
        xf = x.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return weight * xf.to(self.dtype)

    def linear(self, x, name, bias):
        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"] if bias else None)

    def new_cache(self, length):
        shape = (self.layers, self.kv_heads, length, self.head_dim)
        self.keys = torch.zeros(shape, dtype=self.dtype)
        self.values = torch.zeros(shape, dtype=self.dtype)
        angles = torch.arange(length).float()[:, None] * self.inv_freq[None, :]
        self.cos = torch.cat([angles.cos(), angles.cos()], dim=-1).to(self.dtype)
        self.sin = torch.cat([angles.sin(), angles.sin()], dim=-1).to(self.dtype)

    def rope(self, x, pos0, T):
        # x: (heads, T, d); element i pairs with i + d/2
        half = self.head_dim // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
        return x * self.cos[pos0:pos0 + T] + rotated * self.sin[pos0:pos0 + T]

    def step(self, ids, pos0):
        """Appends tokens ids at positions pos0.. and returns the logits after the last one."""
        T = len(ids)
        end = pos0 + T
        x = self.w["model.embed_tokens.weight"][torch.tensor(ids, dtype=torch.long)]
        group = self.heads // self.kv_heads
        mask = None
        if T > 1:
            mask = torch.full((T, end), float("-inf")).triu(pos0 + 1).to(self.dtype)
        for i in range(self.layers):
            p = f"model.layers.{i}."
            h = self.rms_norm(x, self.w[p + "input_layernorm.weight"])
            q = self.linear(h, p + "self_attn.q_proj", self.qkv_bias).view(T, self.heads, self.head_dim)
            k = self.linear(h, p + "self_attn.k_proj", self.qkv_bias).view(T, self.kv_heads, self.head_dim)
            v = self.linear(h, p + "self_attn.v_proj", self.qkv_bias).view(T, self.kv_heads, self.head_dim)
            if self.qk_norm:
                q = self.rms_norm(q, self.w[p + "self_attn.q_norm.weight"])
                k = self.rms_norm(k, self.w[p + "self_attn.k_norm.weight"])
            q = self.rope(q.transpose(0, 1), pos0, T)
            self.keys[i, :, pos0:end] = self.rope(k.transpose(0, 1), pos0, T)
            self.values[i, :, pos0:end] = v.transpose(0, 1)
            keys = self.keys[i, :, :end].repeat_interleave(group, dim=0)
            values = self.values[i, :, :end].repeat_interleave(group, dim=0)
            scores = (q @ keys.transpose(1, 2)) / math.sqrt(self.head_dim)
            if mask is not None:
                scores = scores + mask
            probs = torch.softmax(scores.float(), dim=-1).to(self.dtype)
            a = (probs @ values).transpose(0, 1).reshape(T, self.heads * self.head_dim)
            x = x + self.linear(a, p + "self_attn.o_proj", self.o_bias)
            h = self.rms_norm(x, self.w[p + "post_attention_layernorm.weight"])
            gate = self.linear(h, p + "mlp.gate_proj", False)
            up = self.linear(h, p + "mlp.up_proj", False)
            x = x + self.linear(F.silu(gate) * up, p + "mlp.down_proj", False)
        last = self.rms_norm(x[-1:], self.w["model.norm.weight"])
        return F.linear(last, self.head).float()[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--new-tokens", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    # numpy.memmap in mode "r" is read-only; torch warns once that it would not be writable: nothing writes it
    warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
    torch.set_num_threads(args.threads)
    config, tensors = read_model(args.model)
    model = Model(config, tensors)
    prompt = [int(t) for t in args.tokens.split(",")]
    with torch.inference_mode():
        for run in range(args.runs):
            model.new_cache(len(prompt) + args.new_tokens + 1)
            t0 = time.perf_counter()
            logits = model.step(prompt, 0)
            t1 = time.perf_counter()
            tokens = [int(torch.argmax(logits))]
            for i in range(args.new_tokens):
                logits = model.step([tokens[-1]], len(prompt) + i)
                tokens.append(int(torch.argmax(logits)))
            t2 = time.perf_counter()
            print(f"run={run} prefill_seconds={t1 - t0:.6f} decode_seconds={t2 - t1:.6f}", flush=True)
    print("tokens=" + ",".join(map(str, tokens)))
    print(f"peak_rss_bytes={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}")


if __name__ == "__main__":
    main()
