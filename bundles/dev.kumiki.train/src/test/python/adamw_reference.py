"""Independent reference for Kumiki's training loop optimizer: torch.optim.AdamW, transformers' cosine schedule with
warm-up (and its minimum-rate variant, written out here because transformers is not installed) and
torch.nn.utils.clip_grad_norm_, over several steps of a small quadratic problem.

Usage: /usr/bin/python3 adamw_reference.py SPEC.json RESULT.json
SPEC: {"params": [{"name", "shape", "values", "a", "b"}], "lr", "warmup", "total", "min_ratio", "beta1", "beta2",
       "eps", "weight_decay", "max_grad_norm", "steps"}
Loss: sum over parameters of scale * sum((p * a - b)^2). Parameters whose name contains "bias" or "norm" get no weight
decay (Hugging Face Trainer's rule). RESULT: per step the learning rate used, the norm before clipping and every
parameter after the step.
"""
import json
import math
import sys

import torch


def main():
    spec = json.load(open(sys.argv[1]))
    torch.set_num_threads(1)
    params, targets = [], []
    for p in spec["params"]:
        t = torch.tensor(p["values"], dtype=torch.float32).reshape(p["shape"]).requires_grad_(True)
        a = torch.tensor(p["a"], dtype=torch.float32).reshape(p["shape"])
        b = torch.tensor(p["b"], dtype=torch.float32).reshape(p["shape"])
        params.append((p["name"], t))
        targets.append((a, b))
    decay = [t for n, t in params if "bias" not in n.lower() and "norm" not in n.lower()]
    no_decay = [t for n, t in params if "bias" in n.lower() or "norm" in n.lower()]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": spec["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}],
        lr=spec["lr"], betas=(spec["beta1"], spec["beta2"]), eps=spec["eps"], foreach=False)
    warmup, total, min_ratio = spec["warmup"], spec["total"], spec["min_ratio"]

    def factor(current_step):
        # transformers' get_cosine_with_min_lr_schedule_with_warmup lambda, num_cycles 0.5
        if current_step < warmup:
            return float(current_step) / float(max(1, warmup))
        progress = float(current_step - warmup) / float(max(1, total - warmup))
        f = 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress))
        f = f * (1 - min_ratio) + min_ratio
        return max(0, f)

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    steps = []
    for _ in range(spec["steps"]):
        optimizer.zero_grad()
        loss = sum(spec["scale"] * ((t * a - b) ** 2).sum() for (_, t), (a, b) in zip(params, targets))
        loss.backward()
        rate = optimizer.param_groups[0]["lr"]
        norm = torch.nn.utils.clip_grad_norm_([t for _, t in params], spec["max_grad_norm"])
        optimizer.step()
        scheduler.step()
        steps.append({"lr": rate, "loss": loss.item(), "grad_norm": norm.item(),
                      "params": {n: t.detach().reshape(-1).tolist() for n, t in params}})
    json.dump({"steps": steps}, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
