# PyTorch's side of `kumiki bench train`: the same Llama model (the same config.json) trained from scratch in
# PyTorch eager (Debian's python3-torch), with the same batch, sequence length, optimizer, schedule, clipping and
# thread count as Kumiki's Trainer, in float32.
#
# The model is written out as transformers' LlamaForCausalLM computes it (torch 1.13 has neither transformers nor
# scaled_dot_product_attention): embedding; per layer RMSNorm, attention with rotary embeddings (rotate-half), a
# causal mask and grouped-query heads, a residual, RMSNorm, the SwiGLU MLP and a residual; a final RMSNorm and the
# output projection (the embedding when tied). Weights are initialised as transformers does (normal, std
# initializer_range; norms 1). Each step: forward, masked next-token cross-entropy over the whole batch, backward,
# clip_grad_norm_, AdamW (torch.optim.AdamW; no decay for norms and biases, as transformers' Trainer), warm-up +
# cosine schedule. The tokens are drawn at random (seeded): the speed of a step does not depend on their values.
#
# Prints one line per step, then the peak RSS of this process:
#   step=1 seconds=0.123456 loss=6.93
#   tokens_per_step=1024
#   blas=/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3
#   peak_rss_bytes=...
#
# Usage: torch_train.py CONFIG_JSON --steps N --batch B --seq T --threads N [--lr 1e-3 --warmup 2 --seed 42 ...]
import argparse
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F


class Llama(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        arch = (c.get("architectures") or ["LlamaForCausalLM"])[0]
        if arch not in ("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM"):
            raise SystemExit(f"this baseline trains Llama-family decoders, not {arch}")
        if c.get("rope_scaling"):
            raise SystemExit("this baseline does not implement rope_scaling; bench a model without it")
        self.hidden = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.kv_heads = c.get("num_key_value_heads") or self.heads
        self.head_dim = c.get("head_dim") or self.hidden // self.heads
        self.eps = c.get("rms_norm_eps", 1e-6)
        self.n_layers = c["num_hidden_layers"]
        self.tied = c.get("tie_word_embeddings", False)
        self.qkv_bias = arch == "Qwen2ForCausalLM" or (arch != "MistralForCausalLM" and c.get("attention_bias", False))
        self.o_bias = arch not in ("Qwen2ForCausalLM", "MistralForCausalLM") and c.get("attention_bias", False)
        self.qk_norm = arch == "Qwen3ForCausalLM"
        vocab, inter, d = c["vocab_size"], c["intermediate_size"], self.head_dim
        std = c.get("initializer_range", 0.02)

        def linear(out_f, in_f, bias):
            m = torch.nn.Linear(in_f, out_f, bias=bias)
            torch.nn.init.normal_(m.weight, std=std)
            if bias:
                torch.nn.init.zeros_(m.bias)
            return m

        self.embed = torch.nn.Embedding(vocab, self.hidden)
        torch.nn.init.normal_(self.embed.weight, std=std)
        self.layers = torch.nn.ModuleList()
        for _ in range(self.n_layers):
            layer = torch.nn.Module()
            layer.input_norm = torch.nn.Parameter(torch.ones(self.hidden))
            layer.post_norm = torch.nn.Parameter(torch.ones(self.hidden))
            layer.q = linear(self.heads * d, self.hidden, self.qkv_bias)
            layer.k = linear(self.kv_heads * d, self.hidden, self.qkv_bias)
            layer.v = linear(self.kv_heads * d, self.hidden, self.qkv_bias)
            layer.o = linear(self.hidden, self.heads * d, self.o_bias)
            if self.qk_norm:
                layer.q_norm = torch.nn.Parameter(torch.ones(d))
                layer.k_norm = torch.nn.Parameter(torch.ones(d))
            layer.gate = linear(inter, self.hidden, False)
            layer.up = linear(inter, self.hidden, False)
            layer.down = linear(self.hidden, inter, False)
            self.layers.append(layer)
        self.norm = torch.nn.Parameter(torch.ones(self.hidden))
        self.head = None if self.tied else linear(vocab, self.hidden, False)
        self.inv_freq = 1.0 / (c.get("rope_theta", 10000.0) ** (torch.arange(0, d, 2).float() / d))

    def rms_norm(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    def forward(self, ids):
        B, T = ids.shape
        d, half = self.head_dim, self.head_dim // 2
        angles = torch.arange(T).float()[:, None] * self.inv_freq[None, :]
        cos = torch.cat([angles.cos(), angles.cos()], dim=-1)
        sin = torch.cat([angles.sin(), angles.sin()], dim=-1)
        mask = torch.full((T, T), float("-inf")).triu(1)
        group = self.heads // self.kv_heads

        def rope(x):
            return x * cos + torch.cat([-x[..., half:], x[..., :half]], dim=-1) * sin

        x = self.embed(ids)
        for L in self.layers:
            h = self.rms_norm(x, L.input_norm)
            q = L.q(h).view(B, T, self.heads, d)
            k = L.k(h).view(B, T, self.kv_heads, d)
            v = L.v(h).view(B, T, self.kv_heads, d)
            if self.qk_norm:
                q = self.rms_norm(q, L.q_norm)
                k = self.rms_norm(k, L.k_norm)
            q = rope(q.transpose(1, 2))
            k = rope(k.transpose(1, 2)).repeat_interleave(group, dim=1)
            v = v.transpose(1, 2).repeat_interleave(group, dim=1)
            scores = q @ k.transpose(-1, -2) / math.sqrt(d) + mask
            a = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(B, T, self.heads * d)
            x = x + L.o(a)
            h = self.rms_norm(x, L.post_norm)
            x = x + L.down(F.silu(L.gate(h)) * L.up(h))
        x = self.rms_norm(x, self.norm)
        return F.linear(x, self.embed.weight) if self.tied else self.head(x)


def blas_library():
    """The BLAS this torch calls (Debian's torch links libblas.so.3, whichever library that resolves to)."""
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                if "blas" in os.path.basename(path):
                    return os.path.realpath(path)
    except OSError:
        pass
    return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--seq", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--min-lr-ratio", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--max-grad-norm", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)
    with open(args.config) as f:
        config = json.load(f)
    model = Llama(config)
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.dim() < 2 else decay).append(p)
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.999),
                                  eps=1e-8)

    def rate(step):
        if step < args.warmup:
            return (step + 1) / max(1, args.warmup)
        progress = (step - args.warmup) / max(1, args.steps - args.warmup)
        return args.min_lr_ratio + (1 - args.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, rate)
    generator = torch.Generator().manual_seed(args.seed)
    vocab = config["vocab_size"]
    for step in range(1, args.steps + 1):
        t0 = time.perf_counter()
        ids = torch.randint(0, vocab, (args.batch, args.seq), generator=generator)
        logits = model(ids[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, vocab), ids[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        seconds = time.perf_counter() - t0
        print(f"step={step} seconds={seconds:.6f} loss={loss.item():.4f}", flush=True)
    print(f"tokens_per_step={args.batch * args.seq}")
    print(f"blas={blas_library()}")
    print(f"peak_rss_bytes={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}")


if __name__ == "__main__":
    sys.exit(main())
